"""Is a job whose worker was killed finished by another worker, exactly once? (job leases)

The sweeper and the fence are tested inline; one test kills a real Huey consumer in the middle
of a CSV import (tests/worker/held_worker.py holds the import's transaction open), starts
another, and checks that the import is saved once, on both databases.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select, update

from portal.extensions import db
from portal.models import Membership, ProgramStatus, User, utcnow
from portal.models.data_rights import DataExport, ExportStatus
from portal.models.enrollment import AuditEvent
from portal.models.jobs import BackgroundJob, JobStatus
from portal.models.outbox import OutboxMessage
from portal.services.accounts import data_rights
from portal.services.platform import jobs, leases
from portal.services.programmes.enrollment import start_import
from tests.factories import make_admin, make_program, make_user
from tests.programmes.test_large_import import HEADER, rows
from tests.worker.waiting import wait_for

REDIS_URL = os.environ.get("HORIZON_TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


@jobs.runner("test_lease_marker")
def _write_a_marker(job, report):
    """A job whose work is one audit row: saved once or not at all."""
    admin = db.session.get(User, job.started_by_id)
    from portal.services.platform import audit

    audit.record(admin, "test.lease_marker", f"marker of job {job.id}")
    db.session.commit()
    return {"markers": 1}


def _markers(job_id: int) -> int:
    return db.session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "test.lease_marker",
            AuditEvent.summary == f"marker of job {job_id}",
        )
    )


def _queued_job(admin: User) -> BackgroundJob:
    """A marker job the admin started, waiting in the queue."""
    job = BackgroundJob(kind="test_lease_marker", started_by_id=admin.id, total=1)
    db.session.add(job)
    db.session.commit()
    return job


def _running_job(admin: User) -> tuple[BackgroundJob, int]:
    """A marker job this worker ("me:1") claimed, with the attempt its fence carries."""
    job = _queued_job(admin)
    attempt = leases.claim(
        BackgroundJob, job.id, JobStatus.queued, "me:1", to_status=JobStatus.running
    )
    return job, attempt


def _abandoned_job(admin, attempts: int = 1, ago: int = 60) -> BackgroundJob:
    """A job as a killed worker leaves it: running, its lease run out."""
    job = BackgroundJob(
        kind="test_lease_marker",
        started_by_id=admin.id,
        total=1,
        status=JobStatus.running,
        attempts=attempts,
        leased_by="gone-host:1234",
        lease_until=utcnow() - timedelta(seconds=ago),
    )
    db.session.add(job)
    db.session.commit()
    return job


def _reload(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def test_is_an_abandoned_job_requeued_and_finished_once(app):
    job = _abandoned_job(make_admin())
    assert leases.sweep() == {"requeued": 1, "failed": 0}
    job = _reload(BackgroundJob, job.id)
    # The immediate queue ran it at once, on a second attempt.
    assert (job.status, job.attempts, job.leased_by) == (JobStatus.done, 2, None)
    assert job.result == {"markers": 1} and _markers(job.id) == 1
    assert leases.sweep() == {"requeued": 0, "failed": 0}
    assert _markers(job.id) == 1


def test_is_a_job_with_a_live_lease_left_alone(app):
    job = _abandoned_job(make_admin(), ago=-60)  # lease still runs for a minute
    assert leases.sweep() == {"requeued": 0, "failed": 0}
    assert _reload(BackgroundJob, job.id).status is JobStatus.running


def test_is_a_job_failed_with_the_reason_after_the_last_attempt(app):
    app.config["JOB_MAX_ATTEMPTS"] = 3
    job = _abandoned_job(make_admin(), attempts=3)
    job.payload = "email,name\n"
    db.session.commit()
    assert leases.sweep() == {"requeued": 0, "failed": 1}
    job = _reload(BackgroundJob, job.id)
    assert job.status is JobStatus.failed and job.finished_at is not None
    assert "stopped 3 times" in job.error and job.payload is None
    assert _markers(job.id) == 0


def test_does_a_second_sweep_of_the_same_row_do_nothing(app):
    """Two workers sweeping: the second finds the row changed under its lock."""
    job = _abandoned_job(make_admin())
    work = next(w for w in leases._REGISTRY if w.model is BackgroundJob)
    queued: list[int] = []
    later = leases.LeasedWork(
        BackgroundJob, JobStatus.running, {"status": JobStatus.queued}, work.fail, queued.append
    )
    assert leases.sweep_one(later, job.id) == "requeued"
    assert leases.sweep_one(later, job.id) is None
    assert queued == [job.id]
    assert _reload(BackgroundJob, job.id).status is JobStatus.queued


def test_does_a_worker_that_lost_its_lease_save_nothing(app):
    """The fence: a worker thought dead comes back after its job was handed on."""
    admin = make_admin()
    job, attempt = _running_job(admin)
    # Meanwhile the sweeper gave the job to another worker, which claimed it again.
    with db.engine.begin() as other:
        other.execute(
            update(BackgroundJob)
            .where(BackgroundJob.id == job.id)
            .values(attempts=BackgroundJob.attempts + 1, leased_by="other:2")
        )
    stop = leases.fence_on_commit(
        db.session(), BackgroundJob, job.id, JobStatus.running, attempt, lambda: {}
    )
    from portal.services.platform import audit

    audit.record(admin, "test.lease_marker", f"marker of job {job.id}")
    with pytest.raises(leases.LeaseLost):
        db.session.commit()
    db.session.rollback()
    assert stop() is False
    assert _markers(job.id) == 0


def test_is_a_second_delivery_of_the_same_job_skipped(app):
    job = _queued_job(make_admin())
    assert jobs.run_job.call_local(job.id) == "done"
    assert jobs.run_job.call_local(job.id) == "skipped"
    assert _markers(job.id) == 1 and _reload(BackgroundJob, job.id).attempts == 1


def test_is_an_abandoned_export_built_by_another_worker(app):
    person = make_user(email="lena@example.org")
    export = DataExport(
        user_id=person.id,
        attempts=1,
        leased_by="gone-host:1234",
        lease_until=utcnow() - timedelta(minutes=5),
    )
    db.session.add(export)
    db.session.commit()
    assert leases.sweep() == {"requeued": 1, "failed": 0}
    export = _reload(DataExport, export.id)
    assert (export.status, export.attempts, export.leased_by) == (ExportStatus.ready, 2, None)
    mails = select(func.count(OutboxMessage.id)).where(
        OutboxMessage.key == f"data-export:{export.id}"
    )
    assert db.session.scalar(mails) == 1


def test_is_an_export_failed_after_the_last_attempt_and_a_new_one_allowed(app):
    person = make_user(email="lena@example.org")
    export = DataExport(
        user_id=person.id, attempts=3, leased_by="x:1", lease_until=utcnow() - timedelta(hours=1)
    )
    db.session.add(export)
    db.session.commit()
    assert leases.sweep()["failed"] == 1
    export = _reload(DataExport, export.id)
    assert export.status is ExportStatus.failed and "stopped 3 times" in export.error
    assert data_rights.request_export(person).id != export.id  # not blocked by the dead one


def test_does_the_heartbeat_renew_only_this_workers_leases(app):
    admin = make_admin()
    mine = _abandoned_job(admin, ago=-5)
    mine.leased_by = "me:1"
    theirs = _abandoned_job(admin, ago=-5)
    db.session.commit()
    before = theirs.lease_until
    assert leases.renew("me:1") == 1
    assert _reload(BackgroundJob, mine.id).lease_until > utcnow() + timedelta(seconds=100)
    assert _reload(BackgroundJob, theirs.id).lease_until == before


# --- a real worker, killed in the middle of an import -------------------------------------


def _consumer(database_url: str, queue: str, hold_file: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "HORIZON_TASK_QUEUE": queue,
        "HORIZON_HEARTBEAT_SECONDS": "1",
        "HORIZON_JOB_LEASE_SECONDS": "3",
        "HORIZON_TEST_HOLD_FILE": str(hold_file),
        "SECRET_KEY": "test-secret",
    }
    return subprocess.Popen(  # noqa: S603
        [str(Path(sys.executable).parent / "huey_consumer"), "tests.worker.held_worker.huey"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_is_an_import_held_by_a_killed_worker_finished_once_by_another(database_url, tmp_path):
    from portal.tasks import init_tasks
    from tests.conftest import make_test_app

    redis.Redis.from_url(REDIS_URL).ping()
    queue = f"horizon-test-{uuid.uuid4().hex[:12]}"
    app = make_test_app(
        database_url, TASKS_IMMEDIATE=False, REDIS_URL=REDIS_URL, TASK_QUEUE_NAME=queue
    )
    hold_file = tmp_path / "held"
    workers: list[subprocess.Popen] = []
    try:
        with app.app_context():
            _kill_a_worker_mid_import(app, database_url, queue, hold_file, workers)
            db.session.remove()
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(10)
        redis.Redis.from_url(REDIS_URL).delete(*[f"huey.redis.{queue}", f"huey.schedule.{queue}"])
        init_tasks(make_test_app(database_url))  # back to inline tasks for the next test


def _kill_a_worker_mid_import(app, database_url, queue, hold_file, workers):
    program = make_program(slug="spring", status=ProgramStatus.enrolling)
    lead = make_admin()
    people = rows(1200)
    _, job = start_import(program, "\n".join([HEADER, *people]), lead)
    assert job.status is JobStatus.queued

    first = _consumer(database_url, queue, hold_file)
    workers.append(first)
    assert wait_for(hold_file.exists), "the first worker never started the import"
    os.kill(first.pid, signal.SIGKILL)  # mid-transaction: 500 accounts written, not committed
    first.wait(10)
    db.session.expire_all()
    held = db.session.get(BackgroundJob, job.id)
    assert (held.status, held.attempts) == (JobStatus.running, 1)
    assert held.leased_by.endswith(f":{first.pid}")

    workers.append(_consumer(database_url, queue, hold_file))
    # Nothing happens while the dead worker's lease runs (3 s, no longer renewed).
    assert leases.sweep() == {"requeued": 0, "failed": 0}

    def swept() -> bool:
        # The test's sweep or the worker's own (every minute, on the minute) gives the job away;
        # whichever does, the dead worker no longer holds it, and attempts == 2 below proves once.
        db.session.rollback()
        leases.sweep()
        db.session.expire_all()
        holder = db.session.get(BackgroundJob, job.id).leased_by or ""
        return not holder.endswith(f":{first.pid}")

    assert wait_for(swept, 20), "the lease never ran out"

    def finished() -> bool:  # the import's commit marks it done; its summary follows
        db.session.expire_all()
        return bool(db.session.get(BackgroundJob, job.id).result)

    assert wait_for(finished, 90), "the second worker did not finish the import"
    job = db.session.get(BackgroundJob, job.id)
    assert (job.status, job.attempts, job.done) == (JobStatus.done, 2, 1200)
    assert job.result["created"] == 1200
    members = select(func.count(Membership.id)).where(Membership.program_id == program.id)
    assert db.session.scalar(members) == 1200
    accounts = select(func.count(User.id)).where(User.email.like("p%@example.org"))
    assert db.session.scalar(accounts) == 1200
    imported = select(func.count(AuditEvent.id)).where(AuditEvent.action == "enrollment.imported")
    assert db.session.scalar(imported) == 1
    assert leases.sweep() == {"requeued": 0, "failed": 0}


def test_does_a_lost_job_leave_no_fence_on_the_session(app):
    """An inline job runs in the caller's session: after it, commits are the caller's own."""
    admin = make_admin()
    job, attempt = _running_job(admin)
    stop = leases.fence_on_commit(
        db.session(), BackgroundJob, job.id, JobStatus.running, attempt, lambda: {}
    )
    assert stop() is False and stop() is False  # twice is harmless
    db.session.execute(update(BackgroundJob).where(BackgroundJob.id == job.id).values(attempts=9))
    db.session.commit()  # no LeaseLost: the fence is gone
    assert _reload(BackgroundJob, job.id).attempts == 9
