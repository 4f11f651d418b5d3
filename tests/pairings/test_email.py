"""Both partners are told by e-mail, through a real SMTP server, with the invitation attached."""

import email
from email import policy

import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar
from sqlalchemy import select

from portal.extensions import db
from portal.models.kickoff import PlannedMeeting
from tests.factories import make_pairing, make_user
from tests.reminders.smtp import free_port

SMTP_PORT = free_port()  # per run and per xdist worker: parallel suites never collide
BASE_URL = "https://horizon.example.test"


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in m["To"]]


@pytest.fixture
def inbox():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def app_config():
    return {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": SMTP_PORT,
        "MAIL_USE_TLS": False,
        "BASE_URL": BASE_URL,
    }


def _ics(message) -> Calendar:
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    return Calendar.from_ical(parts[0].get_payload(decode=True))


def test_are_both_partners_told_with_the_invitation_attached(client, auth, inbox):
    pairing = make_pairing(
        mentee=make_user(timezone="Europe/Lisbon"), mentor=make_user(timezone="Asia/Tokyo")
    )
    auth.login(pairing.mentee)
    client.post(
        f"/pairings/{pairing.id}/schedule",
        data={"day": "2090-03-20", "start_time": "10:00", "minutes": "60", "place": "Room 1"},
    )
    proposal = inbox.to(pairing.mentor.email)
    assert len(proposal) == 1 and len(inbox.to(pairing.mentee.email)) == 1
    body = proposal[0].get_body(("plain",)).get_content()
    # The mentor reads the time in Tokyo; links come from configuration, not the request.
    assert "Monday 20 March 2090, 19:00 (Asia/Tokyo)" in body
    assert f"{BASE_URL}/pairings/{pairing.id}/schedule" in body
    assert "localhost" not in body
    meeting = db.session.scalars(select(PlannedMeeting)).one()
    auth.logout()
    auth.login(pairing.mentor)
    client.post(f"/pairings/{pairing.id}/schedule/{meeting.id}/accept")
    for person in (pairing.mentor, pairing.mentee):
        agreed = inbox.to(person.email)[-1]
        assert agreed["Subject"].startswith("Meeting agreed")
        calendar = _ics(agreed)
        assert str(calendar["method"]) == "REQUEST"
        assert str(calendar.walk("VEVENT")[0]["uid"]) == meeting.uid
    client.post(f"/pairings/{pairing.id}/schedule/{meeting.id}/cancel")
    cancelled = inbox.to(pairing.mentee.email)[-1]
    assert cancelled["Subject"].startswith("Meeting called off")
    assert str(_ics(cancelled)["method"]) == "CANCEL"
    part = [p for p in cancelled.walk() if p.get_content_type() == "text/calendar"][0]
    assert part.get_param("method") == "CANCEL"
