"""After every boosted submit or link, and every fragment swap: where is focus, what was said?

Each step asserts `document.activeElement` and the text of the page's one live region
(WCAG 2.4.3 focus order, 2.4.11 focus not obscured, 4.1.3 status messages), at 1280 and 375 px.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.demo.seed import DEMO_PASSWORD
from portal.extensions import db
from portal.models import Pairing, PairingStatus, User
from tests.e2e.conftest import sign_in

STATE = """() => ({
  tag: document.activeElement.tagName,
  id: document.activeElement.id,
  text: (document.activeElement.textContent || '').trim(),
  live: document.getElementById('live-region').textContent.trim(),
  preserved: document.getElementById('live-region').dataset.marker || '',
  regions: [...document.querySelectorAll('[aria-live], [role=status]')]
    .filter(e => e.textContent.trim()).length
})"""

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 800}


def settle(page: Page) -> dict:
    """Wait for the swap to settle and the announcement to arrive, then report."""
    page.wait_for_load_state("networkidle")
    # networkidle can come before htmx:afterSettle after a redirect: wait for the text.
    # (wait_for_function with a string is an eval, which the CSP forbids.)
    expect(page.locator("#live-region")).to_have_text(re.compile(r"\S"))
    page.wait_for_timeout(100)
    return page.evaluate(STATE)


def act(page: Page, locator) -> dict:
    """Clear the live region, do the action, and report focus and the new announcement."""
    page.evaluate("() => { document.getElementById('live-region').textContent = ''; }")
    locator.click()
    return settle(page)


def boosted_link(page: Page, href: str, link_id: str = "x") -> None:
    """Put a boosted link to `href` into the page (as the navigation would be)."""
    page.evaluate(
        """([href, id]) => { const a = document.createElement('a'); a.href = href; a.id = id;
        a.textContent = id; document.querySelector('main').append(a); htmx.process(a); }""",
        [href, link_id],
    )


@pytest.fixture(params=[DESKTOP, PHONE], ids=["1280", "375"])
def viewport(request):
    return request.param


@pytest.fixture
def signed_in(new_page, live_server):
    def open_signed_in(email: str, viewport: dict = DESKTOP) -> Page:
        page = new_page(viewport=viewport)
        sign_in(page, live_server, email)
        return page

    return open_signed_in


def _pairing_id(server, email: str, status: PairingStatus = PairingStatus.active) -> int:
    with server.app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        return db.session.scalar(
            select(Pairing.id)
            .where(Pairing.status == status)
            .where((Pairing.mentee_id == user.id) | (Pairing.mentor_id == user.id))
            .order_by(Pairing.id)
        )


def test_signing_in_focuses_the_dashboard_heading(live_server, new_page, viewport):
    page = new_page(viewport=viewport)
    page.goto(live_server("/auth/login"))
    page.get_by_label("E-mail").fill("mentee@example.org")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    state = act(page, page.get_by_role("button", name="Sign in"))
    assert state["tag"] == "H1"
    assert state["live"]


def test_boosted_share_toggle_focuses_heading_and_announces(live_server, signed_in, viewport):
    page = signed_in("mentee@example.org", viewport)
    page.goto(live_server("/journal/"))
    # The live region must survive the body swap (hx-preserve): mark it, and look for the mark.
    page.evaluate("() => { document.getElementById('live-region').dataset.marker = 'kept'; }")
    state = act(page, page.locator("#journal-results a[href^='/journal/']").first)
    assert state["tag"] == "H1" and state["preserved"] == "kept"
    state = act(page, page.locator("form[action$='/visibility'] button[type=submit]").first)
    assert state["tag"] == "H1"
    assert state["live"] in {"This entry is now shared.", "This entry is now private."}
    assert state["preserved"] == "kept"


def test_journal_search_announces_its_count_and_keeps_focus(live_server, signed_in):
    page = signed_in("mentee@example.org")
    page.goto(live_server("/journal/"))
    page.evaluate("() => { document.getElementById('live-region').textContent = ''; }")
    search = page.locator("#journal-q")
    search.fill("team")
    state = settle(page)
    assert re.fullmatch(r"(\d+ (entry|entries)|0 entries) found", state["live"]), state["live"]
    assert state["id"] == "journal-q"
    shown = page.locator("#journal-results .results-summary").inner_text()
    assert state["live"].split()[0] in shown or state["live"].startswith("0")


def test_single_approve_shows_undo_and_announces(live_server, signed_in, viewport):
    page = signed_in("admin@example.org", viewport)
    page.goto(live_server("/admin/enrollment"))
    state = act(page, page.locator("#enrollment-queue button[value=approve]").first)
    assert "approved" in state["live"] and "undo" in state["live"]
    expect(page.locator("#enrollment-queue #undo-heading")).to_be_visible()
    undo = page.locator("#enrollment-queue form[action*='/undo/']").first
    expect(undo.get_by_role("button", name=re.compile("^Undo"))).to_be_visible()
    # The Undo form goes back to the queue page, not to the fragment's POST URL.
    assert undo.locator("input[name=next]").get_attribute("value").startswith("/admin/enrollment")
    state = act(page, undo.get_by_role("button", name=re.compile("^Undo")))
    assert state["tag"] == "H1" and state["live"].startswith("Undone")


def test_bulk_approve_confirm_and_undo(live_server, signed_in, viewport):
    page = signed_in("admin@example.org", viewport)
    page.goto(live_server("/admin/enrollment"))
    page.locator("#enrollment-queue input[name=ids]").first.check()
    state = act(page, page.locator("#enrollment-queue button[name=decision][value=approve]").last)
    assert state["tag"] == "H1" and state["text"].startswith("Approve 1 application")
    state = act(page, page.locator("main form button[type=submit]").filter(has_text="Approve").last)
    assert state["tag"] == "H1" and "approved" in state["live"]
    state = act(page, page.get_by_role("button", name=re.compile("^Undo")).first)
    assert state["tag"] == "H1" and state["live"].startswith("Undone")


def test_check_in_announces_what_the_no_js_page_says(live_server, signed_in, viewport):
    page = signed_in("mentee@example.org", viewport)
    page.goto(live_server("/practice/"))
    page.locator("main a[href^='/practice/']:not([href='/practice/new'])").first.click()
    page.wait_for_load_state("networkidle")
    check_in = page.locator("#practice-activity form[action$='/check-ins'] button[type=submit]")
    state = act(page, check_in.first)
    assert state["live"] == "Checked in. Well done."
    expect(page.locator("#practice-activity .flash")).to_contain_text("Checked in. Well done.")


def test_schedule_announces_one_message(live_server, signed_in):
    pairing_id = _pairing_id(live_server, "mentee@example.org")
    page = signed_in("mentee@example.org")
    page.goto(live_server(f"/pairings/{pairing_id}/schedule"))
    propose = page.locator("form", has=page.get_by_role("button", name="Propose this time"))
    propose.get_by_label("Date").fill((date.today() + timedelta(days=9)).isoformat())
    propose.get_by_label("Start time").fill("10:00")
    state = act(page, page.get_by_role("button", name="Propose this time"))
    assert state["live"] == "Your meetings are updated."
    assert state["regions"] == 1, "exactly one live region speaks"
    assert state["tag"] == "H2"


def test_failed_boosted_link_shows_the_error_page(live_server, signed_in):
    page = signed_in("lead@example.org")
    page.goto(live_server("/dashboard/"))
    boosted_link(page, "/admin/nowhere")
    state = act(page, page.locator("#x"))
    assert state["tag"] == "H1" and state["text"] == "We could not find that page"


def test_no_csp_violation_during_swaps(live_server, signed_in):
    """Chromium reports a blocked inline style as a securitypolicyviolation event."""
    page = signed_in("admin@example.org")
    page.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation',"
        " e => window.__csp.push(e.violatedDirective + ' ' + e.sample));"
    )
    for path in (
        "/admin/enrollment",
        "/admin/matching/spring-2027",
        "/admin/programs/leadership-2026/pairs",
    ):
        page.goto(live_server(path))
        act(page, page.locator("main a[href^='/admin']:not([download])").first)
        assert page.evaluate("window.__csp") == []


def test_print_button_binds_once_across_boosted_visits(live_server, signed_in):
    page = signed_in("admin@example.org")
    analytics = "/admin/programs/leadership-2026/analytics"
    page.goto(live_server(analytics))
    for visit in range(3):  # real boosted visits, there and back
        act(page, page.get_by_role("link", name="Dashboard").first)
        boosted_link(page, analytics, f"back-{visit}")
        act(page, page.locator(f"#back-{visit}"))
    # A function, not an expression: Playwright calls an expression's resulting function once.
    page.evaluate("() => { window.__prints = 0; window.print = () => { window.__prints += 1; }; }")
    page.locator("[data-print]").first.click()
    assert page.evaluate("window.__prints") == 1


@pytest.mark.parametrize("width", [375, 1280])
def test_focused_element_is_never_under_the_sticky_header(live_server, signed_in, width):
    page = signed_in("admin@example.org", {"width": width, "height": 800})
    page.goto(live_server("/admin/enrollment"))
    header_box = "() => document.querySelector('.site-header').getBoundingClientRect().toJSON()"
    position = "() => getComputedStyle(document.querySelector('.site-header')).position"
    for _ in range(40):
        page.keyboard.press("Tab")
        header = page.evaluate(header_box)
        sticky = page.evaluate(position)
        box = page.evaluate(
            """() => { const e = document.activeElement;
            return {...e.getBoundingClientRect().toJSON(), html: e.outerHTML.slice(0, 120),
                    inHeader: !!e.closest('.site-header'), skip: e.matches('.skip-link')}; }"""
        )
        if sticky == "sticky" and box["height"] and not (box["inHeader"] or box["skip"]):
            assert box["bottom"] > header["bottom"], f"focus hidden under the header: {box['html']}"
    if width < 768:
        assert page.evaluate(position) == "static"


def test_csv_buttons_download(live_server, signed_in):
    page = signed_in("admin@example.org")
    page.goto(live_server("/admin/"))
    with page.expect_download() as download:
        page.get_by_role("link", name="Participants CSV").first.click()
    assert download.value.suggested_filename.endswith(".csv")
    expect(page.get_by_role("heading", level=1)).to_have_text("Run the programme")


def test_tabs_and_admin_nav_fit_a_320_px_screen(live_server, signed_in):
    page = signed_in("admin@example.org", {"width": 320, "height": 700})
    for path, selector in (("/journal/", ".tabs"), ("/admin/enrollment", ".admin-nav")):
        page.goto(live_server(path))
        for box in page.locator(selector).all():
            fits = box.evaluate("e => e.scrollWidth <= e.clientWidth")
            assert fits, f"{selector} on {path} overflows"
