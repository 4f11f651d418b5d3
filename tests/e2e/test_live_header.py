"""Does the header stay live through htmx, and does an expired session end on the login page?"""

import re

from playwright.sync_api import expect

from portal.extensions import db
from portal.services.accounts import find_by_email
from portal.services.platform.notifications import notify, unread_count
from tests.e2e.conftest import sign_in


def test_does_the_unread_badge_update_without_a_reload(live_server, page):
    with live_server.app.app_context():  # the demo's unread notices (welcome, circle news)
        before = unread_count(find_by_email("mentee@example.org"))
    assert before >= 1
    sign_in(page, live_server, "mentee@example.org")
    badge = page.locator("#notification-badge .count")
    expect(badge).to_have_text(str(before))
    page.evaluate("window.__sameDocument = true")
    with live_server.app.app_context():
        notify(find_by_email("mentee@example.org"), "test", "Marcus commented on your entry.")
        db.session.commit()
    expect(badge).to_have_text(str(before + 1), timeout=8_000)
    assert page.evaluate("window.__sameDocument === true"), "the page reloaded"


def test_does_an_expired_session_send_the_page_to_sign_in(live_server, page):
    sign_in(page, live_server, "mentor@example.org")
    # The session ends while the page is open (as when the password is changed elsewhere).
    # Clearing the browser's cookies instead would race with a poll already in flight,
    # whose answer refreshes the cookie.
    with live_server.app.app_context():
        find_by_email("mentor@example.org").session_version += 1
        db.session.commit()
    expect(page).to_have_url(
        re.compile(r"/auth/login\?next=(/|%2F)dashboard(/|%2F)$"), timeout=8_000
    )
    expect(page.get_by_role("heading", name="Sign in to Horizon")).to_be_visible()
    expect(page.locator("#notification-badge")).to_have_count(0)


def test_can_a_keyboard_user_skip_to_the_content(live_server, page):
    sign_in(page, live_server, "mentee@example.org")
    # The boosted sign-in leaves focus on the dashboard's heading (not on <body>)...
    expect(page.get_by_role("heading", level=1)).to_be_focused()
    # ...and on a fresh page load the first Tab reaches the skip link.
    page.goto(live_server("/dashboard/"))
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    outline = skip.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none", "focus must be visible"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
