"""Can a lead import 2,000 people in the background, all or none, and be told the truth?"""

from __future__ import annotations

import io

import pytest
from flask import current_app
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Membership, ProgramStatus, User
from portal.models.jobs import BackgroundJob, JobStatus
from portal.models.outbox import OutboxMessage, OutboxStatus
from portal.models.users import UNUSABLE_PASSWORD
from tests.conftest import hx_headers
from tests.factories import make_admin, make_lead, make_program, make_user

HEADER = "email,name,role,department,seniority,timezone,format,values,goals,strengths,capacity"


def rows(n: int, start: int = 0) -> list[str]:
    return [
        f"p{i}@example.org,Person {i},{'mentor' if i % 4 == 0 else 'mentee'},Dept {i % 9},"
        f"{1 + i % 6},Europe/Berlin,either,growth,leadership,coaching,{1 + i % 3}"
        for i in range(start, start + n)
    ]


def upload(client, lines: list[str], slug: str = "spring"):
    data = {"file": (io.BytesIO("\n".join(lines).encode()), "people.csv")}
    return client.post(
        f"/admin/programs/{slug}/import", data=data, content_type="multipart/form-data"
    )


@pytest.fixture
def program(app):
    return make_program(slug="spring", status=ProgramStatus.enrolling)


def members(program) -> int:
    query = select(func.count(Membership.id)).where(Membership.program_id == program.id)
    return db.session.scalar(query)


@pytest.fixture
def signed_in_admin(client, auth):
    admin = make_admin()
    auth.login(admin)
    return admin


def test_does_a_2000_row_import_complete_with_counts(client, program, signed_in_admin):
    make_user(email="p7@example.org")  # an existing account joins without a new one
    response = upload(client, [HEADER, *rows(2000)])
    assert response.status_code == 303
    assert "/admin/programs/spring/jobs/" in response.headers["Location"]
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Import finished" in page.text
    assert "1,999" in page.text and "new accounts were created" in page.text
    job = db.session.scalar(select(BackgroundJob))
    assert job.status is JobStatus.done and (job.done, job.total) == (2000, 2000)
    assert job.result["created"] == 1999 and job.result["updated"] == 1
    assert job.payload is None  # the uploaded file is not kept
    assert members(program) == 2000
    # Nobody's password was hashed: each chooses one through the invitation.
    hashed = db.session.scalar(
        select(func.count(User.id)).where(User.password_hash != UNUSABLE_PASSWORD)
    )
    assert hashed == 2  # the admin and the existing account
    sent = db.session.scalar(
        select(func.count(OutboxMessage.id)).where(OutboxMessage.status == OutboxStatus.sent)
    )
    assert sent == 1999
    assert len(current_app.extensions["mailman"].outbox) == 1999


def test_is_a_re_upload_skipped_row_by_row(client, program, signed_in_admin):
    upload(client, [HEADER, *rows(5)])
    response = upload(client, [HEADER, *rows(8)])
    client.get(response.headers["Location"])
    job = db.session.scalars(select(BackgroundJob).order_by(BackgroundJob.id.desc())).first()
    assert job.result["created"] == 3 and job.result["skipped"] == 5
    assert members(program) == 8


def test_is_a_cell_beyond_the_csv_field_limit_reported_by_line(client, program, signed_in_admin):
    long_name = "x" * 200_000
    lines = [HEADER, *rows(2), f"long@example.org,{long_name},mentee,,,,,,,,"]
    response = upload(client, lines)
    assert response.status_code == 422
    assert "Line 4" in response.text and "a cell is longer than 131,072 characters" in response.text
    assert members(program) == 0


def test_is_a_nul_byte_in_the_file_reported_by_line(client, program, signed_in_admin):
    response = upload(client, [HEADER, *rows(1), "nul@example.org,Nul\x00Name,mentee,,,,,,,,"])
    assert response.status_code == 422
    assert "Line 3" in response.text
    assert members(program) == 0


def test_is_an_over_long_email_a_line_error(client, program, signed_in_admin):
    response = upload(client, [HEADER, f"{'a' * 300}@example.org,Long,mentee,,,,,,,,"])
    assert response.status_code == 422 and "Line 2" in response.text


def test_may_a_csv_be_larger_than_a_form_but_not_than_its_own_limit(
    app, client, program, signed_in_admin
):
    app.config["CSV_MAX_BYTES"] = 3 * 1024 * 1024
    padding = ",".join([""] * 10)
    big = [HEADER, *rows(1)] + [padding] * 0
    text = "\n".join(big) + "\n" + " " * (2 * 1024 * 1024 + 10)
    data = {"file": (io.BytesIO(text.encode()), "people.csv")}
    ok = client.post("/admin/programs/spring/import", data=data, content_type="multipart/form-data")
    assert ok.status_code in (303, 422)  # accepted and read, not refused for its size
    too_big = " " * (3 * 1024 * 1024 + 10)
    data = {"file": (io.BytesIO(too_big.encode()), "people.csv")}
    response = client.post(
        "/admin/programs/spring/import", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 413 and "too large" in response.text


@pytest.mark.parametrize(
    "app_config", [{"MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 1}]
)
def test_does_a_mail_server_outage_leave_the_import_saved_and_say_so(
    client, program, signed_in_admin
):
    response = upload(client, [HEADER, *rows(3)])
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and "Import finished" in page.text
    assert members(program) == 3
    messages = db.session.scalars(select(OutboxMessage)).all()
    assert len(messages) == 3
    assert all(m.status is OutboxStatus.pending and m.attempts == 1 for m in messages)
    assert all("ConnectionRefusedError" in m.last_error for m in messages)


def test_does_the_job_page_poll_while_running_and_reload_without_js(
    client, program, signed_in_admin
):
    job = BackgroundJob(
        kind="csv_import",
        program_id=program.id,
        started_by_id=signed_in_admin.id,
        status=JobStatus.running,
        total=2000,
    )
    db.session.add(job)
    db.session.commit()
    from portal.services.platform import jobs

    jobs.huey.storage.put_data(
        f"horizon-job-progress:{job.id}", jobs.huey.serializer.serialize(750)
    )
    url = f"/admin/programs/spring/jobs/{job.id}"
    page = client.get(url).text
    assert 'value="750"' in page and "750 of 2,000 rows" in page
    assert 'data-hx-trigger="every 1s"' in page
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    fragment = client.get(url, headers=hx_headers("background-job")).text
    assert fragment.lstrip().startswith('<section class="card stack" id="background-job"')
    jobs.huey.storage.pop_data(f"horizon-job-progress:{job.id}")


def test_is_a_job_of_another_programme_or_for_a_non_admin_a_404(client, auth, program):
    other = make_program(slug="other")
    admin = make_admin()
    job = BackgroundJob(kind="csv_import", program_id=other.id, started_by_id=admin.id)
    db.session.add(job)
    db.session.commit()
    auth.login(admin)
    assert client.get(f"/admin/programs/spring/jobs/{job.id}").status_code == 404
    assert client.get(f"/admin/programs/other/jobs/{job.id}").status_code == 200
    auth.logout()
    auth.login(make_user())
    assert client.get(f"/admin/programs/other/jobs/{job.id}").status_code == 404


def test_may_a_lead_follow_the_jobs_of_the_programme_they_lead_and_no_other(client, auth, program):
    """A co-lead's import or matching run redirects to its job page: it must open for them."""
    other = make_program(slug="other")
    admin = make_admin()
    lead = make_lead(program)
    mine = BackgroundJob(kind="csv_import", program_id=program.id, started_by_id=lead.id)
    theirs = BackgroundJob(kind="csv_import", program_id=other.id, started_by_id=admin.id)
    db.session.add_all([mine, theirs])
    db.session.commit()
    auth.login(lead)
    assert client.get(f"/admin/programs/spring/jobs/{mine.id}").status_code == 200
    assert client.get(f"/admin/programs/other/jobs/{theirs.id}").status_code == 404
    assert client.get(f"/admin/programs/spring/jobs/{theirs.id}").status_code == 404
