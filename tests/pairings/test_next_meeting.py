"""Does every page, e-mail and reminder name the same next meeting of a pairing?"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import utcnow
from portal.models.guide import GuideDispatch
from portal.models.kickoff import MeetingStatus
from portal.services.pairings import schedule as calendar
from portal.services.pairings.meetings import set_next_meeting
from portal.services.pairings.next_meeting import next_meeting, next_meetings
from tests.factories import (
    make_admin,
    make_meeting,
    make_pairing,
    make_planned_meeting,
    make_program,
    make_user,
)
from tests.reminders.helpers import run_at


def _pair():
    program = make_program(starts_on=date.today() - timedelta(days=60))
    return make_pairing(
        program=program,
        mentor=make_user(timezone="UTC"),
        mentee=make_user(timezone="UTC"),
        approved_at=utcnow() - timedelta(days=40),
    )


def _participant_pages(client, auth, pairing, user):
    auth.login(user)
    pages = {
        "dashboard": client.get("/dashboard/"),
        "meeting list": client.get("/pairings/"),
        "meeting log": client.get(f"/pairings/{pairing.id}"),
        "prep": client.get(f"/pairings/{pairing.id}/prep"),
        "schedule": client.get(f"/pairings/{pairing.id}/schedule"),
    }
    auth.logout()
    return {name: response.get_data(as_text=True) for name, response in pages.items()}


def _admin_pages(client, auth, pairing):
    auth.login(make_admin())
    slug = pairing.program.slug
    pages = {
        "pair health": client.get(f"/admin/programs/{slug}/pairs"),
        "kick-off overview": client.get(f"/admin/programs/{slug}/kickoff"),
        "pair health csv": client.get(f"/admin/programs/{slug}/pairs.csv"),
    }
    auth.logout()
    return {name: response.get_data(as_text=True) for name, response in pages.items()}


def _shown(day: date) -> dict[str, str]:
    """How each page writes the next meeting's day."""
    return {
        "dashboard": f"next meeting {day:%a %-d %b}",
        "meeting list": f"Next: {day:%-d %b %Y}.",
        "meeting log": f'<p class="big-date">{day:%A %-d %B %Y}</p>',
        "prep": f"next meeting {day:%A %-d %B}",
        "schedule": f"Next meeting: <strong>{day:%A %-d %B %Y}</strong>",
        "pair health": f'<td data-label="Next meeting">{day:%-d %b %Y}</td>',
        "kick-off overview": f"<td>{day:%-d %b %Y}</td>",
        "pair health csv": f",{day.isoformat()},",
    }


def _assert_every_page_shows(client, auth, pairing, day: date, not_day: date | None = None):
    pages = _participant_pages(client, auth, pairing, pairing.mentee)
    pages.update(_admin_pages(client, auth, pairing))
    expected = _shown(day)
    for name, html in pages.items():
        assert expected[name] in html, name
        if not_day is not None:
            assert _shown(not_day)[name] not in html, name
        assert "No date set yet" not in html and "no date set yet" not in html, name


def test_does_accepting_a_later_meeting_keep_the_earlier_agreed_one_everywhere(client, auth):
    pairing = _pair()
    make_meeting(pairing, held_on=date.today() - timedelta(days=10))
    today = date.today()
    earlier = today + timedelta(days=5)
    set_next_meeting(pairing, pairing.mentor, earlier)
    db.session.commit()
    later = today + timedelta(days=12)
    terms = calendar.MeetingTerms(later, time(10), 60, "Room 1")
    meeting = calendar.propose(pairing, pairing.mentor, terms, utcnow())
    calendar.accept(meeting, pairing.mentee, today)
    db.session.commit()

    assert next_meeting(pairing.id, utcnow()).day == earlier
    _assert_every_page_shows(client, auth, pairing, earlier, not_day=later)


def test_is_a_pair_meeting_tomorrow_never_told_no_date_is_set(client, auth):
    pairing = _pair()
    make_meeting(pairing, held_on=date.today() - timedelta(days=10))
    tomorrow = date.today() + timedelta(days=1)
    make_planned_meeting(
        pairing,
        starts_at=datetime.combine(tomorrow, time(10)),
        status=MeetingStatus.accepted,
    )
    _assert_every_page_shows(client, auth, pairing, tomorrow)


def test_does_an_earlier_scheduled_meeting_win_over_a_later_planned_date(client, auth):
    pairing = _pair()
    make_meeting(pairing, held_on=date.today() - timedelta(days=10))
    soon = date.today() + timedelta(days=3)
    set_next_meeting(pairing, pairing.mentor, date.today() + timedelta(days=20))
    make_planned_meeting(
        pairing, starts_at=datetime.combine(soon, time(9)), status=MeetingStatus.accepted
    )
    _assert_every_page_shows(client, auth, pairing, soon)


def test_are_past_cancelled_and_proposed_meetings_not_the_next_one():
    pairing = _pair()
    now = utcnow()
    set_next_meeting(pairing, pairing.mentor, now.date() - timedelta(days=1))
    make_planned_meeting(pairing, starts_at=now - timedelta(hours=2), status=MeetingStatus.accepted)
    make_planned_meeting(pairing, starts_at=now + timedelta(days=2), status=MeetingStatus.cancelled)
    make_planned_meeting(pairing, starts_at=now + timedelta(days=3))  # only proposed
    db.session.commit()
    assert next_meeting(pairing.id, now) is None


def test_does_the_day_follow_the_readers_time_zone():
    from zoneinfo import ZoneInfo

    pairing = _pair()
    now = datetime(2026, 3, 2, 12, 0)
    make_planned_meeting(
        pairing, starts_at=datetime(2026, 3, 3, 23, 30), status=MeetingStatus.accepted
    )
    assert next_meeting(pairing.id, now).day == date(2026, 3, 3)
    assert next_meeting(pairing.id, now, ZoneInfo("Asia/Tokyo")).day == date(2026, 3, 4)


def test_is_the_batch_form_a_fixed_number_of_queries(count_queries):
    pairings = [_pair() for _ in range(6)]
    for pairing in pairings:
        make_planned_meeting(
            pairing, starts_at=utcnow() + timedelta(days=4), status=MeetingStatus.accepted
        )
    ids = [p.id for p in pairings]
    with count_queries() as queries:
        found = next_meetings(ids, utcnow())
    assert len(found) == 6
    assert len(queries.statements) == 2


@pytest.mark.parametrize("source", ["plan", "scheduled"])
def test_is_the_meeting_tomorrow_reminder_sent_for_either_source(source):
    pairing = _pair()
    make_meeting(pairing, held_on=date(2026, 2, 20))
    pairing.program.starts_on, pairing.program.ends_on = date(2025, 9, 1), date(2026, 8, 31)
    if source == "plan":
        set_next_meeting(pairing, pairing.mentor, date(2026, 3, 3))
    else:
        make_planned_meeting(
            pairing, starts_at=datetime(2026, 3, 3, 10), status=MeetingStatus.accepted
        )
    db.session.commit()
    run_at(datetime(2026, 3, 2, 9, 0))
    kinds = list(
        db.session.scalars(
            select(GuideDispatch.kind).where(GuideDispatch.kind == "meeting_tomorrow")
        )
    )
    assert len(kinds) == 2  # both partners


def test_does_pair_health_show_a_meeting_agreed_after_the_mornings_snapshot(client, auth):
    pairing = _pair()
    make_meeting(pairing, held_on=date.today() - timedelta(days=10))
    slug = pairing.program.slug
    auth.login(make_admin())
    before = client.get(f"/admin/programs/{slug}/pairs").get_data(as_text=True)
    assert '<td data-label="Next meeting"><span class="muted">none planned</span>' in before
    soon = date.today() + timedelta(days=2)
    make_planned_meeting(
        pairing, starts_at=datetime.combine(soon, time(9)), status=MeetingStatus.accepted
    )
    expected = _shown(soon)
    after = client.get(f"/admin/programs/{slug}/pairs").get_data(as_text=True)
    assert expected["pair health"] in after
    exported = client.get(f"/admin/programs/{slug}/pairs.csv").get_data(as_text=True)
    assert expected["pair health csv"] in exported
