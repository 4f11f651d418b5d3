"""Worker heartbeat: which consumers are alive, the last periodic run, queue length, failures.

Each consumer process upserts its own row every HEARTBEAT_SECONDS from one daemon thread,
started by `huey.on_startup` (which runs once per worker thread: a lock makes it once per
process). The `heartbeat` periodic task, run by whichever consumer takes it, records the last
periodic run. `status()` is what the admin's Workers page and /metrics read.
"""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from huey import crontab
from sqlalchemy import delete, func, select

from portal.extensions import db
from portal.models import utcnow
from portal.models.jobs import BackgroundJob, JobStatus
from portal.models.platform import PlatformState, WorkerHeartbeat
from portal.services.platform import leases
from portal.tasks import _task_app, huey, periodic_task


def process_name() -> str:
    """This consumer process, read when beating (a forked worker has its own pid)."""
    return f"{socket.gethostname()}:{os.getpid()}"


_lock = threading.Lock()
_thread: threading.Thread | None = None


def _upsert(model, key: dict, values: dict, on_insert: dict | None = None) -> None:
    """INSERT .. ON CONFLICT DO UPDATE: one statement, on both databases."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(model).values(**key, **values, **(on_insert or {}))
    db.session.execute(stmt.on_conflict_do_update(index_elements=list(key), set_=values))


def beat() -> None:
    """Say this process is alive, and renew the leases of the jobs it holds."""
    now = utcnow()
    _upsert(
        WorkerHeartbeat, {"name": process_name()}, {"seen_at": now}, on_insert={"started_at": now}
    )
    db.session.commit()
    leases.renew(process_name())


def seconds() -> int:
    return int(current_app.config["HEARTBEAT_SECONDS"])


@huey.on_startup()
def _start_beating() -> None:
    global _thread
    if huey.immediate:
        return
    with _lock:
        if _thread is not None:
            return
        app = _task_app()

        def loop() -> None:
            stop = threading.Event()
            while True:
                with app.app_context():
                    try:
                        beat()
                    except Exception:  # a database blip: beat again next time
                        app.logger.exception("worker heartbeat failed")
                        db.session.rollback()
                    wait = seconds()
                if stop.wait(wait):
                    return

        _thread = threading.Thread(target=loop, name="horizon-heartbeat", daemon=True)
        _thread.start()
        if port := app.config.get("WORKER_METRICS_PORT"):
            # Job durations and failures are counted in this process: its own scrape target.
            from prometheus_client import start_http_server

            start_http_server(int(port), addr="127.0.0.1")


@periodic_task(crontab())
def heartbeat() -> None:
    """Every minute: record that periodic jobs run, forget workers gone for a day."""
    now = utcnow()
    _upsert(PlatformState, {"key": "last_periodic_run"}, {"value_at": now})
    db.session.execute(
        delete(WorkerHeartbeat).where(WorkerHeartbeat.seen_at < now - timedelta(days=1))
    )
    db.session.commit()


@dataclass
class WorkerStatus:
    alive: list[str]
    stopped: list[str]
    last_periodic_run: datetime | None
    queue_length: int
    failed_jobs: int


def failed_jobs() -> int:
    """Background jobs (imports, matching runs) that failed in the last 7 days."""
    return (
        db.session.scalar(
            select(func.count()).where(
                BackgroundJob.status == JobStatus.failed,
                BackgroundJob.finished_at > utcnow() - timedelta(days=7),
            )
        )
        or 0
    )


def status(queue: bool = True) -> WorkerStatus:
    """Who beats (alive: seen within three beats), the last periodic run, queue, failures."""
    now, limit = utcnow(), timedelta(seconds=3 * seconds())
    rows = db.session.execute(
        select(WorkerHeartbeat.name, WorkerHeartbeat.seen_at).order_by(WorkerHeartbeat.name)
    ).all()
    last = db.session.scalar(
        select(PlatformState.value_at).where(PlatformState.key == "last_periodic_run")
    )
    return WorkerStatus(
        alive=[n for n, seen in rows if now - seen < limit],
        stopped=[n for n, seen in rows if now - seen >= limit],
        last_periodic_run=last,
        queue_length=huey.pending_count() if queue else 0,
        failed_jobs=failed_jobs(),
    )
