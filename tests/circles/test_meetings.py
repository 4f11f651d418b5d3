"""Circle meetings: planned by its people, one .ics for everyone, attendance by the facilitator."""

from __future__ import annotations

from datetime import date, timedelta

from portal.extensions import db
from portal.models import utcnow
from portal.models.circles import CircleAttendance, CircleMeeting
from tests.factories import leave_circle, make_admin, make_circle, make_user


def _plan(client, circle, when=None, **extra):
    data = {
        "day": (when or date.today() + timedelta(days=7)).isoformat(),
        "start_time": "10:00",
        "minutes": "60",
        "place": "Room 4",
    }
    data.update(extra)
    return client.post(f"/circles/{circle.id}/meetings", data=data)


def test_a_member_plans_a_meeting_and_everyone_gets_the_same_ics(client, auth):
    circle = make_circle(approved_at=utcnow() - timedelta(days=3))
    member = circle.stints[0].user
    auth.login(member)
    assert _plan(client, circle).status_code == 303
    meeting = db.session.scalar(db.select(CircleMeeting))
    page = client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert "Add to calendar" in page and 'data-hx-boost="false"' in page
    ics = client.get(f"/circles/{circle.id}/meetings/{meeting.id}.ics")
    assert ics.status_code == 200
    assert meeting.uid in ics.get_data(as_text=True).replace("\r\n ", "")
    auth.logout()
    auth.login(circle.facilitator)
    again = client.get(f"/circles/{circle.id}/meetings/{meeting.id}.ics").get_data(as_text=True)
    again = again.replace("\r\n ", "")  # RFC 5545 folds long lines
    assert meeting.uid in again and circle.stints[2].user.email in again
    auth.logout()
    for outsider in (make_user(), make_admin()):
        auth.login(outsider)
        assert client.get(f"/circles/{circle.id}/meetings/{meeting.id}.ics").status_code == 404
        auth.logout()


def test_bad_meeting_input_is_refused_next_to_the_form(client, auth):
    circle = make_circle(approved_at=utcnow() - timedelta(days=3))
    auth.login(circle.stints[0].user)
    for extra in (
        {"day": "not a date"},
        {"minutes": "99999999999999"},
        {"minutes": "5"},
        {"start_time": "25:99"},
    ):
        response = _plan(client, circle, **extra)
        assert response.status_code == 422, extra
    assert _plan(client, circle, when=date.today() - timedelta(days=2)).status_code == 422
    assert db.session.scalar(db.select(CircleMeeting)) is None


def test_only_the_facilitator_records_attendance_after_the_start(client, auth):
    circle = make_circle(approved_at=utcnow() - timedelta(days=10))
    meeting = CircleMeeting(
        circle_id=circle.id, uid="m1@horizon", starts_at=utcnow() - timedelta(days=1), minutes=60
    )
    db.session.add(meeting)
    db.session.commit()
    came = [str(circle.stints[0].user_id), str(circle.stints[1].user_id)]
    url = f"/circles/{circle.id}/meetings/{meeting.id}/attendance"
    auth.login(circle.stints[0].user)
    assert client.post(url, data={"attended": came}).status_code == 422
    auth.logout()
    auth.login(circle.facilitator)
    assert client.post(url, data={"attended": [*came, "abc", "999999999999"]}).status_code == 303
    rows = db.session.scalars(db.select(CircleAttendance)).all()
    assert sorted(r.user_id for r in rows if r.attended) == sorted(int(c) for c in came)
    assert len(rows) == 3


def test_a_former_member_sees_only_meetings_from_before_they_left(client, auth):
    circle = make_circle(approved_at=utcnow() - timedelta(days=20))
    leaver = circle.stints[0].user
    for uid, days in (("before@h", -10), ("after@h", 5)):
        db.session.add(
            CircleMeeting(
                circle_id=circle.id,
                uid=uid,
                starts_at=utcnow() + timedelta(days=days),
                minutes=60,
            )
        )
    db.session.commit()
    leave_circle(circle, leaver, at=utcnow() - timedelta(days=5))
    after = db.session.scalar(db.select(CircleMeeting).where(CircleMeeting.uid == "after@h"))
    auth.login(leaver)
    assert client.get(f"/circles/{circle.id}/meetings/{after.id}.ics").status_code == 404
    assert _plan(client, circle).status_code == 422
