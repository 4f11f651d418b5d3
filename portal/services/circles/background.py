"""Propose circles on the worker for cohorts too large to place inside a web request, as
pair matching does (`services/matching/background`, docs/circles.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from portal.extensions import db
from portal.models import Program, User
from portal.services.circles.formation import propose_for_cohort
from portal.services.matching.background import cohort_size, runs_in_background
from portal.services.platform import jobs

__all__ = ["cohort_size", "runs_in_background", "start"]

KIND = "circles"
# Steps a run reports: started, cohort placed and saved.
STEPS = 2


def start(program: Program, actor: User):
    """Queue a run; its proposal replaces the programme's proposed circles when it finishes."""
    return jobs.start(KIND, program, actor, total=STEPS)


@jobs.runner(KIND)
def _run(job, report: Callable[[int], None]) -> dict[str, Any]:
    program = db.session.get(Program, job.program_id)
    actor = db.session.get(User, job.started_by_id) if job.started_by_id else None
    report(1)
    proposal = propose_for_cohort(program, actor)  # its commit also marks the job done
    return {
        "circles": len(proposal.circles),
        "placed": proposal.solution.placed,
        "unplaced": len(proposal.unplaced),
    }
