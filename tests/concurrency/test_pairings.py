"""Pairing approval and undo: one decision, and nobody is told about an undone one."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import MembershipStatus, Notification, Pairing, PairingStatus
from portal.models.enrollment import AuditEvent
from portal.services.programmes.holds import release_due_notifications
from tests.concurrency.conftest import at_once
from tests.factories import make_admin, make_membership, make_pairing


def _approvals() -> list[AuditEvent]:
    return list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == "pairing.approved"))
    )


def _notices(pairing: Pairing) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id.in_([pairing.mentor_id, pairing.mentee_id])
        )
    )


def test_a_double_approval_is_one_decision_and_its_undo_tells_nobody(live):
    admin = make_admin()
    pairing = make_pairing(status=PairingStatus.proposed, approved_at=None)
    tabs = [live.browser(admin), live.browser(admin)]
    path = f"/admin/matching/{pairing.program.slug}/pairings/{pairing.id}/approve"

    answers = at_once(*[lambda tab=tab: tab.post(path) for tab in tabs])

    assert [a.status for a in answers] == [303, 303]
    approvals = _approvals()
    assert len(approvals) == 1
    assert _notices(pairing) == 2  # one for each partner, held for the undo window
    assert sum("This was already decided" in tab.flashes() for tab in tabs) == 1

    undone = tabs[0].post(f"/admin/undo/{approvals[0].detail['undo']}")
    assert undone.status == 303
    db.session.rollback()
    assert db.session.get(Pairing, pairing.id).status is PairingStatus.proposed
    release_due_notifications(now=approvals[0].created_at.replace(year=2999))
    assert _notices(pairing) == 0


def test_two_undos_of_one_decision_undo_it_once(live):
    admin = make_admin()
    application = make_membership(status=MembershipStatus.applied)
    tab = live.browser(admin)
    assert (
        tab.post(f"/admin/enrollment/{application.id}/decide", {"decision": "approve"}).status
        == 303
    )
    db.session.rollback()
    key = db.session.scalars(select(AuditEvent)).one().detail["undo"]
    tabs = [live.browser(admin), live.browser(admin)]

    answers = at_once(*[lambda tab=tab: tab.post(f"/admin/undo/{key}") for tab in tabs])

    assert [a.status for a in answers] == [303, 303]
    undos = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "decision.undone")
    ).all()
    assert len(undos) == 1
    assert sum("Undone:" in t.flashes() for t in tabs) == 1


def test_two_pairing_undos_undo_it_once(live):
    admin = make_admin()
    pairing = make_pairing(status=PairingStatus.proposed, approved_at=None)
    tab = live.browser(admin)
    path = f"/admin/matching/{pairing.program.slug}/pairings/{pairing.id}/approve"
    assert tab.post(path).status == 303
    db.session.rollback()
    key = _approvals()[0].detail["undo"]
    tabs = [live.browser(admin), live.browser(admin)]

    answers = at_once(*[lambda tab=tab: tab.post(f"/admin/undo/{key}") for tab in tabs])

    assert [a.status for a in answers] == [303, 303]
    undos = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "decision.undone")
    ).all()
    assert len(undos) == 1
    assert db.session.get(Pairing, pairing.id).status is PairingStatus.proposed
