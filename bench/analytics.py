"""Benchmark: programme insights at scale, on PostgreSQL and on SQLite.

A programme of 10,000 participants and 3,000 active pairs with a year of activity (about
1,000,000 journal entries, 300,000 check-ins, 30,000 meetings, 100,000 comments) is built
with INSERT ... SELECT over a generated series. The script then prints, for each page, the
median time of several requests and the number of SQL statements it sent.

    python bench/analytics.py            # both databases
    python bench/analytics.py sqlite     # one of them
    BENCH_PG=postgresql+psycopg://postgres@127.0.0.1:5432 python bench/analytics.py postgresql

On PostgreSQL it creates and drops its own database (hz_insp_bench_<pid>).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from portal import MIGRATIONS_DIR, create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import User  # noqa: E402
from portal.services.insights.rollups import (  # noqa: E402
    refresh_figures,
    refresh_pair_health,
    refresh_rollups,
)

PARTICIPANTS = 10_000
MENTORS = 4_000
PAIRS = 3_000
ENTRIES = 1_000_000
PRACTICES = 40_000
CHECK_INS = 300_000
MEETINGS = 30_000
COMMENTS = 100_000
OUTCOMES = 13_000
RUNS = 5
PASSWORD = "bench-password-1"  # noqa: S105 (a throwaway account in a throwaway database)
PG_SERVER = os.environ.get("BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")


def series(dialect: str, n: int) -> str:
    """A FROM clause yielding n = 1..count, as fast as each database allows."""
    if dialect == "postgresql":
        return f"generate_series(1, {n}) AS s(n)"
    return (
        f"(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {n}) "
        "SELECT n FROM s) AS s"
    )


def fill(dialect: str, start: date) -> None:
    """Build the programme with set-based SQL: seconds, not minutes."""
    pg = dialect == "postgresql"

    def day(expr: str) -> str:
        return (
            f"(DATE '{start}' + ({expr}))" if pg else f"date('{start}', '+' || ({expr}) || ' days')"
        )

    def stamp(expr: str) -> str:
        if pg:
            return f"(TIMESTAMP '{start} 09:00' + ({expr}) * INTERVAL '1 hour')"
        return f"datetime('{start} 09:00', '+' || ({expr}) || ' hours')"

    json = "json_build_object" if pg else "json_object"
    true, false = ("TRUE", "FALSE") if pg else ("1", "0")
    steps = [
        "INSERT INTO programs (id, name, slug, description, starts_on, ends_on, cadence, status,"
        " matching, created_at) VALUES (1, 'Bench', 'bench', '', "
        f"'{start}', '{start + timedelta(days=364)}', 'monthly', 'running', '{{}}', '{start}')",
        "INSERT INTO users (id, email, name, password_hash, timezone, is_portal_admin,"
        " session_version, created_at) SELECT n, 'p' || n || '@bench.test', 'Person ' || n,"
        f" 'x', 'UTC', {false}, 1, '{start}' FROM {series(dialect, PARTICIPANTS)}",
        "INSERT INTO memberships (user_id, program_id, role, status, profile, created_at)"
        f" SELECT n, 1, CASE WHEN n <= {MENTORS} THEN 'mentor' ELSE 'mentee' END, 'active',"
        f" {json}('department', 'Dept ' || (n % 12), 'seniority', n % 6), '{start}'"
        f" FROM {series(dialect, PARTICIPANTS)}",
        "INSERT INTO pairings (program_id, mentor_id, mentee_id, status, created_at, approved_at,"
        f" score) SELECT 1, n, {MENTORS} + n, 'active', {stamp('(n % 30) * 24')},"
        f" {stamp('(n % 30) * 24')}, 40 + (n * 37) % 60 FROM {series(dialect, PAIRS)}",
        "INSERT INTO journal_entries (author_id, title, body, visibility, status, version,"
        " created_at, updated_at, published_at) SELECT n % 10000 + 1, 'Entry', 'text',"
        " CASE WHEN n % 3 = 0 THEN 'shared' ELSE 'private' END, 'published', 1,"
        f" {stamp('(n % 8760)')}, {stamp('(n % 8760)')}, {stamp('(n % 8760)')}"
        f" FROM {series(dialect, ENTRIES)}",
        "INSERT INTO practices (owner_id, title, idea, action, starts_on, ends_on, per_week,"
        " visibility, status, reflection, created_at, template_id) SELECT n % 10000 + 1,"
        f" 'Practice', '', '', {day('(n / 10000) * 90')}, {day('(n / 10000) * 90 + 80')}, 3,"
        " 'shared', CASE WHEN n % 5 = 0 THEN 'dropped' WHEN n % 5 < 3 THEN 'done' ELSE 'open'"
        f" END, '', '{start}', NULL FROM {series(dialect, PRACTICES)}",
        "INSERT INTO practice_check_ins (practice_id, day, note, created_at) SELECT"
        f" n % {PRACTICES} + 1, {day('n % 364')}, 'noticed', '{start}'"
        f" FROM {series(dialect, CHECK_INS)}",
        # Ten meetings a pair, about monthly; every tenth pair stopped meeting in the spring.
        "INSERT INTO meetings (pairing_id, held_on, happened, notes, created_at) SELECT"
        f" n % {PAIRS} + 1, {day(f'((n - 1) / {PAIRS}) * 34 + (n % 20)')}, {true}, '', '{start}'"
        f" FROM {series(dialect, MEETINGS)} WHERE (n % {PAIRS} + 1) % 10 <> 0"
        f" OR ((n - 1) / {PAIRS}) < 5",
        "INSERT INTO entry_comments (entry_id, author_id, body, created_at) SELECT n * 3,"
        f" (n + 7) % 10000 + 1, 'nice', {stamp('(n * 3) % 8760')}"
        f" FROM {series(dialect, COMMENTS)}",
        'INSERT INTO outcome_records (program_id, email, "group", hired_on, promoted_on,'
        " left_on, imported_at) SELECT 1, 'o' || n || '@bench.test',"
        f" CASE WHEN n <= {PARTICIPANTS} THEN 'participant' ELSE 'comparison' END,"
        f" DATE '2019-01-01', NULL, CASE WHEN n % 11 = 0 THEN {day('n % 300')} END,"
        f" '{start}' FROM {series(dialect, OUTCOMES)}",
        "INSERT INTO users (id, email, name, password_hash, timezone, is_portal_admin,"
        f" session_version, created_at) VALUES (99999, 'admin@bench.test', 'Admin', 'x', 'UTC',"
        f" {true}, 1, '{start}')",
    ]
    with db.engine.begin() as connection:
        for statement in steps:
            connection.execute(sa.text(statement if pg else statement.replace("DATE '", "'")))
        if pg:
            for table in ("pairings", "users", "memberships", "programs"):
                top = f"(SELECT max(id) FROM {table})"
                serial = f"pg_get_serial_sequence('{table}', 'id')"
                connection.execute(sa.text(f"SELECT setval({serial}, {top})"))
            connection.execute(sa.text("ANALYZE"))


def _load() -> str:
    """The one-minute load average: the machine is shared, so every figure carries it."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def signed_in(app):
    """A test client signed in as the bench's admin through the real login form."""
    admin = db.session.get(User, 99999)
    admin.set_password(PASSWORD)
    db.session.commit()
    client = app.test_client()
    response = client.post("/auth/login", data={"email": admin.email, "password": PASSWORD})
    assert response.status_code in (302, 303), response.status_code
    return client


def measure(client, label: str, url: str, runs: int = RUNS) -> None:
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    if runs > 1:
        response = client.get(url)  # warm up caches and templates
        assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(runs):
        statements.clear()
        sa.event.listen(db.engine, "before_cursor_execute", record)
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        sa.event.remove(db.engine, "before_cursor_execute", record)
        assert response.status_code == 200, (url, response.status_code)
    print(
        f"  {label:<34} load {_load()}  median {statistics.median(times) * 1000:7.0f} ms"
        f"  (best {min(times) * 1000:5.0f})  {len(statements):3d} queries"
        f"  {len(response.data):>8,} bytes"
    )


PAGES = [
    ("analytics page", "/admin/programs/bench/analytics"),
    ("all-programmes analytics", "/admin/analytics"),
    ("one chart (engagement SVG)", "/admin/programs/bench/analytics/engagement.svg"),
    ("pairs list, first page", "/admin/programs/bench/pairs"),
    ("pairs list, filter at risk", "/admin/programs/bench/pairs?status=at_risk"),
    ("pairs list, sort by activity", "/admin/programs/bench/pairs?sort=activity"),
    ("pairs list, search by name", "/admin/programs/bench/pairs?q=Person%2012"),
    ("pairs list, last page by mentor", "/admin/programs/bench/pairs?sort=mentor&page=120"),
    ("pair page", "/admin/programs/bench/pairs/17"),
    ("ROI page", "/admin/programs/bench/roi?cost_per_leaver=40000&programme_cost=90000"),
    ("CSV export, pairs", "/admin/programs/bench/pairs.csv"),
    ("CSV export, engagement figure", "/admin/programs/bench/analytics/engagement.csv"),
    ("admin dashboard (turned at risk)", "/dashboard/"),
]


def run(dialect: str, url: str) -> None:
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False}
    )
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="heads")
        start = date.today() - timedelta(days=364)
        began = time.perf_counter()
        fill(dialect, start)
        print(f"{dialect}: built in {time.perf_counter() - began:.0f} s")
        client = signed_in(app)
        measure(client, "analytics page, before any rollup", "/admin/programs/bench/analytics", 1)
        began = time.perf_counter()
        written = refresh_rollups(date.today())
        print(f"  refresh_rollups: {time.perf_counter() - began:.1f} s ({written} weeks)")
        measure(client, "pairs list, before the snapshot", "/admin/programs/bench/pairs", 1)
        began = time.perf_counter()
        written = refresh_pair_health(date.today())
        print(f"  refresh_pair_health: {time.perf_counter() - began:.1f} s ({written} pairs)")
        began = time.perf_counter()
        written = refresh_figures(date.today())
        print(f"  refresh_figures: {time.perf_counter() - began:.1f} s ({written} figures)")
        for label, page in PAGES:
            measure(client, label, page)
        db.session.remove()
        db.engine.dispose()


def main(which: list[str]) -> None:
    if not which or "sqlite" in which:
        with tempfile.TemporaryDirectory() as tmp:
            run("sqlite", f"sqlite:///{tmp}/bench.db")
    if not which or "postgresql" in which:
        name = f"hz_insp_bench_{os.getpid()}"
        server = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
        with server.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            run("postgresql", f"{PG_SERVER}/{name}")
        finally:
            with server.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            server.dispose()


if __name__ == "__main__":
    main(sys.argv[1:])
