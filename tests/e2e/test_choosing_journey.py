"""Mentees choose, in Chromium: Lena browses "Find your mentor", filters and asks a mentor;
Marcus accepts the request waiting for him; Lena books one of Marcus's office hours. Each
journey runs with JavaScript and without it; every new page passes axe and the Nu checker,
on a desktop and on a 375 px phone, without scrolling sideways."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Pairing, Program, utcnow
from portal.models.choosing import MentorRequest, MentorRequestStatus
from portal.models.office_hours import OfficeHourBooking, OfficeHourSlot
from portal.services import office_hours
from portal.services.accounts import find_by_email
from tests.e2e.conftest import DESKTOP, accessibility_violations, html_errors, sign_in

SLUG = "find-your-mentor"
PHONE_375 = {"width": 375, "height": 812}
SHOTS = Path(__file__).parent / "artifacts" / "choosing"
MENTEE, MENTOR = "mentee@example.org", "mentor@example.org"


def shot(page: Page, name: str, viewport: dict) -> None:
    """Keep a full-page screenshot to look at (tests/e2e/artifacts/choosing/)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{viewport['width']}.png"), full_page=True)


def _ids(app) -> dict[str, int]:
    """The demo's waiting request to Marcus, one of his office hours booked by someone, and a
    pairing of the programme (for the "Did you meet?" page)."""
    with app.app_context():
        mentor = find_by_email(MENTOR)
        program = db.session.scalar(select(Program).where(Program.slug == SLUG))
        waiting = db.session.scalar(
            select(MentorRequest.id).where(
                MentorRequest.mentor_id == mentor.id,
                MentorRequest.status == MentorRequestStatus.open,
            )
        )
        # Lena books Marcus's first open slot, so both have a booking page to open.
        booking = db.session.scalar(
            select(OfficeHourBooking.id)
            .join(OfficeHourSlot, OfficeHourSlot.id == OfficeHourBooking.slot_id)
            .where(OfficeHourSlot.mentor_id == mentor.id)
        )
        if booking is None:
            slot = db.session.scalar(
                select(OfficeHourSlot)
                .where(OfficeHourSlot.mentor_id == mentor.id)
                .order_by(OfficeHourSlot.starts_at)
            )
            booking = office_hours.book(slot, find_by_email(MENTEE), "First 1:1s?", utcnow()).id
        pairing = db.session.scalar(
            select(Pairing.id).where(Pairing.program_id == program.id).limit(1)
        )
    return {"request": waiting, "booking": booking, "pairing": pairing}


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_mentee_browses_filters_and_asks_a_mentor(live_server, new_page, javascript):
    page = new_page(javascript=javascript)
    sign_in(page, live_server, MENTEE)
    page.goto(live_server(f"/choose/{SLUG}/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Find a mentor in")
    cards = page.locator("#mentor-list .mentor-card")
    everyone = cards.count()
    assert everyone > 1
    # Why is this mentor suggested? The matcher's factors, folded under the fit.
    first = cards.first
    first.locator("summary").click()
    expect(first.locator("details li").first).to_be_visible()

    page.get_by_label("Meets").select_option("remote")
    page.get_by_role("button", name="Show mentors").click()
    expect(page).to_have_url(re.compile(r"format=remote"))
    expect(page.locator("#mentor-list")).to_contain_text("mentors with a free place")
    assert 0 < cards.count() <= everyone
    expect(cards.first).to_contain_text("remotely")

    chosen = cards.first.locator("h3").inner_text()
    cards.first.get_by_label(f"A short note to {chosen}").fill("I lead my first team in May.")
    cards.first.get_by_role("button", name=f"Ask {chosen}").click()
    expect(page).to_have_url(re.compile(r"/choose/requests/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mentoring request")
    expect(page.locator("blockquote.note")).to_have_text("I lead my first team in May.")
    expect(page.get_by_role("button", name="Withdraw my request")).to_be_visible()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_mentor_accepts_the_request_waiting_for_him(live_server, new_page, javascript):
    ids = _ids(live_server.app)
    page = new_page(javascript=javascript)
    sign_in(page, live_server, MENTOR)
    page.goto(live_server("/choose/requests"))
    page.locator(f'a[href="/choose/requests/{ids["request"]}"]').first.click()
    expect(page.get_by_role("heading", name="The note")).to_be_visible()
    page.get_by_role("button", name="Accept").click()
    expect(page).to_have_url(re.compile(rf"/choose/requests/{ids['request']}$"))
    expect(page.locator("main")).to_contain_text("Accepted")
    expect(page.get_by_role("button", name="Accept")).to_have_count(0)
    with live_server.app.app_context():
        assert db.session.get(MentorRequest, ids["request"]).status is MentorRequestStatus.accepted


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_mentee_books_an_office_hour(live_server, new_page, javascript):
    page = new_page(javascript=javascript)
    sign_in(page, live_server, MENTEE)
    page.goto(live_server(f"/office-hours/{SLUG}/"))
    page.get_by_label("Topic").fill("feedback")
    page.get_by_role("button", name="Show slots").click()
    expect(page).to_have_url(re.compile(r"topic=feedback"))
    expect(page.locator("#slot-list")).to_contain_text("giving feedback")  # one list, swapped
    slot = page.locator("#slot-list li.card").filter(has=page.get_by_role("button")).first
    slot.get_by_label("Your question, in one line").fill("How did you prepare your first 1:1s?")
    slot.get_by_role("button", name=re.compile(r"^Book")).click()
    expect(page).to_have_url(re.compile(r"/office-hours/bookings/\d+$"))
    expect(page.locator("main")).to_contain_text("How did you prepare your first 1:1s?")
    ics = page.locator('a[href$=".ics"]').first
    expect(ics).to_have_attribute("data-hx-boost", "false")


# --- every new page: axe at 1280 and 375 px, no sideways scroll, the Nu checker -----------------

PAGES = {
    MENTEE: [
        "/choose/",
        f"/choose/{SLUG}/",
        f"/choose/{SLUG}/?format=remote&within_hours=3",
        "/choose/requests",
        "/office-hours/",
        f"/office-hours/{SLUG}/",
        "/office-hours/bookings/{booking}",
    ],
    MENTOR: [
        "/choose/requests",
        "/choose/requests/{request}",
        f"/choose/{SLUG}/availability",
        f"/office-hours/{SLUG}/",
        f"/office-hours/{SLUG}/slots/new",
        "/office-hours/bookings/{booking}",
    ],
    "admin@example.org": [f"/admin/programs/{SLUG}/choosing", "/dashboard/"],
}


def _name(who: str, path: str) -> str:
    return (who.split("@")[0] + path).strip("/").replace("/", "_").replace("?", "_")[:80]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE_375], ids=["1280", "375"])
@pytest.mark.parametrize("who", list(PAGES))
def test_are_the_choosing_pages_accessible(live_server, new_page, who, viewport):
    page = new_page(viewport=viewport, bypass_csp=True)
    sign_in(page, live_server, who)
    ids = _ids(live_server.app)
    problems = {}
    for path in PAGES[who]:
        url = path.format(**ids)
        response = page.goto(live_server(url))
        assert response.ok, f"{url} answered {response.status}"
        shot(page, _name(who, url), viewport)
        found = accessibility_violations(page)
        if found:
            problems[url] = found
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{url} scrolls sideways ({width}px)"
    assert problems == {}


@pytest.mark.parametrize("who", list(PAGES))
def test_are_the_choosing_pages_valid_html(live_server, new_page, who, tmp_path):
    page = new_page()
    sign_in(page, live_server, who)
    ids = _ids(live_server.app)
    documents = {}
    for path in PAGES[who]:
        url = path.format(**ids)
        response = page.request.get(live_server(url))
        assert response.ok, f"{url} answered {response.status}"
        documents[url] = response.text()
        if url.split("?")[0] == f"/choose/{SLUG}/":  # the htmx fragment, too
            fragment = page.request.get(
                live_server(url), headers={"HX-Request": "true", "HX-Target": "mentor-list"}
            )
            assert 'id="mentor-list"' in fragment.text()
    assert html_errors(documents, tmp_path) == {}
