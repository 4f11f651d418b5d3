"""Does the guide refuse to catch up on a backlog, and cap what one person gets in a day?

On the first start of the demo the worker sent 44 "How useful was your meeting of 24 August?"
for meetings months old, up to five to one person. Each kind now has a window after its
event, and nobody gets more than DAILY_EMAIL_CAP scheduled e-mails a day: the rest reach the
app, and the Monday digest counts them.
"""

from datetime import date, datetime, timedelta

from portal.extensions import db
from portal.services.reminders import preferences
from portal.services.reminders.kinds import DAILY_EMAIL_CAP, KINDS, PRIORITY
from tests.factories import make_meeting, make_pairing, make_program, make_user
from tests.reminders.helpers import emails_to, keys, notices, run_at

MORNING = datetime(2026, 3, 2, 8, 30)  # a Monday, 08:30 UTC: morning for UTC people


def _pair(approved_at=datetime(2026, 2, 20, 9)):
    today = MORNING.date()
    # No survey round open: day 60 of a year-long programme.
    program = make_program(
        starts_on=today - timedelta(days=60), ends_on=today + timedelta(days=300)
    )
    return make_pairing(
        program=program,
        mentor=make_user(timezone="UTC", name="Marcus Bell"),
        mentee=make_user(timezone="UTC", name="Lena Ortiz"),
        approved_at=approved_at,
    )


def _logged_now(pairing, held_on):
    """A meeting logged (created) just now, held on `held_on` (late logging, import, seed)."""
    meeting = make_meeting(pairing, held_on=held_on)
    meeting.created_at = MORNING - timedelta(hours=1)
    db.session.commit()
    return meeting


def test_does_every_kind_have_a_priority():
    assert set(PRIORITY) == set(KINDS)


def test_is_a_meeting_held_months_ago_never_asked_about():
    pairing = _pair()
    _logged_now(pairing, date(2025, 10, 24))
    run_at(MORNING)
    assert keys("meeting_rating") == []
    assert [m.subject for m in emails_to(pairing.mentee)] == []


def test_is_a_meeting_held_yesterday_asked_about_once_each():
    pairing = _pair()
    _logged_now(pairing, MORNING.date() - timedelta(days=1))
    run_at(MORNING)
    run_at(MORNING + timedelta(minutes=15))
    assert len(keys("meeting_rating")) == 2  # mentor and mentee, once


def test_is_a_nudge_found_long_after_it_fell_due_dropped():
    """A pair approved (or imported) a year ago without a first meeting gets no late nudge."""
    pairing = _pair(approved_at=datetime(2025, 3, 1, 9))
    run_at(MORNING)
    assert keys("no_first_meeting") == []
    fresh = _pair(approved_at=MORNING - timedelta(days=15))
    run_at(MORNING + timedelta(minutes=15))
    assert len(keys("no_first_meeting")) == 2
    assert all(str(fresh.id) in key for key in keys("no_first_meeting"))
    assert pairing.id != fresh.id


def test_does_nobody_get_more_than_the_daily_cap_by_email():
    pairing = _pair()
    for days_ago in (1, 2, 3):  # three fresh meetings: three ratings due for each partner
        _logged_now(pairing, MORNING.date() - timedelta(days=days_ago))
    run_at(MORNING)
    assert len(emails_to(pairing.mentee)) == DAILY_EMAIL_CAP
    # What the cap held back still reached the person, in the app.
    assert sum("How useful was your meeting" in n for n in notices(pairing.mentee)) == 3
    # The next day nothing new is due, so nothing more is sent.
    run_at(MORNING + timedelta(days=1))
    assert len(emails_to(pairing.mentee)) == DAILY_EMAIL_CAP


def test_does_the_more_useful_message_win_the_cap():
    """A "first meeting" nudge (one pairing) goes before ratings (another pairing)."""
    quiet = _pair(approved_at=MORNING - timedelta(days=15))  # no first meeting yet
    busy = make_pairing(
        program=make_program(starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31)),
        mentee=quiet.mentee,
        mentor=make_user(timezone="UTC"),
        approved_at=datetime(2026, 1, 5, 9),
    )
    for days_ago in (1, 2, 3):
        _logged_now(busy, MORNING.date() - timedelta(days=days_ago))
    run_at(MORNING)
    subjects = [m.subject for m in emails_to(quiet.mentee)]
    assert len(subjects) == DAILY_EMAIL_CAP
    assert subjects[0] == KINDS["no_first_meeting"].subject_for()


def test_does_a_person_who_chose_no_email_not_use_up_the_cap():
    pairing = _pair()
    preferences.set_channels(pairing.mentee, "meeting_rating", in_app=True, email=False)
    db.session.commit()
    _logged_now(pairing, MORNING.date() - timedelta(days=1))
    run_at(MORNING)
    assert [m.subject for m in emails_to(pairing.mentee)] == []
    assert any("How useful was your meeting" in n for n in notices(pairing.mentee))


def test_does_the_monday_digest_count_what_the_cap_kept_in_the_app():
    pairing = _pair()
    for days_ago in (1, 2, 3):
        _logged_now(pairing, MORNING.date() - timedelta(days=days_ago))
    run_at(MORNING - timedelta(days=7))  # the Monday before: nothing held back yet
    run_at(MORNING)  # the cap holds one rating back (in the app)
    next_monday = MORNING + timedelta(days=7) - timedelta(minutes=5)  # within the week
    run_at(next_monday)
    digests = [m for m in emails_to(pairing.mentee) if m.subject == "This week from your partner"]
    assert len(digests) == 1
    assert "After a meeting: 1" in digests[0].body
    assert f"at most {DAILY_EMAIL_CAP} reminders a day" in digests[0].body
