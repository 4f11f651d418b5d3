"""Can someone who runs a programme become a partner in it through their own powers? Never.

Portal admins and a programme's leads are refused by every path that makes a pair: the
matching run, hand pairing, a change of mentor, an exchange, CSV import, enrollment approval
and the approval of a pair proposed before they became staff. Leading another programme is
no bar to taking part in this one.
"""

import io

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    Membership,
    MembershipStatus,
    Pairing,
    PairingStatus,
    ProgramStatus,
    Role,
)
from portal.models.leads import ProgramLead
from portal.services import access
from portal.services import matching as matcher
from portal.services.matching import swaps
from tests.factories import (
    make_admin,
    make_lead,
    make_membership,
    make_pairing,
    make_participant,
    make_program,
    make_user,
    mentee_profile,
    mentor_profile,
)

STAFF = ["lead", "admin"]


@pytest.fixture
def program(app):
    return make_program(slug="spring", status=ProgramStatus.enrolling)


def _staff(program, kind: str):
    """A lead of the programme, or a portal admin, who is also an approved mentor in it."""
    person = make_lead(program, name="Lee Lead") if kind == "lead" else make_admin(name="Ada Admin")
    make_membership(user=person, program=program, role=Role.mentor, profile=mentor_profile())
    return person


def _pairs(program, status=None):
    query = select(Pairing).where(Pairing.program_id == program.id)
    if status is not None:
        query = query.where(Pairing.status == status)
    return list(db.session.scalars(query))


# --- the rule, in one place --------------------------------------------------------------


@pytest.mark.parametrize("kind", STAFF)
def test_does_the_one_rule_refuse_staff_and_only_in_their_own_programme(program, kind):
    person = _staff(program, kind)
    elsewhere = make_program()
    assert not access.can_be_partner_in(person, program)
    assert person.name in access.partner_refusal(person, program)
    assert person.id in access.program_staff_ids(program.id)
    participant = make_user()
    assert access.can_be_partner_in(participant, program)
    if kind == "lead":  # a lead here takes part elsewhere like anyone
        assert access.can_be_partner_in(person, elsewhere)


# --- matching, hand pairing, change of mentor, exchange ------------------------------------


@pytest.mark.parametrize("kind", STAFF)
def test_is_staff_never_a_candidate_in_a_matching_run(program, kind):
    _staff(program, kind)  # the only mentor with a place
    ana = make_participant(program, Role.mentee, profile=mentee_profile())
    proposal = matcher.propose(program)
    assert proposal.pairs == []
    assert [u.mentee.user_id for u in proposal.unmatched] == [ana.user_id]


@pytest.mark.parametrize("kind", STAFF)
def test_is_staff_never_a_candidate_as_mentee_either(program, kind):
    person = make_lead(program) if kind == "lead" else make_admin()
    make_membership(user=person, program=program, role=Role.mentee, profile=mentee_profile())
    make_participant(program, Role.mentor)
    assert matcher.propose(program).pairs == []


@pytest.mark.parametrize("kind", STAFF)
def test_can_staff_not_hand_pair_themselves(client, auth, program, kind):
    person = _staff(program, kind)
    ana = make_participant(program, Role.mentee).user
    auth.login(person)
    response = client.post(
        f"/admin/matching/{program.slug}/pair",
        data={"mentee_id": ana.id, "mentor_id": person.id},
        headers={"HX-Request": "true", "HX-Target": "matching-board"},
    )
    assert response.status_code == 422
    assert "runs a programme is paired in it" in response.text
    assert _pairs(program) == []


def test_is_a_staff_mentor_refused_for_a_change_of_mentor(client, auth, program):
    ana = make_participant(program, Role.mentee).user
    mentor = make_participant(program, Role.mentor).user
    pairing = make_pairing(
        program=program, mentee=ana, mentor=mentor, status=PairingStatus.proposed
    )
    pairing.approved_at = None
    lead = _staff(program, "lead")
    other = make_participant(program, Role.mentor).user
    db.session.commit()
    with pytest.raises(matcher.MatchingError, match="leads this programme"):
        matcher.swap_mentor(pairing, lead.id, make_admin())
    # The search never offers the lead, and the preview names the rule.
    choices = swaps.mentor_choices(program, ana.id)
    offered = {c.mentor.id for c in choices.choices}
    assert other.id in offered and lead.id not in offered
    check = matcher.check_pair(program, ana.id, lead.id, replacing=pairing)
    assert not check.ok and "leads this programme" in check.problem
    db.session.refresh(pairing)
    assert pairing.mentor_id == mentor.id


def test_is_an_exchange_that_would_pair_a_new_lead_refused(program):
    ana = make_participant(program, Role.mentee).user
    ben = make_participant(program, Role.mentee).user
    marta = make_participant(program, Role.mentor).user
    nils = make_participant(program, Role.mentor).user
    first = make_pairing(program=program, mentee=ana, mentor=marta, status=PairingStatus.proposed)
    second = make_pairing(program=program, mentee=ben, mentor=nils, status=PairingStatus.proposed)
    db.session.add(ProgramLead(program_id=program.id, user_id=nils.id))  # Nils became a lead
    db.session.commit()
    with pytest.raises(matcher.MatchingError, match="leads this programme"):
        swaps.exchange_mentors(first, second.id, make_admin())
    db.session.expire_all()
    assert db.session.get(Pairing, first.id).mentor_id == marta.id


# --- approval of a pair proposed before the person became staff ---------------------------


def test_is_approving_a_pair_whose_mentor_became_a_lead_refused(client, auth, program):
    pairing = make_pairing(program=program, status=PairingStatus.proposed, approved_at=None)
    db.session.add(ProgramLead(program_id=program.id, user_id=pairing.mentor_id))
    db.session.commit()
    auth.login(make_admin())
    response = client.post(
        f"/admin/matching/{program.slug}/pairings/{pairing.id}/approve",
        headers={"HX-Request": "true", "HX-Target": "matching-board"},
    )
    assert response.status_code == 422
    assert "leads this programme" in response.text
    db.session.expire_all()
    assert db.session.get(Pairing, pairing.id).status is PairingStatus.proposed


def test_is_approve_all_refused_whole_when_one_pair_has_staff(client, auth, program):
    fine = make_pairing(program=program, status=PairingStatus.proposed, approved_at=None)
    staff = make_pairing(program=program, status=PairingStatus.proposed, approved_at=None)
    staff.mentee.is_portal_admin = True  # made a portal admin after the proposal
    db.session.commit()
    auth.login(make_admin())
    response = client.post(
        f"/admin/matching/{program.slug}/approve-all",
        data={"confirm": "yes"},
        headers={"HX-Request": "true", "HX-Target": "matching-board"},
    )
    assert response.status_code == 422 and "portal admin" in response.text
    db.session.expire_all()
    assert {db.session.get(Pairing, p.id).status for p in (fine, staff)} == {PairingStatus.proposed}


# --- import and enrollment -------------------------------------------------------------------

HEADER = "email,name,role,timezone,capacity"


def _upload(client, slug, lines):
    data = {"file": (io.BytesIO("\n".join(lines).encode()), "people.csv")}
    return client.post(
        f"/admin/programs/{slug}/import", data=data, content_type="multipart/form-data"
    )


@pytest.mark.parametrize("kind", STAFF)
def test_does_the_import_refuse_a_row_for_someone_who_runs_the_programme(
    client, auth, program, kind
):
    person = make_lead(program) if kind == "lead" else make_admin()
    auth.login(person if kind == "lead" else make_admin())
    lines = [
        HEADER,
        "marta@example.org,Marta,mentee,UTC,",
        f"{person.email.upper()},{person.name},mentor,UTC,1",
    ]
    response = _upload(client, program.slug, lines)
    assert response.status_code == 422
    assert "Line 3" in response.text and "runs this programme" in response.text
    members = select(func.count(Membership.id)).where(Membership.program_id == program.id)
    assert db.session.scalar(members) == 0


def test_does_the_import_take_a_lead_of_another_programme(client, auth, program):
    lead_elsewhere = make_lead(make_program())
    auth.login(make_admin())
    response = _upload(client, program.slug, [HEADER, f"{lead_elsewhere.email},Lee,mentor,UTC,1"])
    assert response.status_code == 303


def test_is_approving_a_leads_application_to_their_own_programme_refused(client, auth, program):
    lead = make_lead(program)
    application = make_membership(
        user=lead, program=program, role=Role.mentor, status=MembershipStatus.applied
    )
    auth.login(make_admin())
    response = client.post(
        f"/admin/enrollment/{application.id}/decide",
        data={"decision": "approve"},
        follow_redirects=True,
    )
    assert "leads this programme" in response.text
    db.session.expire_all()
    assert db.session.get(Membership, application.id).status is MembershipStatus.applied


def test_does_a_bulk_approval_leave_staff_waiting_and_say_so(client, auth, program):
    lead = make_lead(program, name="Lee Lead")
    staff_app = make_membership(
        user=lead, program=program, role=Role.mentor, status=MembershipStatus.applied
    )
    other = make_membership(program=program, role=Role.mentee, status=MembershipStatus.applied)
    auth.login(make_admin())
    response = client.post(
        "/admin/enrollment/bulk",
        data={"decision": "approve", "confirm": "yes", "ids": [staff_app.id, other.id]},
        follow_redirects=True,
    )
    assert "Lee Lead run that programme" in response.text
    db.session.expire_all()
    assert db.session.get(Membership, staff_app.id).status is MembershipStatus.applied
    assert db.session.get(Membership, other.id).status is MembershipStatus.active


def test_may_a_lead_of_another_programme_be_paired_here(client, auth, program):
    lead_elsewhere = make_lead(make_program())
    make_membership(
        user=lead_elsewhere, program=program, role=Role.mentor, profile=mentor_profile()
    )
    ana = make_participant(program, Role.mentee)
    proposal = matcher.propose(program)
    assert [(p.mentee.user_id, p.mentor.user_id) for p in proposal.pairs] == [
        (ana.user_id, lead_elsewhere.id)
    ]


def test_is_staff_never_offered_to_a_mentee_who_picks_mentors(program):
    from portal.services.programmes.enrollment import pickable_mentors

    program.matching = {"self_selection": True}
    db.session.commit()
    lead = _staff(program, "lead")
    mentor = make_participant(program, Role.mentor).user
    assert [m.user_id for m in pickable_mentors(program)] == [mentor.id]
    assert lead.id not in [m.user_id for m in pickable_mentors(program)]
