"""Meetings that land in calendars: time zones, proposals, iCalendar output and the private feed."""

from datetime import date, datetime, time, timedelta

import pytest
import vobject
from icalendar import Calendar
from sqlalchemy import select

from portal.extensions import db
from portal.models.kickoff import MeetingStatus, PlannedMeeting
from portal.models.meetings import MeetingPlan
from portal.services.accounts.profiles import renew_feed_token
from portal.services.pairings import KickoffError
from portal.services.pairings import schedule as cal
from tests.conftest import hx_headers
from tests.factories import (
    make_check_in,
    make_entry,
    make_pairing,
    make_planned_meeting,
    make_practice,
    make_user,
)


def _pair(mentee_tz="Europe/Lisbon", mentor_tz="Asia/Tokyo"):
    return make_pairing(
        mentee=make_user(timezone=mentee_tz, name="Lena Lisbon"),
        mentor=make_user(timezone=mentor_tz, name="Taro Tokyo"),
    )


def _propose(client, pairing, day: date, start: str, **extra):
    data = {"day": day.isoformat(), "start_time": start, "minutes": "60", "place": "", **extra}
    return client.post(f"/pairings/{pairing.id}/schedule", data=data)


def _parse(body: bytes):
    """Parse with icalendar and with vobject (an independent parser); both must agree."""
    first = Calendar.from_ical(body)
    second = vobject.readOne(body.decode("utf-8"))
    events = list(first.walk("VEVENT"))
    assert len(events) == len(second.vevent_list)
    return first, events, second


# --- time zones ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "lisbon", "tokyo"),
    [
        # Lisbon in winter is UTC+0: 10:00 there is 19:00 in Tokyo (UTC+9, no DST).
        (date(2090, 3, 20), "10:00", "19:00"),
        # After Lisbon's clocks go forward (last Sunday of March) it is UTC+1: 18:00 in Tokyo.
        (date(2090, 3, 27), "10:00", "18:00"),
        (date(2090, 10, 20), "10:00", "18:00"),
        # Back to winter time at the end of October.
        (date(2090, 11, 3), "10:00", "19:00"),
    ],
)
def test_does_a_meeting_planned_in_lisbon_show_the_right_time_in_tokyo(
    client, auth, day, lisbon, tokyo
):
    pairing = _pair()
    auth.login(pairing.mentee)
    assert _propose(client, pairing, day, lisbon).status_code == 303
    auth.logout()
    auth.login(pairing.mentor)
    page = client.get(f"/pairings/{pairing.id}/schedule").text
    tokyo_day = day.strftime("%A %-d %B %Y")
    assert f"{tokyo_day}, {tokyo}" in page
    # And the mentor is told the Lisbon time is their partner's (with the year: not this one).
    assert f"{day:%a %-d %b %Y}, {lisbon}" in page


def test_is_a_time_the_clocks_skip_refused_with_a_clear_error(client, auth):
    pairing = _pair()
    auth.login(pairing.mentee)
    # 26 March 2090 is the last Sunday of March: Lisbon skips from 01:00 to 02:00.
    response = _propose(client, pairing, date(2090, 3, 26), "01:30", place="Kept place")
    assert response.status_code == 422
    assert "That time does not exist there" in response.text
    assert 'value="Kept place"' in response.text
    assert db.session.scalars(select(PlannedMeeting)).all() == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"day": "", "start_time": "10:00"}, "Choose the date of the meeting."),
        ({"day": "1999-12-31", "start_time": "10:00"}, "Choose a date between 2000 and 2099."),
        ({"day": "2100-01-01", "start_time": "10:00"}, "Choose a date between 2000 and 2099."),
        ({"day": "2090-01-01", "start_time": ""}, "Choose the start time."),
        ({"day": "2090-01-01", "start_time": "25:99"}, "Choose the start time."),
        ({"day": "2090-01-01", "start_time": "10:00", "minutes": "5"}, "between 15 and 240"),
        (
            {"day": "2090-01-01", "start_time": "10:00", "minutes": "x"},
            "Not a valid integer value.",
        ),
        ({"day": "2001-01-01", "start_time": "10:00"}, "Choose a time in the future."),
        (
            {"day": "2090-01-01", "start_time": "10:00", "place": "javascript://x"},
            "A video link starts with https://.",
        ),
        ({"day": "9999999-01-01", "start_time": "10:00"}, "Choose the date of the meeting."),
    ],
)
def test_is_bad_meeting_input_answered_next_to_its_field(client, auth, data, message):
    pairing = _pair()
    auth.login(pairing.mentee)
    values = {"minutes": "60", "place": "", **data}
    plain = client.post(f"/pairings/{pairing.id}/schedule", data=values)
    assert plain.status_code == 422 and message in plain.text
    fragment = client.post(
        f"/pairings/{pairing.id}/schedule", data=values, headers=hx_headers("schedule")
    )
    assert fragment.status_code == 422 and fragment.text.lstrip().startswith('<div id="schedule"')
    assert db.session.scalars(select(PlannedMeeting)).all() == []


# --- proposals -------------------------------------------------------------------------------


def test_does_one_partner_propose_and_the_other_accept(client, auth, app):
    pairing = _pair()
    auth.login(pairing.mentee)
    _propose(client, pairing, date(2090, 5, 4), "09:30", place="https://meet.example.org/x")
    meeting = db.session.scalars(select(PlannedMeeting)).one()
    assert meeting.status is MeetingStatus.proposed
    # The proposer cannot accept their own proposal.
    assert client.post(f"/pairings/{pairing.id}/schedule/{meeting.id}/accept").status_code == 403
    auth.logout()
    auth.login(pairing.mentor)
    response = client.post(
        f"/pairings/{pairing.id}/schedule/{meeting.id}/accept", headers=hx_headers("schedule")
    )
    assert response.status_code == 200 and "agreed" in response.text
    db.session.refresh(meeting)
    assert meeting.status is MeetingStatus.accepted and meeting.sequence == 1
    # The meeting log's next date follows the agreed meeting (Tokyo date of 09:30 Lisbon).
    assert db.session.get(MeetingPlan, pairing.id).next_meeting_on == date(2090, 5, 4)


def test_does_a_reschedule_keep_the_uid_and_raise_the_sequence(client, auth):
    pairing = _pair()
    meeting = make_planned_meeting(pairing, status=MeetingStatus.accepted, sequence=1)
    uid = meeting.uid
    first = Calendar.from_ical(cal.invitation(meeting))
    auth.login(pairing.mentor)
    response = client.post(
        f"/pairings/{pairing.id}/schedule/{meeting.id}/reschedule",
        data={
            f"move{meeting.id}-day": "2090-06-01",
            f"move{meeting.id}-start_time": "08:00",
            f"move{meeting.id}-minutes": "45",
            f"move{meeting.id}-place": "Room 7",
        },
    )
    assert response.status_code == 303
    db.session.refresh(meeting)
    assert meeting.status is MeetingStatus.proposed and meeting.proposed_by_id == pairing.mentor_id
    auth.logout()
    auth.login(pairing.mentee)
    client.post(f"/pairings/{pairing.id}/schedule/{meeting.id}/accept")
    ics = client.get(f"/pairings/{pairing.id}/schedule/{meeting.id}.ics")
    assert ics.mimetype == "text/calendar"
    calendar, events, second = _parse(ics.data)
    event = events[0]
    assert str(event["uid"]) == uid == second.vevent.uid.value
    assert int(event["sequence"]) == 3 > int(first.walk("VEVENT")[0]["sequence"])
    assert str(calendar["method"]) == "REQUEST"
    # 08:00 in Tokyo is 23:00 UTC the day before.
    assert event.decoded("dtstart") == datetime(
        2090, 5, 31, 23, 0, tzinfo=event.decoded("dtstart").tzinfo
    )
    assert second.vevent.dtstart.value.utcoffset() == timedelta(0)
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=45)
    assert str(event["location"]) == "Room 7"


def test_does_calling_a_meeting_off_send_a_cancel(client, auth, app):
    pairing = _pair()
    meeting = make_planned_meeting(pairing, status=MeetingStatus.accepted, sequence=1)
    auth.login(pairing.mentee)
    client.post(f"/pairings/{pairing.id}/schedule/{meeting.id}/cancel")
    body = client.get(f"/pairings/{pairing.id}/schedule/{meeting.id}.ics").data
    calendar, events, second = _parse(body)
    assert str(calendar["method"]) == "CANCEL"
    assert str(events[0]["status"]) == "CANCELLED" and int(events[0]["sequence"]) == 2
    assert second.method.value == "CANCEL"
    assert str(events[0]["uid"]) == meeting.uid


def test_does_an_invitation_name_both_partners_and_a_stable_organizer(app):
    pairing = _pair()
    meeting = make_planned_meeting(pairing, status=MeetingStatus.accepted)
    _, events, second = _parse(cal.invitation(meeting))
    attendees = sorted(str(a).lower() for a in events[0]["attendee"])
    assert attendees == sorted(f"mailto:{p.email}" for p in (pairing.mentor, pairing.mentee))
    assert str(events[0]["organizer"]) == "mailto:no-reply@example.org"
    assert (
        second.vevent.summary.value == f"Mentoring: {pairing.mentor.name} & {pairing.mentee.name}"
    )


def test_does_logging_a_meeting_leave_the_agreed_meeting_alone(client, auth):
    pairing = _pair()
    meeting = make_planned_meeting(pairing, status=MeetingStatus.accepted)
    auth.login(pairing.mentor)
    client.post(
        f"/pairings/{pairing.id}/meetings",
        data={"held_on": (date.today() - timedelta(days=1)).isoformat(), "happened": "yes"},
    )
    db.session.refresh(meeting)
    assert meeting.status is MeetingStatus.accepted and meeting.sequence == 0


# --- the private feed ----------------------------------------------------------------------------


def test_does_the_feed_list_upcoming_meetings_and_no_private_text(client):
    pairing = _pair()
    entry = make_entry(author=pairing.mentee, title="FEED-SECRET-ENTRY", body="FEED-SECRET-BODY")
    practice = make_practice(owner=pairing.mentee, title="FEED-SECRET-PRACTICE")
    make_check_in(practice, note="FEED-SECRET-NOTE")
    accepted = make_planned_meeting(pairing, status=MeetingStatus.accepted, place="Room 9")
    proposed = make_planned_meeting(pairing, starts_at=accepted.starts_at + timedelta(days=14))
    make_planned_meeting(make_pairing(), status=MeetingStatus.accepted, place="NOT-MINE")
    token = renew_feed_token(pairing.mentee)
    db.session.commit()
    response = client.get(f"/profile/calendar/{token}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar, events, _ = _parse(response.data)
    assert "method" not in calendar
    assert {str(e["uid"]): str(e["status"]) for e in events} == {
        accepted.uid: "CONFIRMED",
        proposed.uid: "TENTATIVE",
    }
    text = response.data.decode()
    for secret in ("FEED-SECRET", "NOT-MINE", entry.title):
        assert secret not in text


def test_does_the_feed_reject_a_wrong_or_revoked_token(client, auth):
    pairing = _pair()
    auth.login(pairing.mentee)
    client.post("/profile/calendar/renew")
    from portal.services.accounts.profiles import profile_of

    first = profile_of(pairing.mentee).feed_token
    assert client.get(f"/profile/calendar/{first}.ics").status_code == 200
    assert client.get(f"/profile/calendar/{first[:-1]}x.ics").status_code == 404
    assert client.get("/profile/calendar/.ics").status_code == 404
    client.post("/profile/calendar/renew")
    db.session.expire_all()
    second = profile_of(pairing.mentee).feed_token
    assert second != first
    assert client.get(f"/profile/calendar/{first}.ics").status_code == 404
    client.post("/profile/calendar/revoke")
    db.session.expire_all()
    assert client.get(f"/profile/calendar/{second}.ics").status_code == 404
    assert profile_of(pairing.mentee).feed_token is None


def test_to_utc_keeps_wall_clock_across_zones():
    from zoneinfo import ZoneInfo

    assert cal.to_utc(date(2090, 7, 1), time(10), ZoneInfo("Europe/Lisbon")) == datetime(
        2090, 7, 1, 9
    )
    with pytest.raises(KickoffError):
        cal.to_utc(date(2090, 3, 26), time(1, 30), ZoneInfo("Europe/Lisbon"))
