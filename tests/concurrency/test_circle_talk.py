"""Circle talk under double submits on real connections: one person's two tabs posting the
same agenda point, comment or introduction at the same moment, and the facilitator closing
the agenda twice at once (both databases)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import utcnow
from portal.models.circles import (
    CircleAgendaPoint,
    CircleComment,
    CircleIntroduction,
    CircleMeeting,
)
from tests.concurrency.conftest import at_once, statuses
from tests.factories import make_circle, make_entry, share_with_circle


def _circle():
    return make_circle(approved_at=utcnow() - timedelta(days=10))


def test_two_tabs_adding_the_same_agenda_point_at_once_make_one_point(live):
    circle = _circle()
    mia = circle.stints[0].user
    tabs = [live.browser(mia), live.browser(mia)]
    path = f"/circles/{circle.id}/agenda"
    answers = at_once(*(lambda t=t: t.post(path, {"text": "Delegation"}) for t in tabs))
    assert statuses(answers) == [303, 303]
    assert db.session.scalar(select(func.count(CircleAgendaPoint.id))) == 1


def test_two_tabs_saving_an_introduction_at_once_keep_one_row(live):
    circle = _circle()
    mia = circle.stints[0].user
    tabs = [live.browser(mia), live.browser(mia)]
    path = f"/circles/{circle.id}/introduction"
    answers = at_once(
        lambda: tabs[0].post(path, {"text": "First words"}),
        lambda: tabs[1].post(path, {"text": "Second words"}),
    )
    assert statuses(answers) == [303, 303]
    rows = db.session.scalars(select(CircleIntroduction)).all()
    assert len(rows) == 1 and rows[0].text in {"First words", "Second words"}


def test_a_comment_submitted_twice_at_once_is_posted_once(live):
    circle = _circle()
    mia, noor = circle.stints[0].user, circle.stints[1].user
    entry = make_entry(author=mia, audience=[])
    share_with_circle(entry, circle)
    tabs = [live.browser(noor), live.browser(noor)]
    path = f"/circles/{circle.id}/entries/{entry.id}/comments"
    answers = at_once(*(lambda t=t: t.post(path, {"body": "Well done"}) for t in tabs))
    assert statuses(answers) == [303, 303]
    assert db.session.scalar(select(func.count(CircleComment.id))) == 1


def test_the_facilitator_closing_the_agenda_twice_at_once_covers_each_point_once(live):
    circle = _circle()
    mia = circle.stints[0].user
    points = [CircleAgendaPoint(circle_id=circle.id, author_id=mia.id, text=t) for t in ("a", "b")]
    meeting = CircleMeeting(
        circle_id=circle.id, uid="race@t", starts_at=utcnow() - timedelta(hours=1)
    )
    db.session.add_all([*points, meeting])
    db.session.commit()
    tabs = [live.browser(circle.facilitator), live.browser(circle.facilitator)]
    form = {"meeting_id": str(meeting.id), "covered": [str(points[0].id)]}
    answers = at_once(
        *(lambda t=t: t.post(f"/circles/{circle.id}/agenda/covered", form) for t in tabs)
    )
    assert statuses(answers) == [303, 303]
    covered = dict(
        db.session.execute(
            select(CircleAgendaPoint.text, CircleAgendaPoint.covered_meeting_id)
        ).all()
    )
    assert covered == {"a": meeting.id, "b": None}
