"""Backup and restore of the whole database: `flask --app portal backup` / `restore`.

PostgreSQL goes through pg_dump's custom format (-Fc: compressed, restorable table by table,
schema and data and the alembic_version row together) and pg_restore; the client tools'
major version must be >= the server's (Debian bookworm: postgresql-client-15). SQLite goes
through the online backup API (`sqlite3.Connection.backup`), which copies a consistent
snapshot while the app keeps writing (WAL), unlike copying the file.
Restore refuses a target that already has tables unless told to replace it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import URL, make_url

# pg_dump/pg_restore exit codes other than 0 are errors; their stderr says why.
PG_DUMP = os.environ.get("HORIZON_PG_DUMP", "pg_dump")
PG_RESTORE = os.environ.get("HORIZON_PG_RESTORE", "pg_restore")


class BackupError(Exception):
    """A backup or restore that could not be done, with the reason."""


def _libpq_env(url: URL) -> dict[str, str]:
    """Connection settings for the client tools, through the environment (never argv)."""
    env = dict(os.environ)
    for var, value in {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }.items():
        if value:
            env[var] = value
    for key in ("sslmode", "sslrootcert"):
        if key in url.query:
            env["PG" + key.upper()] = str(url.query[key])
    return env


def backup(database_uri: str, target: Path) -> Path:
    """Write a consistent copy of the database to `target` (a .dump or .sqlite file)."""
    url = make_url(database_uri)
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "postgresql":
        run = subprocess.run(  # noqa: S603
            [PG_DUMP, "--format=custom", "--no-owner", "--no-privileges", "--file", str(target)],
            env=_libpq_env(url),
            capture_output=True,
            text=True,
            check=False,
        )
        if run.returncode:
            raise BackupError(run.stderr.strip())
    elif url.get_backend_name() == "sqlite":
        source = sqlite3.connect(url.database)
        try:
            copy = sqlite3.connect(target)
            with copy:
                source.backup(copy, pages=1024)  # a step at a time: writers are not blocked long
            copy.close()
        finally:
            source.close()
    else:
        raise BackupError(f"No backup for {url.get_backend_name()}")
    target.chmod(0o600)  # it holds everything people wrote
    return target


def restore(database_uri: str, source: Path, *, replace: bool = False) -> None:
    """Load a backup into the database; refuses a non-empty one unless `replace`."""
    from sqlalchemy import create_engine

    url = make_url(database_uri)
    engine = create_engine(url)
    try:
        existing = inspect(engine).get_table_names()
    finally:
        engine.dispose()
    if existing and not replace:
        raise BackupError(f"The database has {len(existing)} tables; use --replace to overwrite")
    if url.get_backend_name() == "postgresql":
        args = [
            PG_RESTORE,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            "--dbname",
            url.database,
        ]
        if replace:
            args[1:1] = ["--clean", "--if-exists"]
        run = subprocess.run(  # noqa: S603
            [*args, str(source)], env=_libpq_env(url), capture_output=True, text=True, check=False
        )
        if run.returncode:
            raise BackupError(run.stderr.strip())
    elif url.get_backend_name() == "sqlite":
        target = Path(url.database)
        for suffix in ("-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
        tmp = target.with_suffix(".restoring")
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)  # atomic: nobody sees half a database
    else:
        raise BackupError(f"No restore for {url.get_backend_name()}")
