"""Does "Propose circles" on a large cohort run on the worker, with progress for the team?"""

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Role
from portal.models.circles import Circle, CircleStatus
from portal.models.jobs import BackgroundJob, JobStatus
from portal.models.programs import ProgramFormat
from tests.conftest import hx_headers
from tests.factories import make_lead, make_participant, make_program, mentee_profile

large = pytest.mark.parametrize("app_config", [{"MATCHING_INLINE_LIMIT": 3}])


@pytest.fixture
def program():
    program = make_program(format=ProgramFormat.circles)
    for department in ("Sales", "Legal", "IT", "HR"):
        make_participant(program, Role.mentee, profile=mentee_profile(department=department))
    make_participant(program, Role.mentor)
    return program


@large
def test_a_large_cohort_is_placed_in_circles_as_a_job(client, auth, program):
    auth.login(make_lead(program))
    response = client.post(f"/admin/programs/{program.slug}/circles/propose")
    assert response.status_code == 303
    assert f"/admin/programs/{program.slug}/jobs/" in response.headers["Location"]
    job = db.session.scalar(select(BackgroundJob))
    assert (job.kind, job.status, job.done, job.total) == ("circles", JobStatus.done, 2, 2)
    proposed = db.session.scalars(
        select(Circle).where(
            Circle.program_id == program.id, Circle.status == CircleStatus.proposed
        )
    ).all()
    assert job.result["circles"] == len(proposed) >= 1
    assert job.result["placed"] == sum(len(c.stints) for c in proposed)
    page = client.get(response.headers["Location"]).text
    assert "Propose circles" in page and "Review the circles" in page
    assert f"Proposed <strong>{len(proposed)}</strong>" in page


@large
def test_htmx_follows_the_job_page(client, auth, program):
    auth.login(make_lead(program))
    response = client.post(
        f"/admin/programs/{program.slug}/circles/propose", headers=hx_headers("circles-board")
    )
    assert response.status_code == 204 and "/jobs/" in response.headers["HX-Redirect"]


def test_a_small_cohort_is_still_placed_at_once(client, auth, program):
    auth.login(make_lead(program))
    response = client.post(f"/admin/programs/{program.slug}/circles/propose")
    assert response.status_code == 303
    assert "/jobs/" not in response.headers["Location"]
    assert db.session.scalar(select(BackgroundJob)) is None
