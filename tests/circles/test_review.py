"""Closing reflections and the circle's year in review."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import utcnow
from portal.models.circles import CircleAttendance, CircleMeeting, CircleReflection, CircleStatus
from tests.conftest import hx_headers
from tests.factories import (
    leave_circle,
    make_admin,
    make_entry,
    make_lead,
    make_user,
    share_with_circle,
)


def _reflect(client, circle, text, shared="yes"):
    return client.post(f"/circles/{circle.id}/reflection", data={"text": text, "shared": shared})


def test_the_review_counts_meetings_attendance_and_shared_items(client, auth, circle, people):
    fran, mia, noor, ola = people
    meeting = CircleMeeting(
        circle_id=circle.id, uid="u-1@test", starts_at=utcnow() - timedelta(days=2), minutes=60
    )
    future = CircleMeeting(
        circle_id=circle.id, uid="u-2@test", starts_at=utcnow() + timedelta(days=2), minutes=60
    )
    db.session.add_all([meeting, future])
    db.session.flush()
    for person, came in ((mia, True), (noor, True), (ola, False)):
        db.session.add(CircleAttendance(meeting_id=meeting.id, user_id=person.id, attended=came))
    entry = make_entry(author=mia, visibility="shared", audience=[])
    share_with_circle(entry, circle)
    db.session.commit()
    auth.login(noor)
    page = client.get(f"/circles/{circle.id}/review").get_data(as_text=True)
    assert "<strong>1</strong> meeting held" in page
    assert "<strong>2</strong> of 3 places" in page
    assert "<strong>1</strong> shared with the circle" in page
    assert (
        client.get(f"/circles/{circle.id}/review", headers=hx_headers("circle-review")).status_code
        == 200
    )


def test_a_shared_reflection_is_read_by_the_circle_and_a_private_one_by_its_writer(
    client, auth, circle, people
):
    fran, mia, noor, ola = people
    auth.login(mia)
    assert _reflect(client, circle, "Shared thoughts from Mia").status_code == 303
    auth.logout()
    auth.login(noor)
    assert _reflect(client, circle, "Noor keeps this", shared="no").status_code == 303
    page = client.get(f"/circles/{circle.id}/review").get_data(as_text=True)
    assert "Shared thoughts from Mia" in page and "Noor keeps this" in page
    auth.logout()
    for reader in (fran, ola):
        auth.login(reader)
        page = client.get(f"/circles/{circle.id}/review").get_data(as_text=True)
        assert "Shared thoughts from Mia" in page and "Noor keeps this" not in page
        auth.logout()
    # Rewriting keeps one row per person; making it private takes it back from the circle.
    auth.login(mia)
    _reflect(client, circle, "Second thoughts", shared="no")
    assert db.session.scalar(select(func.count()).select_from(CircleReflection)) == 2
    auth.logout()
    auth.login(fran)
    assert "thoughts" not in client.get(f"/circles/{circle.id}/review").get_data(as_text=True)


def test_someone_who_joins_after_a_reflection_was_shared_does_not_read_it(
    client, auth, circle, people
):
    fran, mia, noor, ola = people
    auth.login(mia)
    _reflect(client, circle, "Early words")
    auth.logout()
    leave_circle(circle, ola)
    row = db.session.scalar(select(CircleReflection))
    row.shared_at = utcnow()  # shared after Ola left
    db.session.commit()
    auth.login(ola)
    page = client.get(f"/circles/{circle.id}/review").get_data(as_text=True)
    assert "Early words" not in page
    assert _reflect(client, circle, "Too late").status_code == 422


@pytest.mark.parametrize("text", ["", "   ", "x" * 5000, "\x00"])
def test_bad_reflections_are_refused_never_a_500(client, auth, circle, people, text):
    auth.login(people[1])
    response = _reflect(client, circle, text)
    assert response.status_code in (400, 422)
    assert db.session.scalar(select(func.count()).select_from(CircleReflection)) == 0


def test_an_ended_circle_takes_no_reflection_and_outsiders_get_404(client, auth, circle, people):
    mia = people[1]
    circle.status = CircleStatus.ended
    db.session.commit()
    auth.login(mia)
    assert client.get(f"/circles/{circle.id}/review").status_code == 200
    assert _reflect(client, circle, "Words").status_code == 422
    auth.logout()
    for person in (make_user(), make_admin(), make_lead(circle.program)):
        auth.login(person)
        assert client.get(f"/circles/{circle.id}/review").status_code == 404
        assert _reflect(client, circle, "Words").status_code == 404
        auth.logout()
    assert client.get("/circles/99999999999/review").status_code in (302, 404)
