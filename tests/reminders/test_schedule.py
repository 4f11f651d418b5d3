"""Does each reminder go out on its day, in the recipient's morning, and only while it should?"""

from datetime import date, datetime, timedelta

import pytest
from icalendar import Calendar

from portal.extensions import db
from portal.models import PairingStatus
from portal.models.kickoff import MeetingStatus
from portal.services.reminders import preferences
from tests.factories import (
    make_agreement,
    make_meeting,
    make_pairing,
    make_planned_meeting,
    make_program,
    make_user,
)
from tests.reminders.helpers import emails_to, keys, notices, run_at


def _program(**overrides):
    today = date(2026, 3, 1)
    return make_program(
        starts_on=today - timedelta(days=60), ends_on=today + timedelta(days=300), **overrides
    )


def _pair(mentor_zone="UTC", mentee_zone="UTC", **overrides):
    return make_pairing(
        program=overrides.pop("program", None) or _program(),
        mentor=make_user(timezone=mentor_zone, name="Marcus Bell"),
        mentee=make_user(timezone=mentee_zone, name="Lena Ortiz"),
        approved_at=overrides.pop("approved_at", datetime(2026, 2, 1, 9)),
        **overrides,
    )


def _accepted(pairing, starts_at):
    return make_planned_meeting(pairing, starts_at=starts_at, status=MeetingStatus.accepted)


def test_is_the_meeting_reminder_sent_the_morning_before_in_each_zone():
    pairing = _pair(mentor_zone="Asia/Tokyo", mentee_zone="America/New_York")
    make_meeting(pairing, held_on=date(2026, 2, 20))
    # 15:00 UTC on 3 March: midnight in Tokyo on the 4th, 10:00 in New York on the 3rd.
    meeting = _accepted(pairing, datetime(2026, 3, 3, 15, 0))
    # 13:00 UTC on 2 March: 08:00 in New York (morning, the day before) and 22:00 in Tokyo.
    run_at(datetime(2026, 3, 2, 13, 0))
    assert len(emails_to(pairing.mentee)) == 1
    assert emails_to(pairing.mentor) == []  # night in Tokyo: never at night
    # 00:00 UTC on 3 March: 09:00 in Tokyo, where the meeting is on the 4th, i.e. tomorrow.
    run_at(datetime(2026, 3, 3, 0, 0))
    [message] = emails_to(pairing.mentor)
    assert message.subject == "Tomorrow: your mentoring meeting at 00:00"
    ics = [a for a in message.attachments if a[0] == "invite.ics"]
    [event] = Calendar.from_ical(ics[0][1]).walk("VEVENT")
    assert str(event["UID"]) == meeting.uid
    assert "Tomorrow at 00:00: your meeting with Lena Ortiz." in notices(pairing.mentor)


def test_is_the_reminder_sent_once_however_often_the_worker_runs():
    pairing = _pair()
    make_meeting(pairing, held_on=date(2026, 2, 20))
    _accepted(pairing, datetime(2026, 3, 3, 10, 0))
    for minute in (0, 15, 30, 45):
        run_at(datetime(2026, 3, 2, 9, minute))
    assert len(emails_to(pairing.mentee)) == 1 and len(emails_to(pairing.mentor)) == 1
    assert len(keys("meeting_tomorrow")) == 2


def test_does_a_rescheduled_meeting_get_a_fresh_reminder():
    pairing = _pair()
    make_meeting(pairing, held_on=date(2026, 2, 20))
    meeting = _accepted(pairing, datetime(2026, 3, 3, 10, 0))
    run_at(datetime(2026, 3, 2, 9, 0))
    meeting.starts_at, meeting.sequence = datetime(2026, 3, 10, 10, 0), meeting.sequence + 1
    db.session.commit()
    run_at(datetime(2026, 3, 9, 9, 0))
    assert len(emails_to(pairing.mentee)) == 2


@pytest.mark.parametrize(
    ("utc_hour", "expected"),
    [(5, 0), (6, 1), (9, 1), (10, 0)],  # Europe/Berlin in summer: UTC+2, the window is 08-12
)
def test_does_the_morning_window_follow_summer_time(utc_hour, expected):
    pairing = _pair(mentor_zone="Europe/Berlin", mentee_zone="Europe/Berlin")
    make_meeting(pairing, held_on=date(2026, 3, 25))
    _accepted(pairing, datetime(2026, 4, 2, 12, 0))
    run_at(datetime(2026, 4, 1, utc_hour, 0))
    assert len(emails_to(pairing.mentee)) == expected


def test_is_the_day_before_right_across_the_spring_clock_change():
    # Berlin moves to summer time on 29 March 2026 at 02:00; the meeting is 09:00 on the 30th.
    pairing = _pair(mentor_zone="Europe/Berlin", mentee_zone="Europe/Berlin")
    make_meeting(pairing, held_on=date(2026, 3, 20))
    _accepted(pairing, datetime(2026, 3, 30, 7, 0))
    run_at(datetime(2026, 3, 28, 8, 0))  # Saturday 09:00 (UTC+1): two days before
    assert emails_to(pairing.mentee) == []
    run_at(datetime(2026, 3, 29, 6, 30))  # Sunday 08:30 (UTC+2): the day before
    assert len(emails_to(pairing.mentee)) == 1


def test_does_a_quiet_pair_get_one_gentle_nudge_after_cadence_and_grace():
    pairing = _pair()  # monthly: 31 days, plus 7 days of grace
    make_meeting(pairing, held_on=date(2026, 1, 20))
    run_at(datetime(2026, 2, 26, 9, 0))  # 37 days
    assert emails_to(pairing.mentee) == []
    run_at(datetime(2026, 2, 27, 9, 0))  # 38 days
    run_at(datetime(2026, 2, 28, 9, 0))
    assert len(emails_to(pairing.mentee)) == 1 and len(emails_to(pairing.mentor)) == 1
    assert "gentle nudge" in emails_to(pairing.mentee)[0].subject


def test_does_an_agreed_meeting_ahead_silence_the_nudge():
    pairing = _pair()
    make_meeting(pairing, held_on=date(2026, 1, 1))
    _accepted(pairing, datetime(2026, 3, 20, 10, 0))
    run_at(datetime(2026, 3, 1, 9, 0))
    assert keys("meeting_overdue") == []


def test_is_a_pair_without_a_first_meeting_nudged_two_weeks_after_approval():
    pairing = _pair(approved_at=datetime(2026, 3, 1, 12, 0))
    run_at(datetime(2026, 3, 14, 9, 0))
    assert keys("no_first_meeting") == []
    run_at(datetime(2026, 3, 15, 9, 0))
    assert sorted(keys("no_first_meeting")) == sorted(
        f"no_first_meeting:{pairing.id}:{person}"
        for person in (pairing.mentor_id, pairing.mentee_id)
    )


def test_is_an_unsigned_agreement_reminded_after_a_week_to_who_has_not_signed():
    pairing = _pair()
    make_meeting(pairing, held_on=date(2026, 2, 25))
    agreement = make_agreement(pairing)
    version = agreement.versions[0]
    version.saved_at = datetime(2026, 3, 1, 8, 0)
    version.mentor_signed_at = datetime(2026, 3, 1, 9, 0)
    db.session.commit()
    run_at(datetime(2026, 3, 7, 9, 0))
    assert keys("unsigned_agreement") == []
    run_at(datetime(2026, 3, 8, 9, 0))
    assert keys("unsigned_agreement") == [f"unsigned_agreement:{pairing.id}:v1:{pairing.mentee_id}"]


def test_is_the_quiet_practice_nudge_opt_in():
    from tests.factories import make_check_in, make_practice

    pairing = _pair()
    make_meeting(pairing, held_on=date(2026, 2, 25))
    practice = make_practice(
        owner=pairing.mentee, starts_on=date(2026, 2, 1), ends_on=date(2026, 4, 1)
    )
    make_check_in(practice, day=date(2026, 2, 20))
    run_at(datetime(2026, 3, 2, 9, 0))
    assert keys("quiet_practice") == []
    preferences.set_channels(pairing.mentee, "quiet_practice", in_app=True, email=True)
    db.session.commit()
    run_at(datetime(2026, 3, 2, 9, 15))
    assert keys("quiet_practice") == [
        f"quiet_practice:{practice.id}:2026-02-20:{pairing.mentee_id}"
    ]
    assert f"No check-in on '{practice.title}' since 20 February." in notices(pairing.mentee)


def test_do_ended_pairings_and_ended_programmes_get_nothing():
    ended = _pair()
    ended.status = PairingStatus.ended
    past = make_program(starts_on=date(2025, 1, 1), ends_on=date(2025, 12, 31))
    finished = _pair(program=past)
    for pairing in (ended, finished):
        make_meeting(pairing, held_on=date(2025, 6, 1))
        _accepted(pairing, datetime(2026, 3, 3, 10, 0))
    db.session.commit()
    run_at(datetime(2026, 3, 2, 9, 0))
    assert keys() == []


def test_does_a_programme_switch_a_nudge_off():
    from portal.services.reminders import settings

    pairing = _pair()
    make_meeting(pairing, held_on=date(2026, 1, 1))
    chosen = settings.nudges(pairing.program)
    chosen["meeting_overdue"] = settings.Nudge(on=False, days=7)
    settings.save(pairing.program, chosen, settings.questions(pairing.program), survey_open=False)
    db.session.commit()
    run_at(datetime(2026, 3, 1, 9, 0))
    assert keys("meeting_overdue") == []
