"""Leases on work a worker holds: a killed worker's job is given to another worker, once.

A worker claims a row (a background job, a data export) with one conditional UPDATE that
counts the attempt and writes its process name and a lease expiry (`JOB_LEASE_SECONDS`).
Its heartbeat thread renews the leases it holds. When a worker is killed, its lease runs out;
the sweeper (every minute, on whichever worker takes it) locks the row, checks again that the
lease ran out, and either gives the work back to the queue or, after `JOB_MAX_ATTEMPTS`
claims, fails it with a reason. Two sweepers never both requeue: the second finds the row
changed under its lock.

The attempt number is a fencing token. The work commits only while the row still carries the
attempt its worker claimed (`fence`): a worker that was thought dead and comes back cannot
commit after its job was handed to someone else, so the work happens exactly once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from huey import crontab
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models import utcnow
from portal.tasks import periodic_task


class LeaseLost(RuntimeError):
    """The row no longer carries this worker's attempt: its work must not commit."""


def lease_seconds() -> int:
    return int(current_app.config["JOB_LEASE_SECONDS"])


def max_attempts() -> int:
    return int(current_app.config["JOB_MAX_ATTEMPTS"])


def claim(model, row_id: int, status, holder: str, /, to_status=None) -> int | None:
    """Take the row if it waits in `status` and nobody holds a live lease; commit the claim.

    Returns the attempt number (the fencing token), or None when someone else has it.
    """
    now = utcnow()
    values = {
        "attempts": model.attempts + 1,
        "leased_by": holder,
        "lease_until": now + timedelta(seconds=lease_seconds()),
    }
    if to_status is not None:
        values["status"] = to_status
    taken = db.session.execute(
        update(model)
        .where(
            model.id == row_id,
            model.status == status,
            or_(model.lease_until.is_(None), model.lease_until < now),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not taken:
        db.session.rollback()
        return None
    attempt = db.session.scalar(select(model.attempts).where(model.id == row_id))
    db.session.commit()
    return attempt


def fence(model, row_id: int, held_status, attempt: int, /, **values) -> None:
    """In the work's own transaction: write `values` only if the row is still ours.

    Raises LeaseLost (the caller rolls its work back) when the sweeper gave it away.
    """
    done = db.session.execute(
        update(model)
        .where(model.id == row_id, model.status == held_status, model.attempts == attempt)
        .values(leased_by=None, lease_until=None, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        raise LeaseLost(f"{model.__tablename__} {row_id}: attempt {attempt} lost its lease")


def fence_on_commit(
    session: Session, model, row_id: int, status, attempt: int, values: Callable[[], dict]
) -> Callable[[], bool]:
    """Fence the first commit of a unit of work (the runner's own), writing `values()` in it.

    Returns a function that stops listening and tells whether that commit happened.
    """
    state = {"fenced": False}

    def before_commit(_session: Session) -> None:
        if not state["fenced"]:
            fence(model, row_id, status, attempt, **values())

    def after_commit(_session: Session) -> None:
        state["fenced"] = True

    event.listen(session, "before_commit", before_commit)
    event.listen(session, "after_commit", after_commit)

    def stop() -> bool:  # may be called more than once
        if event.contains(session, "before_commit", before_commit):
            event.remove(session, "before_commit", before_commit)
            event.remove(session, "after_commit", after_commit)
        return state["fenced"]

    return stop


@dataclass(frozen=True)
class LeasedWork:
    """A kind of leased row: where it waits while held, and what the sweeper writes."""

    model: Any
    held_status: Any
    requeue: dict[str, Any]
    fail: Callable[[int], dict[str, Any]]
    enqueue: Callable[[int], object]


_REGISTRY: list[LeasedWork] = []


def register(work: LeasedWork) -> LeasedWork:
    """Declare a kind of leased work (beside the code that does it)."""
    _REGISTRY.append(work)
    return work


def renew(holder: str) -> int:
    """The heartbeat thread's part: extend every lease this process holds; commit."""
    until = utcnow() + timedelta(seconds=lease_seconds())
    renewed = 0
    for work in _REGISTRY:
        model = work.model
        renewed += (
            db.session.execute(
                update(model)
                .where(model.leased_by == holder, model.status == work.held_status)
                .values(lease_until=until)
                .execution_options(synchronize_session=False)
            ).rowcount
            or 0
        )
    db.session.commit()
    return renewed


def expired(model, status) -> list[int]:
    """Ids of rows whose holder's lease ran out."""
    return list(
        db.session.scalars(
            select(model.id).where(
                model.status == status,
                model.lease_until.is_not(None),
                model.lease_until < utcnow(),
            )
        )
    )


def sweep_one(work: LeasedWork, row_id: int) -> str | None:
    """Under a row lock: give the row back to the queue, or fail it after too many attempts.

    Returns "requeued", "failed", or None when the row was not (or no longer) abandoned.
    """
    model, status = work.model, work.held_status
    row = db.session.execute(
        select(model.id, model.attempts)
        .where(
            model.id == row_id,
            model.status == status,
            model.lease_until.is_not(None),
            model.lease_until < utcnow(),
        )
        .with_for_update()
    ).first()
    if row is None:
        db.session.rollback()
        return None
    outcome = "failed" if row.attempts >= max_attempts() else "requeued"
    values = work.fail(row.attempts) if outcome == "failed" else work.requeue
    # Compare-and-set as well as the lock: SQLite has no row locks.
    changed = db.session.execute(
        update(model)
        .where(model.id == row_id, model.status == status, model.attempts == row.attempts)
        .values(leased_by=None, lease_until=None, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        db.session.rollback()
        return None
    db.session.commit()
    if outcome == "requeued":
        work.enqueue(row_id)
    return outcome


def stopped_reason(attempts: int) -> str:
    """Why a row was failed by the sweeper (shown to the admin or the person)."""
    return (
        f"The worker doing this stopped {attempts} times (killed or restarted), so it was not "
        "tried again. Nothing of it was saved."
    )


def sweep() -> dict[str, int]:
    """Requeue (or fail) every leased row whose worker's lease ran out."""
    figures = {"requeued": 0, "failed": 0}
    for work in _REGISTRY:
        for row_id in expired(work.model, work.held_status):
            if outcome := sweep_one(work, row_id):
                figures[outcome] += 1
    return figures


@periodic_task(crontab())
def requeue_abandoned() -> dict[str, int]:
    """Every minute: work whose worker was killed goes to another worker (or fails)."""
    return sweep()
