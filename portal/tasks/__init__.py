"""The task queue (Huey): one place configures it from the app config.

SQLite storage in instance/ by default, Redis when REDIS_URL is set, and immediate mode
(tasks run in the caller's thread, on in-memory storage) when TASKS_IMMEDIATE is true.
Features declare their jobs with `@task(...)`; each runs inside an app context, so it uses
the same models and services as a request.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context
from huey import Huey
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

huey = Huey("horizon", storage_class=MemoryStorage)
_worker_app: Flask | None = None


def init_tasks(app: Flask) -> None:
    """Point the queue at the storage this app is configured for."""
    global _worker_app
    _worker_app = app
    huey.name = app.config.get("TASK_QUEUE_NAME", "horizon")
    if app.config.get("TASKS_IMMEDIATE"):
        huey.storage_class, huey.storage_kwargs = MemoryStorage, {}
        huey._immediate = True
    elif redis_url := app.config.get("REDIS_URL"):
        huey.storage_class, huey.storage_kwargs = RedisStorage, {"url": redis_url}
        huey._immediate = False
    else:
        filename = str(Path(app.instance_path) / "huey.db")
        huey.storage_class, huey.storage_kwargs = SqliteStorage, {"filename": filename}
        huey._immediate = False
    huey.storage = huey.create_storage()
    app.extensions["huey"] = huey


def _task_app() -> Flask:
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined]
    if _worker_app is None:
        raise RuntimeError("init_tasks(app) has not run: start the worker with portal.tasks.worker")
    return _worker_app


class QueuedTask:
    """A Huey task that carries the request id of whoever queued it into the job's log lines.

    Calling it enqueues with a hidden `_request_id` keyword; the wrapper that runs on the
    worker pops it and binds it (jobs queued by the job inherit it). Everything else
    (call_local, schedule, s, revoke) is Huey's own.
    """

    def __init__(self, wrapper: Any) -> None:
        self._wrapper = wrapper
        functools.update_wrapper(self, wrapper.func)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from portal.logs import current_request_id

        kwargs.setdefault("_request_id", current_request_id())
        return self._wrapper(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._wrapper, name)


def _run_measured(name: str, func: Callable, args: tuple, kwargs: dict) -> Any:
    """Run a job in its own app context, timed and counted for the worker's metrics."""
    from portal.services.platform import counters as metrics

    started = time.perf_counter()
    try:
        with _task_app().app_context():
            return func(*args, **kwargs)
    except Exception:
        metrics.JOB_FAILURES.labels(name).inc()
        raise
    finally:
        metrics.JOB_DURATION.labels(name).observe(time.perf_counter() - started)


def task(**options: Any) -> Callable:
    """Declare a background job; it runs in its own app context (and database session)."""

    def decorate(func: Callable) -> QueuedTask:
        @functools.wraps(func)
        def in_app_context(*args: Any, _request_id: str | None = None, **kwargs: Any) -> Any:
            from portal.logs import bind_job_request_id, reset_job_request_id

            token = bind_job_request_id(_request_id)
            try:
                return _run_measured(func.__name__, func, args, kwargs)
            finally:
                reset_job_request_id(token)

        return QueuedTask(huey.task(**options)(in_app_context))

    return decorate


def periodic_task(schedule: Callable, **options: Any) -> Callable:
    """Declare a job that the worker runs on a schedule (a huey `crontab`)."""

    def decorate(func: Callable) -> Callable:
        @functools.wraps(func)
        def in_app_context(*args: Any, **kwargs: Any) -> Any:
            return _run_measured(func.__name__, func, args, kwargs)

        return huey.periodic_task(schedule, **options)(in_app_context)

    return decorate
