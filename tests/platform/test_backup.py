"""Does a backup restore into an empty database with every count and page the same?

`flask backup` / `flask restore` on both databases: PostgreSQL through pg_dump/pg_restore,
SQLite through its online backup API. The seeded demo is backed up, restored into a brand-new
database, and a second app on the copy must show the same row count in every table and the
same pages to the mentee, the mentor and the admin.
"""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portal import MIGRATIONS_DIR, create_app
from portal.extensions import db

pytestmark = pytest.mark.pure  # own databases, made and dropped here

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PAGES = {
    "mentee@example.org": ["/dashboard/", "/journal/", "/practice/", "/profile/"],
    "mentor@example.org": ["/dashboard/", "/journal/", "/pairings/"],
    "admin@example.org": ["/dashboard/", "/admin/", "/admin/enrollment", "/admin/audit"],
}
VOLATILE = [
    (re.compile(r'name="csrf_token" value="[^"]+"'), "csrf"),
    (
        re.compile(r'content="[^"]{40,}" name="csrf-token"|name="csrf-token" content="[^"]+"'),
        "csrf",
    ),
    (re.compile(r'"X-CSRFToken": "[^"]+"'), "csrf"),
    (re.compile(r'nonce="[^"]+"'), "nonce"),
]


def _app(url: str, tmp_path):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "backup-test",
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "TASKS_IMMEDIATE": True,
            "MAIL_BACKEND": "locmem",
            "PASSWORD_HASH_PROFILE": "cheapest",
        }
    )


def _counts(app) -> dict[str, int]:
    with app.app_context():
        tables = sa.inspect(db.engine).get_table_names()
        with db.engine.connect() as connection:
            counts = {t: connection.scalar(sa.text(f'SELECT count(*) FROM "{t}"')) for t in tables}
        db.engine.dispose()
    return counts


def _pages(app) -> dict[tuple[str, str], str]:
    """What each demo person sees (signing in adds a session row: counted before this)."""
    pages = {}
    for email, urls in PAGES.items():
        client = app.test_client()
        response = client.post("/auth/login", data={"email": email, "password": "horizon-demo"})
        assert response.status_code == 303, email
        for url in urls:
            html = client.get(url).text
            for pattern, replacement in VOLATILE:
                html = pattern.sub(replacement, html)
            pages[email, url] = html
    with app.app_context():
        db.engine.dispose()
    return pages


def _round_trip(source_url: str, empty_url: str, tmp_path) -> None:
    source = _app(source_url, tmp_path)
    with source.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="heads")
        from portal.demo.seed import seed_demo

        seed_demo()
        db.engine.dispose()
    counts = _counts(source)
    assert sum(counts.values()) > 1000

    dump = tmp_path / "horizon.backup"
    result = source.test_cli_runner().invoke(args=["backup", str(dump)])
    assert result.exit_code == 0, result.output
    assert dump.stat().st_mode & 0o077 == 0  # only the owner may read it
    pages = _pages(source)

    target = _app(empty_url, tmp_path)
    result = target.test_cli_runner().invoke(args=["restore", str(dump)])
    assert result.exit_code == 0, result.output
    assert _counts(target) == counts
    restored = _pages(target)
    assert [key for key in pages if pages[key] != restored[key]] == []

    # A database that already has tables is refused unless --replace.
    again = target.test_cli_runner().invoke(args=["restore", str(dump)])
    assert again.exit_code != 0 and "use --replace" in again.output
    replaced = target.test_cli_runner().invoke(args=["restore", "--replace", str(dump)])
    assert replaced.exit_code == 0, replaced.output
    assert _counts(target) == counts


def test_does_a_sqlite_backup_restore_with_every_count_and_page_the_same(tmp_path):
    _round_trip(
        f"sqlite:///{tmp_path / 'source.db'}", f"sqlite:///{tmp_path / 'restored.db'}", tmp_path
    )


@pytest.fixture
def two_postgres_databases():
    names = [f"horizon_backup_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    server = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        for name in names:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield [f"{PG_SERVER}/{name}" for name in names]
    finally:
        with server.connect() as connection:
            for name in names:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def test_does_a_postgresql_backup_restore_with_every_count_and_page_the_same(
    two_postgres_databases, tmp_path
):
    _round_trip(*two_postgres_databases, tmp_path)
