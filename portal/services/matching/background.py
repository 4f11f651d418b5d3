"""Propose matches on the worker, for cohorts too large to solve inside a web request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Membership, Program, User
from portal.services.matching.proposals import propose, save_proposal
from portal.services.matching.solver import Mode
from portal.services.platform import jobs

# Steps a run reports: cohort loaded and scored, solved, saved.
STEPS = 3


def cohort_size(program: Program) -> int:
    """How many active participants a run would consider."""
    return db.session.scalar(
        select(func.count(Membership.id)).where(Membership.active_in(program.id))
    )


def runs_in_background(program: Program) -> bool:
    """Large cohorts are matched by the worker; small ones answer at once."""
    return cohort_size(program) > current_app.config["MATCHING_INLINE_LIMIT"]


def start(program: Program, mode: Mode | None, actor: User):
    """Queue a run; the proposal replaces the programme's proposed pairs when it finishes."""
    return jobs.start("matching", program, actor, total=STEPS, payload=mode.value if mode else "")


@jobs.runner("matching")
def _run(job, report: Callable[[int], None]) -> dict[str, Any]:
    program = db.session.get(Program, job.program_id)
    actor = db.session.get(User, job.started_by_id) if job.started_by_id else None
    mode = Mode(job.payload) if job.payload else None
    report(1)
    proposal = propose(program, mode)
    report(2)
    save_proposal(program, proposal, actor)
    return {
        "pairs": len(proposal.pairs),
        "unmatched": len(proposal.unmatched),
        "total_score": round(proposal.total),
    }
