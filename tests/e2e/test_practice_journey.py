"""Working the idea in a real browser: practise, encourage, and prepare the session together."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, sign_in


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_mentee_creates_a_practice_from_a_template_and_checks_in_twice(
    live_server, new_page, javascript
):
    page = new_page(javascript=javascript)
    sign_in(page, live_server, "mentee@example.org")
    page.goto(live_server("/practice/new"))
    page.get_by_role("link", name=re.compile("Write a vision statement")).click()
    expect(page.get_by_label("What will you practise?")).to_have_value("Write a vision statement")
    page.get_by_role("button", name="Start practising").click()
    expect(page).to_have_url(re.compile(r"/practice/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Write a vision statement")

    if javascript:
        page.evaluate("window.noReload = true")
    page.get_by_label("What did you notice?").fill("The first draft was all about titles.")
    page.get_by_role("button", name="Check in", exact=True).click()
    log = page.locator("#practice-activity")
    expect(log).to_contain_text("The first draft was all about titles.")
    expect(log).to_contain_text("1 of")
    page.get_by_role("button", name="✓ Practised today").click()
    expect(log).to_contain_text("Practised, no note.")
    # Both check-ins are today: one day practised, "1 of", not "2 of" (the log keeps both).
    expect(page.locator(".progress-line")).to_contain_text("1 of")
    expect(log.locator(".checkin-log__day")).to_have_count(2)
    if javascript:
        assert page.evaluate("window.noReload === true"), "the check-in reloaded the page"


def test_mentor_sees_progress_and_leaves_encouragement(live_server, new_page):
    mentor = new_page()
    sign_in(mentor, live_server, "mentor@example.org")
    mentor.goto(live_server("/practice/"))
    shared = mentor.locator(
        "section", has=mentor.get_by_role("heading", name="Shared by your partner")
    )
    shared.get_by_role("link", name="Active listening").click()
    expect(mentor.get_by_role("heading", level=1)).to_have_text("Active listening")
    expect(mentor.locator("svg.week-chart title").first).to_have_text(
        "Check-ins per week against the target"
    )
    expect(mentor.locator(".progress-line")).to_contain_text("7 of 9 check-ins")
    expect(mentor.get_by_role("button", name="✓ Practised today")).to_have_count(0)

    mentor.get_by_label("Leave a comment or an encouragement").fill(
        "You are really doing it, Lena."
    )
    mentor.get_by_role("button", name="Send encouragement").click()
    expect(mentor.locator("#comments")).to_contain_text("You are really doing it, Lena.")
    mentor.locator(".cheer").first.get_by_role("button", name="Keep going!").click()
    expect(mentor.locator(".checkin-log__item").first).to_contain_text("Keep going!")

    mentee = new_page()
    sign_in(mentee, live_server, "mentee@example.org")
    mentee.goto(live_server("/notifications/"))
    expect(mentee.locator("#notification-list")).to_contain_text("Marcus Bell encouraged you")


def test_both_partners_open_the_prep_page_and_see_the_same_shared_material(live_server, new_page):
    views = {}
    for email in ("mentee@example.org", "mentor@example.org"):
        page = new_page()
        sign_in(page, live_server, email)
        page.locator("#meetings-panel").get_by_role("link", name="Prepare").click()
        expect(page).to_have_url(re.compile(r"/pairings/\d+/prep$"))
        views[email] = page
    mentee, mentor = views["mentee@example.org"], views["mentor@example.org"]
    material = [p.locator(".prep-layout__material").inner_text() for p in (mentee, mentor)]
    assert material[0] == material[1]
    assert "What I noticed when I stopped interrupting" in material[0]
    assert "Summarised Priya's concern" in material[0]
    for private in ("Doubts I have not shared yet", "Complete a self-assessment", "delegation"):
        assert private not in material[0]

    mentee.get_by_label("Add a point to talk about").fill("How do I say no to my manager?")
    mentee.get_by_role("button", name="Add point").click()
    expect(mentee.locator("#agenda")).to_contain_text("How do I say no to my manager?")
    mentor.reload()
    expect(mentor.locator("#agenda")).to_contain_text("How do I say no to my manager?")
    mentor.locator(".suggestion-list li").first.get_by_role("button").click()
    expect(mentor.locator(".agenda-list li")).to_have_count(4)


@pytest.mark.parametrize("path", ["/practice/", "/practice/1", "/pairings/1/prep", "/pairings/1"])
def test_practice_pages_fit_a_phone(live_server, new_page, path):
    page = new_page(viewport=PHONE)
    sign_in(page, live_server, "mentee@example.org")
    page.goto(live_server(path))
    expect(page.locator("h1")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{path} scrolls sideways on a phone ({width}px)"
