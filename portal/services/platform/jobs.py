"""Background jobs with progress: a record an admin can watch while the worker does the work.

A job's row holds its kind, programme, status, counts and result. Live progress is written
to the task queue's own key-value store, not to the database: the job's work runs in one
database transaction (all or none), which nobody else can see until it commits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update

from portal.extensions import db
from portal.models import Program, User, utcnow
from portal.models.jobs import BackgroundJob, JobStatus
from portal.services.platform import leases
from portal.services.platform.heartbeat import process_name
from portal.tasks import huey, task

_RUNNERS: dict[str, Callable[[BackgroundJob, Callable[[int], None]], dict[str, Any]]] = {}


def runner(kind: str):
    """Register the function that does a kind of job: `(job, report) -> result summary`."""

    def register(func):
        _RUNNERS[kind] = func
        return func

    return register


def start(kind: str, program: Program | None, actor: User, total: int, payload: str | None = None):
    """Record a job and hand it to the worker; returns the job (committed)."""
    job = BackgroundJob(
        kind=kind,
        program_id=program.id if program else None,
        started_by_id=actor.id,
        total=total,
        payload=payload,
    )
    db.session.add(job)
    db.session.commit()
    job_id = job.id
    try:
        run_job(job_id)
    except Exception as error:  # the queue is unreachable: say so on the job's page
        job.status, job.error = JobStatus.failed, f"The task queue is unreachable: {error}"[:500]
        job.payload, job.finished_at = None, utcnow()
        db.session.commit()
    db.session.expire_all()  # in immediate mode the job ran meanwhile, in its own session
    return db.session.get(BackgroundJob, job_id)


def _progress_key(job_id: int) -> str:
    return f"horizon-job-progress:{job_id}"


def progress(job: BackgroundJob) -> int:
    """Rows (or steps) done so far: live while running, final once finished."""
    if job.status is JobStatus.running:
        live = huey.storage.peek_data(_progress_key(job.id))
        if live is not None and live is not huey.storage.__class__:
            try:
                return int(huey.serializer.deserialize(live))
            except (TypeError, ValueError):
                return 0
        return 0
    return job.done


@task(retries=0)
def run_job(job_id: int) -> str:
    """Run one job under a lease: claim it, do the work, record the result or the failure.

    The runner's own commit also marks the job done, and only while this worker still holds
    the attempt it claimed (leases.fence): a job requeued because this worker was thought
    dead is never saved twice.
    """
    attempt = leases.claim(
        BackgroundJob, job_id, JobStatus.queued, process_name(), to_status=JobStatus.running
    )
    if attempt is None:
        return "skipped"
    job = db.session.get(BackgroundJob, job_id)

    def report(done: int) -> None:
        huey.storage.put_data(_progress_key(job_id), huey.serializer.serialize(done))

    def finished() -> dict[str, Any]:
        done = {"done": BackgroundJob.total, "payload": None, "finished_at": utcnow()}
        return {"status": JobStatus.done, **done}

    stop = leases.fence_on_commit(
        db.session(), BackgroundJob, job_id, JobStatus.running, attempt, finished
    )
    try:
        result = _RUNNERS[job.kind](job, report)
    except leases.LeaseLost:  # requeued meanwhile: the other attempt owns the job
        db.session.rollback()
        return "lost"
    except Exception as error:  # the work rolled back as a whole: say so, keep nothing
        db.session.rollback()
        _finish(job_id, attempt, stop(), status=JobStatus.failed, error=_error(error))
        raise
    finally:
        stop()  # never leave the fence on a session that lives on (an inline job's request)
        huey.storage.pop_data(_progress_key(job_id))
    status = JobStatus.failed if result.get("errors") else JobStatus.done
    _finish(job_id, attempt, stop(), status=status, result=result)
    return status.value


def _error(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:500]


def _finish(job_id: int, attempt: int, committed: bool, **values: Any) -> None:
    """Record the outcome; the fence holds unless the runner's commit already marked it."""
    values.setdefault("result", {})
    values["done"] = (
        select(BackgroundJob.total).where(BackgroundJob.id == job_id).scalar_subquery()
        if values["status"] is JobStatus.done
        else 0
    )
    if committed:  # the work is saved and the job marked done: add the summary
        db.session.execute(
            update(BackgroundJob)
            .where(BackgroundJob.id == job_id, BackgroundJob.attempts == attempt)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    else:
        try:
            leases.fence(
                BackgroundJob,
                job_id,
                JobStatus.running,
                attempt,
                payload=None,
                finished_at=utcnow(),
                **values,
            )
        except leases.LeaseLost:
            db.session.rollback()
            return
    db.session.commit()
    db.session.expire_all()


leases.register(
    leases.LeasedWork(
        model=BackgroundJob,
        held_status=JobStatus.running,
        requeue={"status": JobStatus.queued},
        fail=lambda attempts: {
            "status": JobStatus.failed,
            "error": leases.stopped_reason(attempts),
            "payload": None,
            "finished_at": utcnow(),
        },
        enqueue=run_job,
    )
)


def job_for(program: Program, job_id: int) -> BackgroundJob | None:
    """A job of this programme, or None."""
    return db.session.scalar(
        select(BackgroundJob).where(
            BackgroundJob.id == job_id, BackgroundJob.program_id == program.id
        )
    )


def latest(program: Program, kind: str) -> BackgroundJob | None:
    """The programme's newest job of this kind."""
    return db.session.scalar(
        select(BackgroundJob)
        .where(BackgroundJob.program_id == program.id, BackgroundJob.kind == kind)
        .order_by(BackgroundJob.id.desc())
        .limit(1)
    )
