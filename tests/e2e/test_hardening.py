"""In the browser: the sign-in limit says so, with and without JavaScript; a job's progress
updates by itself with JavaScript and by reloading without; signing out everywhere works."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Program, User
from portal.models.jobs import BackgroundJob, JobStatus
from tests.e2e.conftest import PHONE, sign_in

limited = pytest.mark.parametrize(
    "live_server",
    [{"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}],
    indirect=True,
)


@limited
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_does_the_sign_in_page_say_when_the_limit_is_hit(new_page, live_server, javascript):
    page = new_page(javascript=javascript)
    page.goto(live_server("/auth/login"))
    statuses = []
    for _ in range(11):
        page.get_by_label("E-mail").fill("mentee@example.org")
        page.get_by_label("Password").fill("not the password")
        with page.expect_response(
            lambda r: r.url.startswith(live_server("/auth/login")) and r.request.method == "POST"
        ) as answer:
            page.get_by_role("button", name="Sign in").click()
        statuses.append(answer.value.status)
        page.wait_for_load_state()
        expect(page.locator("#password-error")).to_be_visible()
    assert statuses == [422] * 10 + [429]
    expect(page.locator("#password-error")).to_contain_text("Too many attempts")
    expect(page.get_by_label("E-mail")).to_have_value("mentee@example.org")


def _running_job(app) -> tuple[str, int]:
    with app.app_context():
        program = db.session.query(Program).order_by(Program.id).first()
        admin = db.session.query(User).filter_by(email="admin@example.org").one()
        job = BackgroundJob(
            kind="csv_import",
            program_id=program.id,
            started_by_id=admin.id,
            status=JobStatus.running,
            total=2000,
        )
        db.session.add(job)
        db.session.commit()
        from portal.services.platform import jobs

        jobs.huey.storage.put_data(
            f"horizon-job-progress:{job.id}", jobs.huey.serializer.serialize(500)
        )
        return program.slug, job.id


def _finish(app, job_id: int) -> None:
    with app.app_context():
        from portal.services.platform import jobs

        job = db.session.get(BackgroundJob, job_id)
        job.status, job.done = JobStatus.done, 2000
        job.result = {"created": 1990, "updated": 10, "skipped": 0, "invited": 1990}
        db.session.commit()
        jobs.huey.storage.pop_data(f"horizon-job-progress:{job_id}")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_does_the_job_page_follow_the_progress(new_page, live_server, javascript):
    slug, job_id = _running_job(live_server.app)
    page = new_page(javascript=True)
    sign_in(page, live_server, "admin@example.org")
    if not javascript:
        cookies = page.context.cookies()
        page = new_page(javascript=False)
        page.context.add_cookies(cookies)
    page.goto(live_server(f"/admin/programs/{slug}/jobs/{job_id}"))
    expect(page.locator("#background-job")).to_contain_text("500 of 2,000 rows")
    _finish(live_server.app, job_id)
    # htmx polls every second; without JavaScript the page reloads itself every 2 seconds.
    expect(page.locator("#background-job")).to_contain_text("Import finished", timeout=8000)
    expect(page.locator("#background-job")).to_contain_text("1,990")


def test_does_sign_out_everywhere_end_the_other_browser(new_page, live_server):
    laptop, phone = new_page(), new_page(viewport=PHONE)
    sign_in(laptop, live_server, "mentee@example.org")
    sign_in(phone, live_server, "mentee@example.org")
    laptop.goto(live_server("/auth/password"))
    laptop.get_by_role("button", name="Sign out everywhere").click()
    expect(laptop).to_have_url(re.compile(r"/auth/login"))
    expect(laptop.get_by_text("You have signed out everywhere")).to_be_visible()
    phone.goto(live_server("/dashboard/"))
    expect(phone).to_have_url(re.compile(r"/auth/login"))
