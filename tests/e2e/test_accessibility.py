"""Do Horizon's pages pass axe-core's WCAG 2.1 AA checks, on a desktop and on a phone?"""

import pytest

from tests.e2e.conftest import DESKTOP, PHONE, accessibility_violations, sign_in

PAGES = {
    None: ["/auth/login", "/auth/register", "/programs/", "/programs/spring-2027"],
    "mentee@example.org": [
        "/dashboard/",
        "/notifications/",
        "/auth/password",
        "/programs/spring-2027/apply",
    ],
    "mentor@example.org": ["/dashboard/"],
    "admin@example.org": [
        "/dashboard/",
        "/admin/",
        "/admin/programs",
        "/admin/programs/new",
        "/admin/programs/spring-2027/edit",
        "/admin/enrollment",
        "/admin/programs/spring-2027/import",
        "/admin/matching/spring-2027",
        "/admin/audit",
    ],
}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("who", list(PAGES), ids=lambda w: w or "anonymous")
def test_are_the_pages_accessible(live_server, new_page, who, viewport):
    page = new_page(viewport=viewport, bypass_csp=True)
    if who:
        sign_in(page, live_server, who)
    problems = {}
    for path in PAGES[who]:
        page.goto(live_server(path))
        found = accessibility_violations(page)
        if found:
            problems[path] = found
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{path} scrolls sideways ({width}px)"
    assert problems == {}
