"""Does one application get exactly one decision when two tabs decide it at once?"""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Membership, MembershipStatus, Notification
from portal.models.enrollment import AuditEvent
from tests.concurrency.conftest import at_once
from tests.factories import make_admin, make_membership

ALREADY = "This was already decided"


def _decisions(membership_id: int) -> list[AuditEvent]:
    return [
        e
        for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("enrollment.%"))
        )
        if e.detail.get("membership_id") == membership_id
    ]


def test_approve_and_decline_from_two_tabs_records_one_decision(live):
    admin = make_admin()
    application = make_membership(status=MembershipStatus.applied)
    first, second = live.browser(admin), live.browser(admin)
    path = f"/admin/enrollment/{application.id}/decide"

    answers = at_once(
        lambda: first.post(path, {"decision": "approve"}),
        lambda: second.post(path, {"decision": "decline", "confirm": "yes"}),
    )

    assert [a.status for a in answers] == [303, 303]
    decisions = _decisions(application.id)
    assert len(decisions) == 1
    status = db.session.get(Membership, application.id).status
    assert status is (
        MembershipStatus.active
        if decisions[0].action == "enrollment.approved"
        else MembershipStatus.declined
    )
    told = db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == application.user_id)
    )
    assert told == 1
    pages = [first.flashes(), second.flashes()]
    assert sum(ALREADY in page for page in pages) == 1


def test_two_approvals_of_one_application_record_one(live):
    admin = make_admin()
    application = make_membership(status=MembershipStatus.applied)
    tabs = [live.browser(admin), live.browser(admin)]
    path = f"/admin/enrollment/{application.id}/decide"

    answers = at_once(*[lambda tab=tab: tab.post(path, {"decision": "approve"}) for tab in tabs])

    assert [a.status for a in answers] == [303, 303]
    assert len(_decisions(application.id)) == 1
    told = db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == application.user_id)
    )
    assert told == 1
