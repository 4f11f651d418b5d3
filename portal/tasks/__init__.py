"""The task queue (Huey): one place configures it from the app config.

SQLite storage in instance/ by default, Redis when REDIS_URL is set, and immediate mode
(tasks run in the caller's thread, on in-memory storage) when TASKS_IMMEDIATE is true.
Features declare their jobs with `@task(...)`; each runs inside an app context, so it uses
the same models and services as a request.
"""

from __future__ import annotations

import functools
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


def task(**options: Any) -> Callable:
    """Declare a background job; it runs in its own app context (and database session)."""

    def decorate(func: Callable) -> Callable:
        @functools.wraps(func)
        def in_app_context(*args: Any, **kwargs: Any) -> Any:
            with _task_app().app_context():
                return func(*args, **kwargs)

        return huey.task(**options)(in_app_context)

    return decorate


def periodic_task(schedule: Callable, **options: Any) -> Callable:
    """Declare a job that the worker runs on a schedule (a huey `crontab`)."""

    def decorate(func: Callable) -> Callable:
        @functools.wraps(func)
        def in_app_context(*args: Any, **kwargs: Any) -> Any:
            with _task_app().app_context():
                return func(*args, **kwargs)

        return huey.periodic_task(schedule, **options)(in_app_context)

    return decorate
