"""Goals shared with a circle from the goal form, read under the circle's stint rules."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models.circles import GoalCircleAudience
from portal.models.kickoff import Goal
from portal.models.programs import ProgramFormat
from portal.services import access
from tests.factories import make_circle, make_pairing, make_program, make_user


@pytest.fixture
def world():
    program = make_program(format=ProgramFormat.both)
    pairing = make_pairing(program=program)
    mate, later = make_user(name="Mate"), make_user(name="Later")
    circle = make_circle(program, facilitator=make_user(name="Fac"), members=[pairing.mentee, mate])
    other = make_circle(program, facilitator=make_user(), members=[make_user(), make_user()])
    return pairing, circle, other, mate, later


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_member_shares_a_goal_with_their_circle_from_the_goal_form(client, auth, world):
    pairing, circle, other, mate, _ = world
    auth.login(pairing.mentee)
    form_page = client.get(f"/pairings/{pairing.id}/goals").get_data(as_text=True)
    assert f'value="circle-{circle.id}"' in form_page
    assert f'value="circle-{other.id}"' not in form_page
    response = client.post(
        f"/pairings/{pairing.id}/goals",
        data={"title": "Chair a meeting", "visibility": "shared", "circle": f"circle-{circle.id}"},
    )
    assert response.status_code == 303
    goal = db.session.scalar(select(Goal).where(Goal.title == "Chair a meeting"))
    assert db.session.get(GoalCircleAudience, (goal.id, circle.id)) is not None
    assert access.can_read_goal(mate, goal) and access.can_read_goal(circle.facilitator, goal)
    assert not access.can_read_goal(other.facilitator, goal)
    auth.logout()
    auth.login(mate)
    assert "Chair a meeting" in client.get(f"/circles/{circle.id}").get_data(as_text=True)


def test_a_goal_with_no_circle_stays_in_the_pairing(client, auth, world):
    pairing, circle, _, mate, _ = world
    auth.login(pairing.mentee)
    client.post(
        f"/pairings/{pairing.id}/goals",
        data={"title": "Pair only", "visibility": "shared", "circle": ""},
    )
    goal = db.session.scalar(select(Goal).where(Goal.title == "Pair only"))
    assert goal is not None and _count(GoalCircleAudience) == 0
    assert not access.can_read_goal(mate, goal)


@pytest.mark.parametrize(
    "visibility, circle_value",
    [
        ("private", "own"),
        ("shared", "other"),
        ("shared", "circle-99999999999999999999"),
        ("shared", "circle-abc"),
        ("shared", "nonsense"),
    ],
)
def test_a_bad_circle_choice_is_refused_next_to_the_field(
    client, auth, world, visibility, circle_value
):
    pairing, circle, other, _, _ = world
    value = {"own": f"circle-{circle.id}", "other": f"circle-{other.id}"}.get(
        circle_value, circle_value
    )
    auth.login(pairing.mentee)
    response = client.post(
        f"/pairings/{pairing.id}/goals",
        data={"title": "Kept title", "visibility": visibility, "circle": value},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Kept title" in page and "circle" in page.lower()
    assert _count(Goal) == 0 and _count(GoalCircleAudience) == 0


def test_the_mentor_without_a_circle_sees_no_circle_choice(client, auth, world):
    pairing, *_ = world
    auth.login(pairing.mentor)
    page = client.get(f"/pairings/{pairing.id}/goals").get_data(as_text=True)
    assert 'name="circle"' not in page
