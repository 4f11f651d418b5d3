"""Can an admin approve or decline applications, one at a time and in bulk?"""

from sqlalchemy import select

from portal.extensions import db
from portal.models import Membership, MembershipStatus, Notification, ProgramStatus, Role
from portal.models.enrollment import AuditEvent
from tests.conftest import hx_headers
from tests.factories import make_admin, make_participant, make_program


def applicants(n=3):
    program = make_program(status=ProgramStatus.enrolling)
    return program, [
        make_participant(program, Role.mentee, status=MembershipStatus.applied) for _ in range(n)
    ]


def test_approve_one_with_htmx_returns_the_queue_and_tells_the_applicant(client, auth, app):
    program, (first, second, _) = applicants()
    auth.login(make_admin())
    response = client.post(
        f"/admin/enrollment/{first.id}/decide",
        data={"decision": "approve"},
        headers=hx_headers("enrollment-queue"),
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="enrollment-queue"')
    assert "2 applications to review" in response.text
    assert f'id="application-{first.id}"' not in response.text
    assert f"{first.user.name}: approved." in response.text
    db.session.expire_all()
    assert db.session.get(Membership, first.id).status is MembershipStatus.active
    note = db.session.scalar(select(Notification).where(Notification.user_id == first.user_id))
    assert "was approved" in note.message


def test_bulk_decline_declines_only_the_ticked_ones(client, auth, app):
    program, (first, second, third) = applicants()
    auth.login(make_admin())
    response = client.post(
        "/admin/enrollment/bulk",
        data={"ids": [first.id, third.id], "decision": "decline", "confirm": "yes"},
    )
    assert response.status_code == 303
    db.session.expire_all()
    statuses = [db.session.get(Membership, m.id).status for m in (first, second, third)]
    assert statuses == [
        MembershipStatus.declined,
        MembershipStatus.applied,
        MembershipStatus.declined,
    ]
    told = set(db.session.scalars(select(Notification.user_id)))
    assert told == {first.user_id, third.user_id}
    assert db.session.query(AuditEvent).filter_by(action="enrollment.declined").count() == 2


def test_a_decided_application_cannot_be_decided_again(client, auth, app):
    program, (first,) = applicants(1)
    auth.login(make_admin())
    client.post(
        f"/admin/enrollment/{first.id}/decide", data={"decision": "decline", "confirm": "yes"}
    )
    client.post(f"/admin/enrollment/{first.id}/decide", data={"decision": "approve"})
    db.session.expire_all()
    assert db.session.get(Membership, first.id).status is MembershipStatus.declined
    assert db.session.query(Notification).count() == 1


def test_queue_filters_by_programme(client, auth, app):
    program, (first,) = applicants(1)
    other, (second,) = applicants(1)
    auth.login(make_admin())
    page = client.get(f"/admin/enrollment?program={program.slug}").text
    assert first.user.name in page and second.user.name not in page


def test_does_the_unfiltered_total_from_the_kept_counts_match_a_real_count(app):
    """The queue's pager reads the maintained counts; they must say what a count says."""
    from portal.services.programmes.queue import QueueQuery, page
    from tests.factories import make_lead

    program, waiting = applicants(3)
    other, _ = applicants(2)
    make_participant(program, Role.mentor, status=MembershipStatus.active)
    db.session.get(Membership, waiting[0].id).status = MembershipStatus.declined
    db.session.commit()
    admin, lead = make_admin(), make_lead(program)
    assert page(admin, QueueQuery(), None).total == 4
    assert page(admin, QueueQuery(), program).total == 2
    assert page(lead, QueueQuery(), None).total == 2  # only the programme they lead
    assert page(admin, QueueQuery(role="mentee"), None).total == 4  # filtered: counted
    assert [m.id for m in page(admin, QueueQuery(), program).items] == [w.id for w in waiting[1:]]
