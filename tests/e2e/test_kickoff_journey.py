"""A new pair meets, agrees, writes goals and gets the first meeting into both calendars."""

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Membership, MembershipStatus, Pairing, Program, Role, utcnow
from portal.services.accounts import create_user
from tests.e2e.conftest import PHONE, sign_in

PASSWORD = "new-pair-password"


def _new_pair(server) -> int:
    """A mentee in Lisbon and a mentor in Tokyo, approved a minute ago."""
    with server.app.app_context():
        program = db.session.scalar(select(Program).where(Program.slug == "leadership-2026"))
        mentee = create_user("ines@example.org", "Inês Costa", PASSWORD, timezone="Europe/Lisbon")
        mentor = create_user("kenji@example.org", "Kenji Sato", PASSWORD, timezone="Asia/Tokyo")
        for person, role in ((mentee, Role.mentee), (mentor, Role.mentor)):
            db.session.add(
                Membership(
                    user=person,
                    program=program,
                    role=role,
                    status=MembershipStatus.active,
                    profile={"goals": ["leadership"], "department": "Finance"},
                )
            )
        pairing = Pairing(program=program, mentor=mentor, mentee=mentee)
        pairing.activate()
        pairing.approved_at = pairing.opens_at = utcnow()  # approved, and both were told
        db.session.add(pairing)
        db.session.commit()
        return pairing.id


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_a_new_pair_meets_agrees_sets_goals_and_plans_the_first_meeting(
    live_server, new_page, javascript
):
    pairing_id = _new_pair(live_server)
    mentee = new_page(javascript=javascript, viewport=PHONE)
    mentor = new_page(javascript=javascript, viewport=PHONE)
    sign_in(mentee, live_server, "ines@example.org", PASSWORD)
    sign_in(mentor, live_server, "kenji@example.org", PASSWORD)

    # Meet your partner, from the dashboard's first steps.
    steps = mentee.locator(".first-steps")
    expect(steps).to_contain_text("First steps with Kenji Sato")
    expect(steps).to_contain_text("0 of 4 done")
    mentee.goto(live_server(f"/pairings/{pairing_id}/partner"))
    card = mentee.locator("#partner-card")
    expect(card).to_contain_text("Kenji Sato")
    expect(card).to_contain_text("Your mentor · Finance")
    expect(card).to_contain_text("Asia/Tokyo")
    expect(card).to_contain_text("kenji@example.org")

    # The agreement: the mentee writes what she seeks, both sign.
    mentee.get_by_role("link", name="Agreement", exact=True).click()
    expect(mentee.get_by_label("What the mentee is seeking to achieve")).to_have_value(
        re.compile("Grow in: leadership")
    )
    mentee.get_by_label("What the mentee is seeking to achieve").fill(
        "Lead my team's budget planning by the summer."
    )
    mentee.get_by_role("button", name="Save the agreement").click()
    # Saving makes version 2; signing before the page shows it would sign a stale version.
    expect(mentee.get_by_role("button", name="Sign version 2")).to_be_visible()
    expect(mentee.locator("#agreement")).to_contain_text("Not signed yet")
    mentee.get_by_role("button", name="Sign version 2").click()
    expect(mentee.locator("#agreement")).to_contain_text("Inês Costa (you): signed")
    mentor.goto(live_server(f"/pairings/{pairing_id}/agreement"))
    expect(mentor.get_by_label("What the mentee is seeking to achieve")).to_have_value(
        "Lead my team's budget planning by the summer."
    )
    mentor.get_by_role("button", name=re.compile("Sign version")).click()
    expect(mentor.locator("#agreement")).to_contain_text("Signed by both of you")

    # Two goals.
    mentee.goto(live_server(f"/pairings/{pairing_id}/goals"))
    for title in ("Run budget planning on my own", "Say no to low-value requests"):
        mentee.get_by_label("The goal, in a few words").fill(title)
        mentee.get_by_label("How we will know it is reached").fill("Kenji sees it.")
        mentee.get_by_role("button", name="Add the goal").click()
        expect(mentee.locator(".goal-list")).to_contain_text(title)
    expect(mentee.locator(".goal-card")).to_have_count(2)

    # The mentee proposes 10:00 Lisbon time; the mentor sees it at Tokyo time and accepts.
    day = date.today() + timedelta(days=10)
    mentee.goto(live_server(f"/pairings/{pairing_id}/schedule"))
    propose = mentee.locator("form", has=mentee.get_by_role("button", name="Propose this time"))
    propose.get_by_label("Date").fill(day.isoformat())
    propose.get_by_label("Start time").fill("10:00")
    propose.get_by_label("Place or video link").fill("https://meet.example.org/ines-kenji")
    mentee.get_by_role("button", name="Propose this time").click()
    expect(mentee.locator(".planned-list")).to_contain_text("waiting for Kenji")

    mentor.goto(live_server(f"/pairings/{pairing_id}/schedule"))
    planned = mentor.locator(".planned").first
    expect(planned).to_contain_text("Inês's time:")
    expect(planned).to_contain_text("10:00")
    mentor.get_by_role("button", name="Accept this time").click()
    expect(mentor.locator(".planned").first).to_contain_text("agreed")
    with mentor.expect_download() as download_info:
        mentor.get_by_role("link", name="Add to calendar (.ics)").click()
    calendar = Calendar.from_ical(Path(download_info.value.path()).read_bytes())
    assert str(calendar["method"]) == "REQUEST"
    event = calendar.walk("VEVENT")[0]
    assert str(event["status"]) == "CONFIRMED"
    assert "mailto:ines@example.org" in [str(a).lower() for a in event["attendee"]]

    mentee.goto(live_server("/dashboard/"))
    expect(mentee.locator(".first-steps")).to_contain_text("3 of 4 done")
