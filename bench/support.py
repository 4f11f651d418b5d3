"""What every benchmark needs: Horizon on a fresh SQLite database, fully migrated; and for
the PostgreSQL benchmarks, a fresh database, bulk rows, planner statistics and timed pages."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402
from flask import Flask  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from portal import MIGRATIONS_DIR, create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import User  # noqa: E402


@contextmanager
def migrated_app() -> Iterator[Flask]:
    """A Horizon app on a new temporary SQLite database with every migration applied."""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
                "SECRET_KEY": "bench",
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": False,
            }
        )
        with app.app_context():
            upgrade(directory=MIGRATIONS_DIR, revision="heads")
        yield app


# --- PostgreSQL benchmarks: a fresh database, bulk rows, timed pages --------------------------


def fresh_database(url: str) -> None:
    """Drop and create the benchmark's PostgreSQL database."""
    server_url, name = url.rsplit("/", 1)
    server = sa.create_engine(f"{server_url}/postgres", isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    server.dispose()


def bench_app(url: str) -> Flask:
    """Horizon on the benchmark database, with CSRF and rate limits off for the test client."""
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )


def migrate() -> None:
    """Every migration, inside the app context."""
    upgrade(directory=MIGRATIONS_DIR, revision="heads")


def insert_ids(model, rows: list[dict]) -> list[int]:
    """Bulk insert (insertmanyvalues) returning the new ids in the rows' order."""
    return list(
        db.session.scalars(sa.insert(model).returning(model.id, sort_by_parameter_order=True), rows)
    )


def insert_people(
    count: int, password_hash: str, name: Callable[[int], str] = lambda i: f"Person {i}"
) -> list[int]:
    """COUNT people person<i>@example.org in Berlin, bulk inserted; their new ids in order."""
    rows = [
        {
            "email": f"person{i}@example.org",
            "name": name(i),
            "password_hash": password_hash,
            "timezone": "Europe/Berlin",
        }
        for i in range(count)
    ]
    return insert_ids(User, rows)


def analyze() -> None:
    """Fresh planner statistics after the bulk rows."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("ANALYZE"))


def signed_in(app: Flask, email: str, password: str) -> FlaskClient:
    client = app.test_client()
    client.post("/auth/login", data={"email": email, "password": password})
    return client


def timed(
    client: FlaskClient, url: str, runs: int, headers: dict | None = None
) -> tuple[float, float, int, int]:
    """Median and worst seconds over the runs (after one warm-up), the status and the size."""
    client.get(url, headers=headers or {})
    seconds, size, status = [], 0, 0
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, headers=headers or {})
        seconds.append(time.perf_counter() - started)
        size, status = len(response.get_data()), response.status_code
    return statistics.median(seconds), max(seconds), status, size


def load_line() -> str:
    return "load average: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
