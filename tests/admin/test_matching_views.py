"""Can an admin propose, adjust and approve pairs, and what do participants see meanwhile?"""

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Notification, Pairing, PairingStatus, ProgramStatus, Role
from portal.models.enrollment import AuditEvent
from tests.conftest import hx_headers
from tests.factories import (
    make_admin,
    make_participant,
    make_program,
    mentee_profile,
    mentor_profile,
)


@pytest.fixture
def cohort(app):
    """Two mentees, two mentors: Ana fits Marta best, Ben fits Nils best."""
    program = make_program(slug="spring", status=ProgramStatus.enrolling)
    marta = make_participant(
        program, Role.mentor, profile=mentor_profile(strengths=["leadership", "negotiation"])
    )
    nils = make_participant(
        program,
        Role.mentor,
        profile=mentor_profile(strengths=["budgeting", "hiring"], timezone="America/New_York"),
    )
    ana = make_participant(program, Role.mentee, profile=mentee_profile())
    ben = make_participant(
        program,
        Role.mentee,
        profile=mentee_profile(
            goals=["budgeting"], develop=["hiring"], timezone="America/New_York"
        ),
    )
    return program, {"marta": marta.user, "nils": nils.user, "ana": ana.user, "ben": ben.user}


def pairings(program, status=None):
    query = select(Pairing).where(Pairing.program_id == program.id)
    if status:
        query = query.where(Pairing.status == status)
    return list(db.session.scalars(query))


def propose(client, program):
    return client.post(f"/admin/matching/{program.slug}/propose", data={"mode": "best_total"})


def test_proposal_pairs_best_fits_and_explains_them(client, auth, cohort):
    program, people = cohort
    auth.login(make_admin())
    assert propose(client, program).status_code == 303
    pairs = {(p.mentee_id, p.mentor_id): p for p in pairings(program, PairingStatus.proposed)}
    assert set(pairs) == {
        (people["ana"].id, people["marta"].id),
        (people["ben"].id, people["nils"].id),
    }
    ana_pair = pairs[(people["ana"].id, people["marta"].id)]
    assert 0 < ana_pair.score <= 100
    assert len(ana_pair.explanation["factors"]) == 3
    page = client.get(f"/admin/matching/{program.slug}").text
    assert "Goals meet strengths" in page
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "matching.proposed"))
    assert audit.summary.startswith("Proposed 2 pairs")


def test_participants_see_nothing_until_approval_then_each_other(client, auth, cohort):
    program, people = cohort
    admin = make_admin()
    auth.login(admin)
    propose(client, program)
    auth.logout()
    auth.login(people["ana"])
    assert people["marta"].name not in client.get("/dashboard/").text
    assert db.session.scalar(select(Notification).where(Notification.kind == "pairing")) is None
    auth.logout()

    auth.login(admin)
    asked = client.post(f"/admin/matching/{program.slug}/approve-all")
    assert "Yes, approve 2 pairs" in asked.text
    assert not pairings(program, PairingStatus.active)  # nothing happens before the answer
    response = client.post(
        f"/admin/matching/{program.slug}/approve-all",
        data={"confirm": "yes"},
        headers=hx_headers("matching-board"),
    )
    assert response.status_code == 200
    assert 'id="matching-board"' in response.text and "<html" not in response.text
    assert len(pairings(program, PairingStatus.active)) == 2
    auth.logout()
    auth.login(people["ana"])  # inside the undo window: nobody was told, nothing opens
    assert people["marta"].name not in client.get("/dashboard/").text
    for pairing in pairings(program, PairingStatus.active):  # the window closes
        pairing.opens_at = pairing.approved_at
    for notice in db.session.scalars(select(Notification)):
        notice.deliver_after = None
    db.session.commit()
    assert people["marta"].name in client.get("/dashboard/").text
    auth.logout()
    auth.login(people["marta"])
    assert people["ana"].name in client.get("/dashboard/").text
    told = db.session.scalars(select(Notification.user_id).where(Notification.kind == "pairing"))
    assert set(told) == {p.id for p in people.values()}


def test_approve_one_and_reject_one_are_logged(client, auth, cohort):
    program, people = cohort
    admin = make_admin()
    auth.login(admin)
    propose(client, program)
    first, second = pairings(program, PairingStatus.proposed)
    client.post(f"/admin/matching/{program.slug}/pairings/{first.id}/approve")
    client.post(f"/admin/matching/{program.slug}/pairings/{second.id}/reject")
    db.session.expire_all()
    assert db.session.get(Pairing, first.id).status is PairingStatus.active
    assert db.session.get(Pairing, second.id) is None
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"pairing.approved", "pairing.rejected"} <= actions
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "pairing.approved"))
    assert event.actor_id == admin.id and event.created_at is not None


def test_swap_shows_the_live_score_and_applies(client, auth, cohort):
    program, people = cohort
    auth.login(make_admin())
    db.session.get(type(program), program.id)
    # Give Marta room for two, so Ben may move to her.
    marta_membership = next(m for m in program.memberships if m.user_id == people["marta"].id)
    marta_membership.profile = {**marta_membership.profile, "capacity": 2}
    db.session.commit()
    propose(client, program)
    ben_pair = next(p for p in pairings(program) if p.mentee_id == people["ben"].id)
    url = f"/admin/matching/{program.slug}/pairings/{ben_pair.id}"
    preview = client.get(
        f"{url}/preview?mentor_id={people['marta'].id}",
        headers=hx_headers(f"swap-preview-{ben_pair.id}"),
    )
    assert preview.status_code == 200
    assert re.search(r"<strong>\d+</strong> with " + people["marta"].name, preview.text)
    assert "(-" in preview.text  # a worse fit than the proposal
    response = client.post(
        f"{url}/swap", data={"mentor_id": people["marta"].id}, headers=hx_headers("matching-board")
    )
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Pairing, ben_pair.id).mentor_id == people["marta"].id


def test_swap_to_a_full_mentor_is_refused_with_the_reason(client, auth, cohort):
    program, people = cohort
    auth.login(make_admin())
    propose(client, program)
    ben_pair = next(p for p in pairings(program) if p.mentee_id == people["ben"].id)
    response = client.post(
        f"/admin/matching/{program.slug}/pairings/{ben_pair.id}/swap",
        data={"mentor_id": people["marta"].id},
        headers=hx_headers("matching-board"),
    )
    assert response.status_code == 422
    assert "has no free place" in response.text
    db.session.expire_all()
    assert db.session.get(Pairing, ben_pair.id).mentor_id == people["nils"].id


@pytest.mark.parametrize(
    ("profile_change", "reason"),
    [
        ({"manager": "MARTA"}, "manager"),
        ({"avoid": ["MARTA"]}, "avoid list"),
    ],
)
def test_hand_pair_breaking_a_hard_rule_is_refused(client, auth, cohort, profile_change, reason):
    program, people = cohort
    ana = next(m for m in program.memberships if m.user_id == people["ana"].id)
    change = {
        k: (people["marta"].email if v == "MARTA" else [people["marta"].email])
        for k, v in profile_change.items()
    }
    ana.profile = {**ana.profile, **change}
    db.session.commit()
    auth.login(make_admin())
    response = client.post(
        f"/admin/matching/{program.slug}/pair",
        data={"mentee_id": people["ana"].id, "mentor_id": people["marta"].id},
        headers=hx_headers("matching-board"),
    )
    assert response.status_code == 422
    assert reason in response.text
    assert pairings(program) == []


def test_hand_pair_that_keeps_the_rules_is_proposed(client, auth, cohort):
    program, people = cohort
    auth.login(make_admin())
    response = client.post(
        f"/admin/matching/{program.slug}/pair",
        data={"mentee_id": people["ana"].id, "mentor_id": people["nils"].id},
    )
    assert response.status_code == 303
    (pairing,) = pairings(program)
    assert pairing.status is PairingStatus.proposed and pairing.explanation["by_hand"]


def test_end_early_then_rematch_with_someone_else(client, auth, cohort):
    program, people = cohort
    auth.login(make_admin())
    propose(client, program)
    client.post(f"/admin/matching/{program.slug}/approve-all", data={"confirm": "yes"})
    ana_pair = next(p for p in pairings(program) if p.mentee_id == people["ana"].id)
    url = f"/admin/matching/{program.slug}/pairings/{ana_pair.id}/end"
    inside_window = client.post(url, data={"reason": "Too soon.", "confirm": "yes"})
    assert "undo the approval instead" in inside_window.text  # nobody was told yet
    ana_pair.opens_at = ana_pair.approved_at  # the undo window closes: both were told
    db.session.commit()
    asked = client.post(url, data={"reason": "Schedules never lined up."})
    assert asked.status_code == 200 and 'name="confirm" value="yes"' in asked.text  # asks first
    no_reason = client.post(url, data={"reason": " ", "confirm": "yes"})
    assert no_reason.status_code == 422 and "Say why the pairing ends." in no_reason.text
    db.session.expire_all()
    assert db.session.get(Pairing, ana_pair.id).status is PairingStatus.active
    client.post(url, data={"reason": "Schedules never lined up.", "confirm": "yes"})
    db.session.expire_all()
    ended = db.session.get(Pairing, ana_pair.id)
    assert ended.status is PairingStatus.ended
    assert ended.end_reason == "Schedules never lined up."
    # Nils frees a place by taking capacity 2; the re-match must not pick Marta again.
    nils = next(m for m in program.memberships if m.user_id == people["nils"].id)
    nils.profile = {**nils.profile, "capacity": 2}
    db.session.commit()
    propose(client, program)
    (again,) = pairings(program, PairingStatus.proposed)
    assert again.mentee_id == people["ana"].id and again.mentor_id == people["nils"].id


def test_unmatched_mentees_are_listed_with_a_reason(client, auth, cohort):
    program, people = cohort
    far = make_participant(
        program, Role.mentee, profile=mentee_profile(timezone="Australia/Sydney")
    )
    auth.login(make_admin())
    propose(client, program)
    page = client.get(f"/admin/matching/{program.slug}").text
    assert far.user.name in page
    assert "no mentor in an overlapping time zone" in page


def test_match_command_prints_and_dry_run_saves_nothing(app, cohort):
    program, people = cohort
    runner = app.test_cli_runner()
    result = runner.invoke(args=["match", program.slug, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "2 pairs" in result.output and people["ana"].name in result.output
    assert "Dry run" in result.output
    assert pairings(program) == []
    result = runner.invoke(args=["match", program.slug])
    assert len(pairings(program, PairingStatus.proposed)) == 2
    assert runner.invoke(args=["match", "nope"]).exit_code != 0
