"""The journal journey in Chromium: a mentee shares, her mentor reviews and comments."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, sign_in

MENTEE = "mentee@example.org"
MENTOR = "mentor@example.org"


def _write_entry(page, server, title: str, body: str, visibility: str, tags: str = "") -> int:
    page.goto(server("/journal/new"))
    page.get_by_label("Title").fill(title)
    page.get_by_label("Your story").fill(body)
    if tags:
        page.get_by_label("Tags").fill(tags)
    page.locator(f"input[name=visibility][value={visibility}]").check()
    page.get_by_role("button", name="Save entry").click()
    expect(page).to_have_url(re.compile(r"/journal/\d+$"))
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    return int(page.url.rsplit("/", 1)[1])


def test_mentee_shares_mentor_reviews_and_comment_arrives_without_reload(live_server, new_page):
    live_server.app.config["JOURNAL_COMMENT_POLL_SECONDS"] = 1
    mentee = new_page()
    console: list[str] = []
    mentee.on("console", lambda message: console.append(message.text))
    sign_in(mentee, live_server, MENTEE)
    entry_id = _write_entry(
        mentee,
        live_server,
        "Feedback I avoided giving",
        "I *did not* tell Sam the release notes were late.",
        "shared",
        tags="feedback, courage",
    )
    expect(mentee.locator(".entry__body em")).to_have_text("did not")
    expect(mentee.locator(".badge--shared")).to_be_visible()
    # The mentee keeps the entry open; a marker on window survives only without a reload.
    mentee.evaluate("window.__noReload = 'still here'")

    mentor = new_page()
    sign_in(mentor, live_server, MENTOR)
    panel = mentor.locator("#journal-review-panel")
    expect(panel).to_contain_text("Feedback I avoided giving")
    with live_server.app.app_context():
        from portal.services.accounts import find_by_email
        from portal.services.journal import unreviewed_count

        waiting = unreviewed_count(find_by_email(MENTOR))
    assert waiting >= 1  # the demo's unreviewed entries plus the one just shared
    expect(mentor.locator("#journal-review-badge .count")).to_have_text(str(waiting))
    panel.get_by_role("link", name="Feedback I avoided giving").click()
    expect(mentor).to_have_url(live_server(f"/journal/{entry_id}"))
    mentor.evaluate("window.__noReload = 'mentor page'")
    mentor.get_by_label("Add a comment").fill("What stopped you? Let's talk it through.")
    mentor.get_by_role("button", name="Post comment").click()
    expect(mentor.locator("#comment-list")).to_contain_text("What stopped you?")
    expect(mentor.get_by_label("Add a comment")).to_have_value("")
    mentor.get_by_role("button", name="Mark as reviewed").click()
    expect(mentor.locator("#entry-review")).to_contain_text("Reviewed")
    assert mentor.evaluate("window.__noReload") == "mentor page"  # htmx swapped, no reload

    # The comment appears on the mentee's open page by itself.
    expect(mentee.locator("#comment-list")).to_contain_text("What stopped you?", timeout=8000)
    assert mentee.evaluate("window.__noReload") == "still here"
    expect(mentee.locator("#notification-badge .count")).to_be_visible(timeout=8000)
    assert not [m for m in console if "Content Security Policy" in m], console


def test_a_private_entry_never_shows_on_the_mentors_side(live_server, new_page):
    mentee = new_page()
    sign_in(mentee, live_server, MENTEE)
    secret = "Thinking about leaving the company"
    entry_id = _write_entry(mentee, live_server, secret, "Nobody may read this.", "private")

    mentor = new_page()
    sign_in(mentor, live_server, MENTOR)
    for path in ("/dashboard/", "/journal/", "/journal/shared", "/notifications/"):
        mentor.goto(live_server(path))
        expect(mentor.locator("main")).not_to_contain_text(secret)
    response = mentor.goto(live_server(f"/journal/{entry_id}"))
    assert response is not None and response.status == 404
    expect(mentor.locator("main")).not_to_contain_text("Nobody may read this.")


def test_a_draft_autosaves_while_typing_and_survives_closing_the_tab(live_server, new_page):
    page = new_page()
    sign_in(page, live_server, MENTEE)
    page.goto(live_server("/journal/new"))
    page.get_by_label("Title").fill("Half-finished thought")
    page.get_by_label("Your story").press_sequentially("I noticed that I rush", delay=10)
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved", timeout=8000)
    expect(page).to_have_url(re.compile(r"/journal/\d+/edit$"))
    # Typing on after the first autosave updates the same draft row, never a second one.
    page.get_by_label("Your story").press_sequentially(" into answers.", delay=10)
    page.get_by_label("Title").focus()  # leaving the field saves at once
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved")
    page.wait_for_timeout(2500)
    page.context.close()  # the tab (and its browser context) is gone

    again = new_page()
    sign_in(again, live_server, MENTEE)
    again.goto(live_server("/journal/?visibility=draft"))
    expect(again.get_by_role("link", name="Half-finished thought")).to_have_count(1)
    again.get_by_role("link", name="Half-finished thought").click()
    expect(again.get_by_label("Your story")).to_have_value("I noticed that I rush into answers.")


def test_search_filters_and_load_more_work_in_the_browser(live_server, new_page):
    page = new_page()
    sign_in(page, live_server, MENTEE)
    page.goto(live_server("/journal/"))
    page.get_by_label("Search your entries").fill("demo")
    expect(page.locator("#journal-results")).to_contain_text("The demo that fell apart")
    expect(page.locator("#journal-results")).not_to_contain_text("Where I want to be")
    expect(page).to_have_url(re.compile(r"q=demo"))
    page.get_by_label("Search your entries").fill("")
    page.get_by_label("Tag", exact=True).select_option("goals")
    expect(page.locator("#journal-results .entry-card")).to_have_count(1)


@pytest.mark.parametrize("javascript", [False], ids=["js-off"])
def test_writing_and_commenting_work_without_javascript(live_server, new_page, javascript):
    mentee = new_page(javascript=javascript)
    sign_in(mentee, live_server, MENTEE)
    entry_id = _write_entry(mentee, live_server, "Written without JS", "Plain forms.", "shared")
    mentor = new_page(javascript=javascript)
    sign_in(mentor, live_server, MENTOR)
    mentor.goto(live_server(f"/journal/{entry_id}"))
    mentor.get_by_label("Add a comment").fill("Works for me too.")
    mentor.get_by_role("button", name="Post comment").click()
    expect(mentor.locator("#comment-list")).to_contain_text("Works for me too.")
    mentor.get_by_role("button", name="Mark as reviewed").click()
    expect(mentor.locator("#entry-review")).to_contain_text("Reviewed")


def test_journal_pages_fit_a_phone(live_server, new_page):
    page = new_page(viewport=PHONE)
    sign_in(page, live_server, MENTEE)
    for path in ("/journal/", "/journal/new", "/journal/1", "/journal/shared", "/dashboard/"):
        page.goto(live_server(path))
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} scrolls sideways on a phone ({width}px)"


def test_two_tabs_editing_one_entry_get_a_clear_conflict_that_keeps_both_texts(
    live_server, new_page
):
    tab_a = new_page()
    sign_in(tab_a, live_server, MENTEE)
    entry_id = _write_entry(tab_a, live_server, "Two tabs", "First text.", "private")
    tab_b = tab_a.context.new_page()
    for tab in (tab_a, tab_b):
        tab.goto(live_server(f"/journal/{entry_id}/edit"))
    tab_a.get_by_label("Your story").fill("Text from tab A.")
    tab_a.get_by_role("button", name="Save changes").click()
    expect(tab_a).to_have_url(live_server(f"/journal/{entry_id}"))

    tab_b.get_by_label("Your story").fill("Text from tab B.")
    tab_b.get_by_role("button", name="Save changes").click()
    conflict = tab_b.locator(".conflict")
    expect(conflict).to_contain_text("This entry changed while you were writing")
    expect(conflict.locator("textarea")).to_have_value("Text from tab A.")
    expect(tab_b.get_by_label("Your story")).to_have_value("Text from tab B.")
    tab_b.get_by_role("button", name="Save changes").click()  # keep tab B's text on purpose
    expect(tab_b).to_have_url(live_server(f"/journal/{entry_id}"))
    expect(tab_b.locator(".entry__body")).to_contain_text("Text from tab B.")
