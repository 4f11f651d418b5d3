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

# Several tabs at once make the overlap of two requests near certain on a busy machine.
TABS = 6


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
    assert "It is in your journal" in loser.body  # the other tab's copy is the one kept
    assert _count(ClosingReflection.id) == 1
    assert _count(JournalEntry.id) == 1  # the loser's entry was rolled back with it
    assert _count(Notification.id, Notification.user_id == pairing.mentor_id) == 1


def test_both_partners_reflecting_at_once_complete_the_pairing(live):
    """The pairing's row lock orders the two reflections, so the second sees the first."""
    program = make_program(starts_on=date.today() - timedelta(days=350))
    pairings = [make_pairing(program=program) for _ in range(TABS // 2)]
    form = {"understand": "Much.", "forward": "", "keep": "", "visibility": "private"}
    calls = []
    for pairing in pairings:
        make_meeting(pairing, held_on=date.today() - timedelta(days=2))
        path = f"/pairings/{pairing.id}/closing"
        for tab in (live.browser(pairing.mentor), live.browser(pairing.mentee)):
            calls.append(lambda tab=tab, path=path: tab.post(path, form))

    answers = at_once(*calls)

    assert [a.status for a in answers] == [303] * len(calls)
    for pairing in pairings:
        db.session.refresh(pairing)
        assert pairing.status == "completed"
        done = "Your mentoring year is complete"
        assert _count(Notification.id, Notification.message.startswith(done)) == 2 * len(pairings)


def test_a_double_submitted_meeting_rating_is_one_rating(live):
    pairing = make_pairing()
    meeting = make_meeting(pairing)
    tabs = [live.browser(pairing.mentee) for _ in range(TABS)]
    path = f"/pairings/{pairing.id}/meetings/{meeting.id}/rating"

    answers = at_once(
        *[
            lambda tab=tab, n=n: tab.post(path, {"rating": str(1 + n % 5)})
            for n, tab in enumerate(tabs)
        ]
    )

    assert [a.status for a in answers] == [303] * TABS
    ratings = db.session.scalars(select(MeetingRating)).all()
    assert len(ratings) == 1


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
