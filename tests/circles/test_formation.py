"""The programme team's circles: form by hand, propose for a cohort, move, approve and undo."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Notification, Role
from portal.models.circles import CircleStatus
from portal.models.programs import ProgramFormat
from portal.services import access
from portal.services.circles import formation, health
from portal.services.programmes import holds
from tests.factories import (
    make_admin,
    make_circle,
    make_lead,
    make_participant,
    make_program,
    mentee_profile,
)


def cohort(program, mentees: int = 12, mentors: int = 3):
    departments = ["Sales", "Finance", "Legal", "IT", "HR", "Ops"]
    people = [
        make_participant(
            program, Role.mentee, profile=mentee_profile(department=departments[i % 6])
        )
        for i in range(mentees)
    ]
    leaders = [make_participant(program, Role.mentor) for _ in range(mentors)]
    return people, leaders


@pytest.fixture
def program():
    return make_program(format=ProgramFormat.circles, matching={"circles": {"min_size": 3}})


def test_the_team_proposes_circles_for_a_cohort_with_reasons(program):
    lead = make_lead(program)
    members, _ = cohort(program)
    proposal = formation.propose_for_cohort(program, lead)
    assert proposal.circles and proposal.solution.gap >= 0
    placed = [s for c in proposal.circles for s in c.stints]
    assert len(placed) == proposal.solution.placed
    for circle in proposal.circles:
        assert circle.status is CircleStatus.proposed
        assert 3 <= len(circle.stints) <= 8
        departments = [s.membership.profile["department"] for s in circle.stints]
        assert len(departments) == len(set(departments))
    assert all(s.explanation["factors"] for s in placed)
    # Nobody was told and nobody sees a proposal.
    assert not db.session.scalars(select(Notification)).all()
    assert not access.is_readable_circle(members[0].user, proposal.circles[0])


def test_a_sixty_person_cohort_is_proposed_and_approved(program):
    admin = make_admin()
    cohort(program, mentees=60, mentors=10)
    proposal = formation.propose_for_cohort(program, admin)
    assert proposal.solution.placed >= 30
    for circle in proposal.circles:
        formation.approve(circle, admin)
    assert {c.status for c in formation.circles_of(program)} == {CircleStatus.active}


def test_approval_waits_out_the_undo_window_and_undo_puts_it_back(program, app):
    admin = make_admin()
    circle = make_circle(program, status=CircleStatus.proposed, approved_at=None)
    key = formation.approve(circle, admin)
    member = circle.stints[0].user
    assert circle.status is CircleStatus.active
    assert not access.is_readable_circle(member, circle)  # told only after the window
    assert [u.summary for u in holds.undoable(admin, program.id)][0].startswith("Approved")
    holds.undo(admin, key)
    db.session.refresh(circle)
    assert circle.status is CircleStatus.proposed and circle.opens_at is None
    assert not db.session.scalars(select(Notification)).all()
    with pytest.raises(holds.UndoError):
        holds.undo(admin, key)


def test_approving_twice_is_refused_once_decided(program):
    admin = make_admin()
    circle = make_circle(program, status=CircleStatus.proposed, approved_at=None)
    formation.approve(circle, admin)
    with pytest.raises(formation.CircleError):
        formation.approve(circle, admin)


def test_a_circle_below_its_minimum_is_not_approved(program):
    circle = make_circle(program, status=CircleStatus.proposed, approved_at=None, members=[])
    with pytest.raises(formation.CircleError):
        formation.approve(circle, make_admin())


def test_staff_are_never_placed_by_hand(program):
    lead = make_lead(program)
    mentor = make_participant(program, Role.mentor)
    members, _ = cohort(program, mentees=3, mentors=0)
    db.session.add(
        type(mentor)(user_id=lead.id, program_id=program.id, role=Role.mentee, status="active")
    )
    db.session.commit()
    with pytest.raises(formation.CircleError, match="leads this programme"):
        formation.form_circle(
            program, mentor.user_id, [lead.id, members[0].user_id], "Theme", make_admin()
        )


def test_a_person_is_in_one_live_circle_per_programme(program):
    admin = make_admin()
    members, (a, b) = cohort(program, mentees=4, mentors=2)
    ids = [m.user_id for m in members]
    formation.form_circle(program, a.user_id, ids[:3], "One", admin)
    with pytest.raises(formation.CircleError, match="Already in a circle"):
        formation.form_circle(program, b.user_id, ids[2:], "Two", admin)


def test_moving_a_member_shows_the_fit_change(program):
    admin = make_admin()
    members, (a, b) = cohort(program, mentees=6, mentors=2)
    ids = [m.user_id for m in members]
    first = formation.form_circle(program, a.user_id, ids[:4], "One", admin)
    second = formation.form_circle(program, b.user_id, ids[4:], "Two", admin)
    stint = first.stints[0]
    move = formation.move_member(program, stint.id, second.id, admin)
    assert move.name == stint.user.name
    assert move.change == round(move.after - move.before, 1)
    db.session.refresh(second)
    assert stint.user_id in {s.user_id for s in second.stints}


def test_circle_health_never_describes_fewer_than_five_people(program):
    admin = make_admin()
    make_circle(program, members=None)
    figures = health.health(program)
    assert figures.active == 1
    assert figures.members == "fewer than 5"
    make_circle(program)
    assert health.health(program).members == 6
    assert formation.circles_of(program)
    assert admin
