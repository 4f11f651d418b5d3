"""An admin finds an at-risk pair, opens it, nudges both partners and prints the report."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Notification
from tests.e2e.conftest import PHONE, sign_in


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_an_admin_finds_an_at_risk_pair_nudges_it_and_prints_the_report(
    live_server, new_page, javascript, tmp_path: Path
):
    page = new_page(javascript=javascript)
    sign_in(page, live_server, "admin@example.org")
    page.goto(live_server("/admin/programs"))
    page.locator("a[href='/admin/programs/leadership-2026/pairs']").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Pair health")

    page.get_by_role("link", name="At risk: 1").click()
    expect(page.locator("#pair-list h2")).to_have_text("1 pair")
    row = page.locator("#pair-list tbody tr")
    expect(row).to_contain_text("no meeting for 75 days; cadence monthly")
    row.get_by_role("link").first.click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("with")
    expect(page.locator(".health--at_risk").first).to_be_visible()
    page.get_by_role("button", name="Nudge both").click()
    expect(page.get_by_text("Nudged", exact=False).first).to_be_visible()
    page.reload()
    expect(page.locator(".timeline")).to_contain_text("Nudged by the programme team")
    with live_server.app.app_context():
        nudged = db.session.scalars(select(Notification).where(Notification.kind == "nudge"))
        assert len(list(nudged)) == 2

    page.get_by_role("link", name="Analytics").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Analytics")
    expect(page.locator("#figure-funnel table")).to_contain_text("Matched")
    if javascript:
        page.evaluate("window.print = () => { window.__printed = true; }")
        page.get_by_role("button", name="Print the report").click()
        assert page.evaluate("window.__printed === true")
    page.emulate_media(media="print")
    expect(page.locator(".admin-nav").first).to_be_hidden()
    expect(page.locator("#figure-engagement img")).to_be_visible()
    if javascript:
        page.pdf(path=str(tmp_path / "report.pdf"))
        assert (tmp_path / "report.pdf").stat().st_size > 10_000


def test_the_pair_list_filters_by_keyboard_on_a_phone(live_server, new_page):
    page = new_page(viewport=PHONE)
    sign_in(page, live_server, "admin@example.org")
    page.goto(live_server("/admin/programs/leadership-2026/pairs"))
    page.locator("#pair-q").focus()
    page.keyboard.type("Gus")
    expect(page.locator("#pair-list h2")).to_have_text("1 pair")
    # The search is a real GET form: its URL is pushed and reloads to the same list.
    expect(page).to_have_url(re.compile(r"/admin/programs/leadership-2026/pairs\?q=Gus&"))
    expect(page.locator("#pair-list")).to_contain_text("Needs a check-in")
