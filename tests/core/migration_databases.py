"""Empty databases for the migration tests, on SQLite and PostgreSQL (one copy of the set-up).

tests/core/test_migrations.py, test_migration_audiences.py and test_upgrade_with_data.py take
the `empty_database` fixture (tests/core/conftest.py): a new SQLite file, then a brand-new
PostgreSQL database that is dropped afterwards (PostgreSQL must be running). `migration_app`
is the bare app the migrations run in.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from portal import create_app

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


@contextmanager
def empty_postgres_database(prefix: str = "horizon_migrations") -> Iterator[str]:
    """A brand-new PostgreSQL database, dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    server = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with server.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@contextmanager
def empty_database(dialect: str, folder: Path) -> Iterator[str]:
    """The URL of an empty database of this dialect ("sqlite" or "postgresql")."""
    if dialect == "sqlite":
        yield f"sqlite:///{folder / 'empty.db'}"
    else:
        with empty_postgres_database() as url:
            yield url


def migration_app(url: str) -> Flask:
    """The app the migrations run in: this database, nothing else."""
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "m", "TESTING": True})
