"""An admin matches the demo cohort: propose, swap one, approve; the partners see each other."""

import re

from playwright.sync_api import expect
from sqlalchemy import select, update

from portal.extensions import db
from portal.models import Notification, Pairing, PairingStatus, User, utcnow
from tests.e2e.conftest import PHONE, sign_in


def _active_pair(server, mentee_name: str) -> tuple[str, str, str]:
    with server.app.app_context():
        pairing = db.session.scalar(
            select(Pairing)
            .join(User, User.id == Pairing.mentee_id)
            .where(User.name == mentee_name, Pairing.status == PairingStatus.active)
        )
        assert pairing is not None
        return pairing.mentee.email, pairing.mentor.email, pairing.mentor.name


def _close_undo_window(server) -> None:
    """What the clock and the worker do once the undo window passes: pairings open, notices show."""
    with server.app.app_context():
        now = utcnow()
        db.session.execute(update(Pairing).where(Pairing.opens_at > now).values(opens_at=now))
        db.session.execute(
            update(Notification)
            .where(Notification.deliver_after.is_not(None))
            .values(deliver_after=None, hold_key=None)
        )
        db.session.commit()


def test_admin_proposes_swaps_approves_and_partners_see_each_other(live_server, new_page):
    page = new_page()
    sign_in(page, live_server, "admin@example.org")
    page.goto(live_server("/admin/matching/spring-2027"))
    expect(page.get_by_text("No proposal yet")).to_be_visible()

    page.get_by_role("button", name="Propose matches").click()
    expect(page.locator(".proposal").first).to_be_visible()
    expect(page.locator(".flash--success")).to_contain_text("Nobody is told until you approve")

    first = page.locator(".proposal").first
    mentee_name = first.locator(".proposal__names").inner_text().split("←")[0].strip()
    first.get_by_role("link", name=re.compile("^Change mentor")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(mentee_name)
    # Type-ahead: the list narrows while typing, without a page load.
    page.evaluate("window.noReload = true")
    swap = page.get_by_role("button", name=re.compile(r"^Swap to ")).first
    new_mentor = swap.inner_text().removeprefix("Swap to ").strip()
    page.get_by_label("Search mentors").fill(new_mentor)
    expect(page.locator("#mentor-choices")).to_contain_text("for “" + new_mentor + "”")
    assert page.evaluate("window.noReload === true")
    page.get_by_role("button", name=f"Swap to {new_mentor}").click()
    expect(page.locator(".flash--success")).to_contain_text(
        f"{mentee_name} is now proposed with {new_mentor}"
    )

    page.get_by_role("link", name=re.compile(r"^Approve all")).click()
    page.get_by_role("button", name=re.compile(r"^Yes, approve")).click()
    expect(page.locator(".flash--success")).to_contain_text("will be told at")
    expect(page.get_by_text("No proposal yet")).to_be_visible()

    mentee_email, mentor_email, mentor_name = _active_pair(live_server, mentee_name)
    assert mentor_name == new_mentor
    mentee_page = new_page()
    sign_in(mentee_page, live_server, mentee_email)
    # Inside the undo window nobody was told, so the pairing has not opened yet.
    expect(mentee_page.locator("#mentee-panel")).not_to_contain_text(new_mentor)
    _close_undo_window(live_server)
    mentee_page.reload()
    expect(mentee_page.locator("#mentee-panel")).to_contain_text(new_mentor)
    mentor_page = new_page(viewport=PHONE)
    sign_in(mentor_page, live_server, mentor_email)
    expect(mentor_page.locator("#mentor-panel")).to_contain_text(mentee_name)


def test_matching_board_works_without_javascript_and_fits_a_phone(live_server, new_page):
    page = new_page(javascript=False, viewport=PHONE)
    sign_in(page, live_server, "admin@example.org")
    page.goto(live_server("/admin/matching/spring-2027"))
    page.get_by_role("button", name="Propose matches").click()
    expect(page).to_have_url(re.compile(r"/admin/matching/spring-2027$"))
    expect(page.locator(".proposal").first).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the matching page scrolls sideways ({width}px)"
    page.locator(".proposal").first.get_by_role("button", name=re.compile("^Approve")).click()
    expect(page.locator(".flash--success")).to_contain_text("will be told at")


def test_visitor_applies_after_signing_in(live_server, new_page):
    page = new_page()
    page.goto(live_server("/programs/spring-2027"))
    page.get_by_role("link", name="Sign in to apply").click()
    page.get_by_label("E-mail").fill("mentee@example.org")
    page.get_by_label("Password").fill("horizon-demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/programs/spring-2027/apply$"))
    page.get_by_label("Mentee: I want to grow").check()
    page.get_by_label("What I am trying to achieve").fill("lead a team")
    page.get_by_label("Department").fill("Sales")
    page.get_by_label("Location (city)").fill("Berlin")
    page.get_by_label("Direct").check()
    page.get_by_label("Structured").check()
    page.get_by_label("Reflective").check()
    page.get_by_role("button", name="Send my application").click()
    expect(page.locator("#my-application")).to_contain_text("waiting for review")
