"""Does "Propose matches" on a large cohort run on the worker, with progress for the admin?"""

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import PairingStatus
from portal.models.jobs import BackgroundJob, JobStatus
from tests.admin.test_matching_views import cohort, pairings  # noqa: F401 (the fixture)
from tests.conftest import hx_headers
from tests.factories import make_admin

large = pytest.mark.parametrize("app_config", [{"MATCHING_INLINE_LIMIT": 3}])


@large
def test_is_a_large_cohort_matched_as_a_job(client, auth, cohort):  # noqa: F811
    program, people = cohort
    auth.login(make_admin())
    response = client.post(f"/admin/matching/{program.slug}/propose", data={"mode": "best_total"})
    assert response.status_code == 303
    assert f"/admin/programs/{program.slug}/jobs/" in response.headers["Location"]
    job = db.session.scalar(select(BackgroundJob))
    assert (job.kind, job.status, job.done, job.total) == ("matching", JobStatus.done, 3, 3)
    assert job.result == {"pairs": 2, "unmatched": 0, "total_score": job.result["total_score"]}
    page = client.get(response.headers["Location"]).text
    assert "Proposal ready" in page and "Proposed <strong>2</strong> pairs" in page
    assert len(pairings(program, PairingStatus.proposed)) == 2


@large
def test_does_htmx_follow_the_job_page_with_hx_redirect(client, auth, cohort):  # noqa: F811
    program, _ = cohort
    auth.login(make_admin())
    response = client.post(
        f"/admin/matching/{program.slug}/propose",
        data={"mode": "best_total"},
        headers=hx_headers("matching-board"),
    )
    assert response.status_code == 204
    assert "/jobs/" in response.headers["HX-Redirect"]


def test_is_a_small_cohort_still_matched_at_once(client, auth, cohort):  # noqa: F811
    program, _ = cohort
    auth.login(make_admin())
    response = client.post(f"/admin/matching/{program.slug}/propose", data={"mode": "best_total"})
    assert response.headers["Location"].endswith(f"/admin/matching/{program.slug}")
    assert db.session.scalar(select(BackgroundJob)) is None
