"""Can each demo user sign in and see their own dashboard, with JavaScript on and off?"""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, sign_in

DEMO_DASHBOARDS = [
    ("admin@example.org", "#admin-panel", "Programme health"),
    ("mentor@example.org", "#mentor-panel", "Lena Ortiz"),
    ("mentee@example.org", "#mentee-panel", "Marcus Bell"),
]


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
@pytest.mark.parametrize(("email", "panel", "expected"), DEMO_DASHBOARDS)
def test_demo_user_lands_on_their_dashboard(
    live_server, new_page, javascript, email, panel, expected
):
    page = new_page(javascript=javascript)
    sign_in(page, live_server, email)
    expect(page.locator(panel)).to_contain_text(expected)
    other_panels = {p for _, p, _ in DEMO_DASHBOARDS} - {panel}
    for other in other_panels:
        expect(page.locator(other)).to_have_count(0)

    page.get_by_text(re.compile(r"^(Priya|Marcus|Lena)$")).click()  # the account menu
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/auth/login$"))
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def test_login_page_lists_demo_accounts_and_works_on_a_phone(live_server, new_page):
    page = new_page(viewport=PHONE)
    page.goto(live_server("/auth/login"))
    expect(page.get_by_role("heading", name="Demo accounts")).to_be_visible()
    sign_in(page, live_server, "mentee@example.org")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the dashboard scrolls sideways on a phone ({width}px)"
