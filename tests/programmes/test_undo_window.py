"""Are declines and bulk approvals confirmed, explained and undoable before anyone is told?"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    Membership,
    MembershipStatus,
    Notification,
    Pairing,
    PairingStatus,
    ProgramStatus,
    Role,
    utcnow,
)
from portal.models.enrollment import AuditEvent
from portal.services.programmes.holds import release_due_notifications
from tests.factories import make_admin, make_pairing, make_participant, make_program


@pytest.fixture
def applicant(app):
    program = make_program(slug="spring", status=ProgramStatus.enrolling)
    return make_participant(program, Role.mentee, status=MembershipStatus.applied)


def status_of(membership):
    db.session.expire_all()
    return db.session.get(Membership, membership.id).status


def test_a_decline_asks_for_confirmation_first_and_works_without_javascript(
    client, auth, applicant
):
    auth.login(make_admin())
    asked = client.get(f"/admin/enrollment/{applicant.id}/decide?decision=decline")
    assert asked.status_code == 200
    assert "Yes, decline 1 application" in asked.text and 'name="reason"' in asked.text
    # A POST without the confirmation (an old form, a double click) only asks again.
    again = client.post(f"/admin/enrollment/{applicant.id}/decide", data={"decision": "decline"})
    assert again.status_code == 200 and "Yes, decline" in again.text
    assert status_of(applicant) is MembershipStatus.applied


def test_the_applicant_is_told_only_after_the_undo_window(client, auth, applicant):
    auth.login(make_admin())
    client.post(
        f"/admin/enrollment/{applicant.id}/decide",
        data={"decision": "decline", "confirm": "yes", "reason": "Cohort is full this round."},
    )
    assert status_of(applicant) is MembershipStatus.declined
    auth.logout()
    auth.login(applicant.user)
    assert "not accepted" not in client.get("/notifications/").text
    auth.logout()
    # The window passes; the worker's sweep delivers the notice.
    db.session.execute(
        Notification.__table__.update().values(deliver_after=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    assert release_due_notifications() == 1
    auth.login(applicant.user)
    assert "not accepted" in client.get("/notifications/").text


def test_undo_restores_the_application_and_withdraws_the_notice(client, auth, applicant):
    admin = make_admin()
    auth.login(admin)
    client.post(
        f"/admin/enrollment/{applicant.id}/decide",
        data={"decision": "decline", "confirm": "yes", "reason": "Wrong programme"},
    )
    queue = client.get("/admin/enrollment").text
    assert "You can still undo" in queue
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "enrollment.declined"))
    assert event.detail["reason"] == "Wrong programme"
    response = client.post(
        f"/admin/undo/{event.detail['undo']}", data={"next": "/admin/enrollment"}
    )
    assert response.status_code == 303
    assert status_of(applicant) is MembershipStatus.applied
    assert db.session.scalar(select(Notification).where(Notification.kind == "application")) is None
    page = client.get(f"/admin/enrollment/{applicant.id}").text
    assert "Reason: Wrong programme" in page and "(undone)" in page
    # A second undo of the same decision is refused with a message, not a 500.
    again = client.post(f"/admin/undo/{event.detail['undo']}", follow_redirects=True)
    assert again.status_code == 200 and "can no longer be undone" in again.text


def test_undo_is_refused_once_people_were_told(client, auth, applicant):
    auth.login(make_admin())
    client.post(f"/admin/enrollment/{applicant.id}/decide", data={"decision": "approve"})
    key = db.session.scalar(select(AuditEvent)).detail["undo"]
    db.session.execute(Notification.__table__.update().values(deliver_after=None, hold_key=key))
    db.session.commit()
    response = client.post(f"/admin/undo/{key}", follow_redirects=True)
    assert "Too late to undo" in response.text
    assert status_of(applicant) is MembershipStatus.active


def test_someone_elses_decision_cannot_be_undone(client, auth, applicant):
    auth.login(make_admin())
    client.post(f"/admin/enrollment/{applicant.id}/decide", data={"decision": "approve"})
    key = db.session.scalar(select(AuditEvent)).detail["undo"]
    auth.logout()
    auth.login(make_admin())
    client.post(f"/admin/undo/{key}")
    assert status_of(applicant) is MembershipStatus.active


def test_approve_all_is_confirmed_then_undone_as_one_decision(client, auth):
    program = make_program(slug="big", status=ProgramStatus.running)
    pairs = [
        make_pairing(program=program, status=PairingStatus.proposed, approved_at=None)
        for _ in range(3)
    ]
    auth.login(make_admin())
    page = client.get("/admin/matching/big/approve-all").text
    assert "3 pairs, 6 people" in page
    assert "Their notices wait 5 minutes" in page  # UNDO_WINDOW_SECONDS = 300
    client.post("/admin/matching/big/approve-all", data={"confirm": "yes"})
    db.session.expire_all()
    assert all(db.session.get(Pairing, p.id).status is PairingStatus.active for p in pairs)
    board = client.get("/admin/").text
    assert "Approved 3 pairs" in board
    key = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "pairing.approved"))
    client.post(f"/admin/undo/{key.detail['undo']}")
    db.session.expire_all()
    assert all(db.session.get(Pairing, p.id).status is PairingStatus.proposed for p in pairs)
    assert db.session.query(Notification).count() == 0


def test_the_matching_board_offers_the_undo_of_an_approval(client, auth):
    program = make_program(slug="small", status=ProgramStatus.running)
    make_pairing(program=program, status=PairingStatus.proposed, approved_at=None)
    auth.login(make_admin())
    client.post("/admin/matching/small/approve-all", data={"confirm": "yes"})
    board = client.get("/admin/matching/small").text
    assert "You can still undo" in board and "Approved " in board
