"""Reminder e-mails through a real SMTP server: attachments, refusals and retries lose nothing."""

from datetime import date, datetime

import pytest
from icalendar import Calendar
from sqlalchemy import select

from portal.extensions import db
from portal.models.kickoff import MeetingStatus
from portal.models.outbox import OutboxMessage, OutboxStatus
from portal.services.platform.mail import deliver_email, failed_messages
from tests.factories import make_meeting, make_pairing, make_planned_meeting, make_user
from tests.reminders.helpers import keys, run_at
from tests.reminders.smtp import free_port, smtp_config

# A free port per run (and per xdist worker): parallel suites never collide.
PORT = free_port()


@pytest.fixture
def app_config():
    return smtp_config(PORT)


def _pair_meeting_tomorrow():
    pairing = make_pairing(
        mentor=make_user(timezone="Europe/Lisbon"), mentee=make_user(timezone="Europe/Lisbon")
    )
    make_meeting(pairing, held_on=date(2026, 5, 20))
    meeting = make_planned_meeting(
        pairing, starts_at=datetime(2026, 6, 2, 9, 0), status=MeetingStatus.accepted
    )
    return pairing, meeting


def test_does_the_invitation_travel_through_smtp_with_the_reminder(inbox_factory):
    inbox = inbox_factory(PORT)
    pairing, meeting = _pair_meeting_tomorrow()
    run_at(datetime(2026, 6, 1, 8, 0))  # 09:00 in Lisbon (summer)
    [message] = inbox.to(pairing.mentee.email)
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_filename() == "invite.ics"
    [event] = Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")
    assert str(event["UID"]) == meeting.uid
    assert (
        message["List-Unsubscribe"].strip().startswith("<https://horizon.example.test/unsubscribe/")
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_does_a_refusing_server_lose_no_message_and_send_none_twice(inbox_factory):
    inbox = inbox_factory(PORT, refuse=2)
    pairing, _ = _pair_meeting_tomorrow()
    run_at(datetime(2026, 6, 1, 8, 0))
    rows = list(db.session.scalars(select(OutboxMessage)))
    assert len(rows) == 2 and all(r.status is OutboxStatus.pending for r in rows)
    assert all("554" in (r.last_error or "") for r in rows)
    # The worker runs again (a restart): nothing new is recorded for the same meeting.
    run_at(datetime(2026, 6, 1, 8, 15))
    assert len(keys("meeting_tomorrow")) == 2
    # The queue's retry delivers each message exactly once.
    for row in rows:
        deliver_email(row.id)
        deliver_email(row.id)  # a duplicate retry finds it sent and skips it
    db.session.expire_all()
    assert {r.status for r in db.session.scalars(select(OutboxMessage))} == {OutboxStatus.sent}
    assert len(inbox.to(pairing.mentee.email)) == 1 and len(inbox.to(pairing.mentor.email)) == 1


@pytest.mark.parametrize("app_config", [{**smtp_config(PORT), "MAIL_MAX_ATTEMPTS": 2}])
def test_is_a_message_the_server_never_accepts_kept_for_admins(inbox_factory, app_config):
    inbox_factory(PORT, refuse=100)
    pairing, _ = _pair_meeting_tomorrow()
    run_at(datetime(2026, 6, 1, 8, 0))
    for row in list(db.session.scalars(select(OutboxMessage))):
        deliver_email(row.id)
    db.session.expire_all()
    failed = failed_messages()
    assert sorted(m.to[0] for m in failed) == sorted([pairing.mentor.email, pairing.mentee.email])
