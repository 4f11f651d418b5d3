"""Double submits in the guide: a closing reflection, a meeting rating, a confidential request."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Notification
from portal.models.guide import ClosingReflection, MeetingRating, PairingRequest
from portal.models.journal import JournalEntry
from tests.concurrency.conftest import at_once
from tests.factories import make_meeting, make_pairing, make_program


def _count(column, *where) -> int:
    return db.session.scalar(select(func.count(column)).where(*where))


def test_a_double_submitted_closing_reflection_is_saved_once(live):
    program = make_program(starts_on=date.today() - timedelta(days=350))
    pairing = make_pairing(program=program)
    tabs = [live.browser(pairing.mentee), live.browser(pairing.mentee)]
    path = f"/pairings/{pairing.id}/closing"
    form = {
        "understand": "I listen better now.",
        "forward": "",
        "keep": "",
        "visibility": "private",
    }

    answers = at_once(*[lambda tab=tab: tab.post(path, form) for tab in tabs])

    assert sorted(a.status for a in answers) == [303, 422]
    loser = next(a for a in answers if a.status == 422)
    assert "already written your closing reflection" in loser.body
    assert "I listen better now." in loser.body  # the text is kept in the form
    assert _count(ClosingReflection.id) == 1
    assert _count(JournalEntry.id) == 1  # the loser's entry was rolled back with it
    assert _count(Notification.id, Notification.user_id == pairing.mentor_id) == 1


def test_both_partners_reflecting_at_once_complete_the_pairing(live):
    program = make_program(starts_on=date.today() - timedelta(days=350))
    pairing = make_pairing(program=program)
    make_meeting(pairing, held_on=date.today() - timedelta(days=2))
    mentor, mentee = live.browser(pairing.mentor), live.browser(pairing.mentee)
    path = f"/pairings/{pairing.id}/closing"
    form = {"understand": "Much.", "forward": "", "keep": "", "visibility": "private"}

    answers = at_once(lambda: mentor.post(path, form), lambda: mentee.post(path, form))

    assert [a.status for a in answers] == [303, 303]
    db.session.refresh(pairing)
    assert pairing.status == "completed"


def test_a_double_submitted_meeting_rating_is_one_rating(live):
    pairing = make_pairing()
    meeting = make_meeting(pairing)
    tabs = [live.browser(pairing.mentee), live.browser(pairing.mentee)]
    path = f"/pairings/{pairing.id}/meetings/{meeting.id}/rating"

    answers = at_once(
        lambda: tabs[0].post(path, {"rating": "4"}), lambda: tabs[1].post(path, {"rating": "5"})
    )

    assert [a.status for a in answers] == [303, 303]
    ratings = db.session.scalars(select(MeetingRating)).all()
    assert len(ratings) == 1 and ratings[0].rating in (4, 5)


def test_concurrent_confidential_requests_make_one_request(live):
    pairing = make_pairing()
    tabs = [live.browser(pairing.mentee), live.browser(pairing.mentee)]
    path = f"/pairings/{pairing.id}/request"
    form = {"kind": "rematch", "reason": "We rarely meet."}

    answers = at_once(*[lambda tab=tab: tab.post(path, form) for tab in tabs])

    assert sorted(a.status for a in answers) == [303, 422]
    loser = next(a for a in answers if a.status == 422)
    assert "already have an open request" in loser.body
    assert _count(PairingRequest.id) == 1
