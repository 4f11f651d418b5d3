"""Benchmark: every participant and admin page at 100 and at 10,000 participants.

    python bench/scale.py                       # PostgreSQL, small and large
    python bench/scale.py --backend sqlite      # SQLite, large only
    python bench/scale.py --sizes small --seconds 3

It builds each data set in a database of its own (PostgreSQL: ``hz_perf_scale_<size>``
on the local server, created and dropped; SQLite: a temporary file) with bulk
``INSERT ... SELECT`` statements over a numbers table, serves Horizon from each with
gunicorn (2 workers) on 127.0.0.1:5301 and 5302, signs in as a heavy mentee, their mentor
and an admin, and prints for every page: the median of single requests at each size and
their ratio (both sizes are served side by side and requested in turn, so both meet the
same load from the rest of the machine), the SQL statements per page, and the throughput,
p50 and p95 at 16 connections, next to ``/healthz`` measured in the same run.

The large set has 10,000 participants (3,000 mentors, 7,000 mentees), 3,000 active
pairings, about 1,100,000 journal entries (a few heavy writers with 5,000 entries, most
with about 100; half shared), about 1,150,000 check-ins, and a second programme whose
10,000 applications wait in the enrollment queue. The small set has 100 participants of
the same shapes, heavy writers included.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from portal import MIGRATIONS_DIR, create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models.users import _HASHERS  # noqa: E402
from portal.services.insights import rollups  # noqa: E402
from portal.services.platform.paging import key_token  # noqa: E402

PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432")
PORT = int(os.environ.get("BENCH_PORT", "5301"))
# Databases are named <prefix>_<size>; BENCH_DB_PREFIX changes the prefix.
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", "hz_perf_scale")
PASSWORD = "bench-password"
SIZES = {"small": 100, "large": 10_000}
HEAVY_ENTRIES = 5_000
WORDS = (
    "listening feedback vision statement certification colleague interview promotion "
    "delegation confidence presentation conflict priorities boundaries energy career "
    "stakeholder negotiation habit reflection budget hiring coaching writing strategy "
)
TAGS = ("leadership", "feedback", "career", "listening", "vision", "habits")


# --- building the data set -------------------------------------------------------------


@dataclass
class Shape:
    """Ids of everything in a data set of ``participants`` people (see the module doc)."""

    participants: int

    @property
    def mentors(self) -> int:
        return self.participants * 3 // 10

    @property
    def first_mentee(self) -> int:
        return self.mentors + 2  # id 1 is the admin, mentors are 2..mentors+1

    @property
    def last_user(self) -> int:
        return self.participants + 1


def _sql(dialect: str) -> dict[str, str]:
    """The few expressions that differ between PostgreSQL and SQLite."""
    if dialect == "postgresql":
        return {
            "ago_minutes": "(TIMESTAMP '{now}' - ({x}) * INTERVAL '1 minute')",
            "days_ago": "(DATE '{today}' - ({x})::int)",
            "plus_days": "(({d}) + ({x})::int)",
        }
    return {
        "ago_minutes": "datetime('{now}', (-({x})) || ' minutes')",
        "days_ago": "date('{today}', (-({x})) || ' days')",
        "plus_days": "date({d}, ({x}) || ' days')",
    }


def build(url: str, participants: int) -> None:
    """Migrate an empty database and bulk-load a data set of the given size into it."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
    shape = Shape(participants)
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="heads")
        dialect = db.engine.dialect.name
        fx = _sql(dialect)

        def ago(x: str) -> str:
            return fx["ago_minutes"].format(now=now, x=x)

        def days_ago(x: str) -> str:
            return fx["days_ago"].format(today=now.date(), x=x)

        def plus_days(d: str, x: str) -> str:
            return fx["plus_days"].format(d=d, x=x)

        steps = _statements(shape, now, ago, days_ago, plus_days, dialect)
        hashed = _HASHERS["default"].hash(PASSWORD)
        before, after = _bulk_load_mode(dialect)
        with db.engine.begin() as conn:
            for statement in before:
                conn.execute(sa.text(statement))
            for label, statement in steps:
                started = time.perf_counter()
                params = {"hash": hashed, "n": max(HEAVY_ENTRIES, shape.last_user)}
                conn.execute(sa.text(statement), params)
                print(f"    {label:<28} {time.perf_counter() - started:6.1f} s", flush=True)
            conn.execute(sa.text("DROP TABLE bench_numbers"))
            started = time.perf_counter()
            for statement in after:
                conn.execute(sa.text(statement))
            print(f"    {'search index and counts':<28} {time.perf_counter() - started:6.1f} s")
        _after_load(dialect)
        # What the worker does each night: the insight rollups the admin pages read.
        started = time.perf_counter()
        for refresh in (
            rollups.refresh_rollups,
            rollups.refresh_pair_health,
            rollups.refresh_figures,
        ):
            refresh()
        print(f"    {'nightly insight refresh':<28} {time.perf_counter() - started:6.1f} s")
        db.engine.dispose()


def _migration_0009():
    path = ROOT / "portal" / "migrations" / "versions" / "0009_performance.py"
    spec = importlib.util.spec_from_file_location("migration_0009", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _bulk_load_mode(dialect: str) -> tuple[list[str], list[str]]:
    """Statements around the load, as a restore does it: row triggers and the search index
    off while loading, then the index built once and the counts computed once, with the
    migration's own SQL. Firing them for each of two million rows would take many minutes."""
    migration = _migration_0009()
    if dialect == "postgresql":
        before = [
            "SET maintenance_work_mem = '256MB'",
            "ALTER TABLE journal_entries DISABLE TRIGGER USER",
            "ALTER TABLE entry_comments DISABLE TRIGGER USER",
            "ALTER TABLE entry_tags DISABLE TRIGGER USER",
            "DROP INDEX ix_journal_entries_fts",
        ]
        after = [
            migration.PG_FTS[-1],
            "ALTER TABLE journal_entries ENABLE TRIGGER USER",
            "ALTER TABLE entry_comments ENABLE TRIGGER USER",
            "ALTER TABLE entry_tags ENABLE TRIGGER USER",
        ]
        day = {"entry_day": "published_at::date", "comment_day": "created_at::date"}
    else:
        before = list(migration.SQLITE_DROP)
        after = migration.SQLITE_FTS + migration.SQLITE_COUNTS + migration.SQLITE_TAGS
        day = {"entry_day": "date(published_at)", "comment_day": "date(created_at)"}
    after += [
        "DELETE FROM journal_daily_counts",
        migration.BACKFILL.format(**day),
        "DELETE FROM journal_author_tags",
        migration.TAGS_BACKFILL,
    ]
    return before, after


def _statements(shape: Shape, now, ago, days_ago, plus_days, dialect) -> list[tuple[str, str]]:
    m, first_mentee, last = shape.mentors, shape.first_mentee, shape.last_user
    heavy = f"(u.id IN (2, {first_mentee}) OR u.id % 500 = 7)"
    per_user = f"CASE WHEN {heavy} THEN {HEAVY_ENTRIES} ELSE 90 + u.id % 21 END"
    if dialect == "postgresql":
        numbers = "CREATE TABLE bench_numbers AS SELECT generate_series(1, :n) AS n"
        numbers_key = "ALTER TABLE bench_numbers ADD PRIMARY KEY (n)"
    else:
        numbers = (
            "CREATE TABLE bench_numbers AS WITH RECURSIVE s(n) AS "
            "(SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < :n) SELECT n FROM s"
        )
        numbers_key = "CREATE UNIQUE INDEX bench_numbers_n ON bench_numbers (n)"
    words = WORDS * 3
    title = f"'Entry ' || k.n || ': ' || substr('{words}', 1 + (u.id * 7 + k.n * 13) % 150, 40)"
    body = f"substr('{words}', 1 + (u.id * 11 + k.n * 17) % 200, 280)"
    prompt = "CASE k.n % 4 WHEN 0 THEN 'share.achieve' WHEN 1 THEN 'learn.apply' ELSE NULL END"
    shared = "(u.id + k.n) % 2 = 0"
    draft = "k.n % 50 = 0"
    minutes_apart = f"(525000 / ({per_user}))"
    is_paired_mentee = f"(u.id BETWEEN {first_mentee} AND {first_mentee + m - 1})"
    tag = " ".join(f"WHEN {i} THEN '{name}'" for i, name in enumerate(TAGS))
    return [
        ("numbers", numbers),
        ("numbers key", numbers_key),
        (
            "users",
            "INSERT INTO users (id, email, name, password_hash, timezone, is_portal_admin, "
            "session_version, created_at) "
            f"SELECT n, 'user' || n || '@scale.test', 'Person ' || n, :hash, 'UTC', "
            f"n = 1, 1, {ago('600000')} FROM bench_numbers WHERE n <= {last}",
        ),
        (
            "programmes",
            "INSERT INTO programs (id, name, slug, description, starts_on, ends_on, cadence, "
            "status, matching, created_at) VALUES "
            f"(1, 'Scale 2026', 'scale', '', {days_ago('300')}, {days_ago('-65')}, 'monthly', "
            f"'running', '{{}}', {ago('600000')}), "
            f"(2, 'Scale intake', 'scale-intake', '', {days_ago('-30')}, {days_ago('-395')}, "
            f"'monthly', 'enrolling', '{{}}', {ago('60000')})",
        ),
        (
            "memberships",
            "INSERT INTO memberships (user_id, program_id, role, status, profile, created_at, "
            "decided_at) "
            f"SELECT u.id, p.id, CASE WHEN u.id < {first_mentee} THEN 'mentor' ELSE 'mentee' END, "
            "CASE WHEN p.id = 1 THEN 'active' ELSE 'applied' END, '{}', "
            f"{ago('500000 - u.id')}, NULL FROM users u CROSS JOIN programs p WHERE u.id > 1",
        ),
        (
            "pairings",
            "INSERT INTO pairings (program_id, mentor_id, mentee_id, status, created_at, "
            f"approved_at, opens_at) SELECT 1, u.id, u.id + {m}, 'active', {ago('550000')}, "
            f"{ago('550000')}, {ago('550000')} FROM users u WHERE u.id BETWEEN 2 AND {m + 1}",
        ),
        (
            "journal entries",
            "INSERT INTO journal_entries (author_id, title, body, visibility, status, "
            "prompt_key, version, created_at, updated_at, published_at, reviewed_at, "
            "reviewed_by_id) "
            f"SELECT u.id, {title}, {body}, "
            f"CASE WHEN {shared} THEN 'shared' ELSE 'private' END, "
            f"CASE WHEN {draft} THEN 'draft' ELSE 'published' END, {prompt}, 1, "
            f"{ago(f'k.n * {minutes_apart}')}, {ago(f'k.n * {minutes_apart}')}, "
            f"CASE WHEN {draft} THEN NULL ELSE {ago(f'k.n * {minutes_apart}')} END, "
            f"CASE WHEN {shared} AND NOT {draft} AND {is_paired_mentee} AND k.n % 10 < 7 "
            f"THEN {ago(f'k.n * {minutes_apart} - 60')} END, "
            f"CASE WHEN {shared} AND NOT {draft} AND {is_paired_mentee} AND k.n % 10 < 7 "
            f"THEN u.id - {m} END "
            f"FROM users u JOIN bench_numbers k ON k.n <= {per_user} WHERE u.id > 1 "
            # In the order they were written, as a real journal table fills: one person's
            # entries lie scattered among everyone else's, on as many pages as entries.
            f"ORDER BY {ago(f'k.n * {minutes_apart}')}, u.id",
        ),
        # A shared item is shared in the author's pairing (docs/sharing.md): one audience
        # row each; every person has at most one pairing here.
        *(
            (
                f"entry audiences ({side}s)",
                "INSERT INTO entry_audiences (entry_id, pairing_id, created_at) "
                "SELECT e.id, p.id, e.created_at FROM journal_entries e "
                f"JOIN pairings p ON p.{side}_id = e.author_id WHERE e.visibility = 'shared'",
            )
            for side in ("mentor", "mentee")
        ),
        (
            "entry tags",
            f"INSERT INTO entry_tags (entry_id, name) SELECT id, CASE id % {len(TAGS)} {tag} "
            "END FROM journal_entries WHERE id % 3 = 0",
        ),
        (
            "entry comments",
            "INSERT INTO entry_comments (entry_id, author_id, body, created_at, pairing_id) "
            "SELECT e.id, p.mentor_id, 'What did you notice the second time?', e.created_at, "
            "p.id "
            "FROM journal_entries e JOIN pairings p ON p.mentee_id = e.author_id "
            "WHERE e.visibility = 'shared' AND e.status = 'published' AND e.id % 10 = 0",
        ),
        (
            "practices",
            "INSERT INTO practices (owner_id, title, idea, action, starts_on, ends_on, "
            "per_week, visibility, status, reflection, closed_at, created_at) "
            f"SELECT u.id, 'Practice ' || k.n || ': ' || substr('{words}', 1 + k.n * 7 % 150, 30), "
            f"'', 'Try it three times a week', {days_ago('k.n * 2 + 3')}, "
            f"{days_ago('k.n * 2 - 17')}, 3, CASE WHEN k.n % 3 = 0 THEN 'private' ELSE "
            "'shared' END, CASE WHEN k.n <= 2 THEN 'open' ELSE 'done' END, '', "
            f"CASE WHEN k.n <= 2 THEN NULL ELSE {ago('k.n * 2880 - 28800')} END, "
            f"{ago('k.n * 2880 + 4320')} "
            f"FROM users u JOIN bench_numbers k ON k.n <= CASE WHEN {heavy} THEN 150 ELSE 10 END "
            "WHERE u.id > 1",
        ),
        *(
            (
                f"practice audiences ({side}s)",
                "INSERT INTO practice_audiences (practice_id, pairing_id, created_at) "
                "SELECT x.id, p.id, x.created_at FROM practices x "
                f"JOIN pairings p ON p.{side}_id = x.owner_id WHERE x.visibility = 'shared'",
            )
            for side in ("mentor", "mentee")
        ),
        (
            "check-ins",
            "INSERT INTO practice_check_ins (practice_id, day, note, created_at) "
            f"SELECT p.id, {plus_days('p.starts_on', 'k.n % 3')}, "
            "CASE WHEN k.n % 2 = 0 THEN 'It went better when I asked first.' ELSE '' END, "
            f"p.created_at FROM practices p JOIN bench_numbers k ON k.n <= 9 + p.id % 6",
        ),
        (
            "meetings",
            "INSERT INTO meetings (pairing_id, held_on, happened, notes, logged_by_id, "
            f"created_at) SELECT p.id, {days_ago('k.n * 25')}, true, 'We talked about "
            f"feedback.', p.mentor_id, {ago('k.n * 36000')} "
            "FROM pairings p JOIN bench_numbers k ON k.n <= 12",
        ),
        (
            "notifications",
            "INSERT INTO notifications (user_id, kind, message, link, created_at, read_at) "
            "SELECT u.id, 'journal_shared', 'Your partner shared a journal entry.', "
            f"'/journal/', {ago('k.n * 600')}, CASE WHEN k.n > 3 THEN {ago('k.n * 500')} END "
            "FROM users u JOIN bench_numbers k ON k.n <= 30 WHERE u.id > 1",
        ),
        (
            "audit events",
            "INSERT INTO audit_events (actor_id, action, program_id, summary, detail, "
            "created_at) SELECT 1, 'enrollment.decided', 1 + k.n % 2, 'Approved Person ' || "
            f"u.id || ' with Person ' || (2 + u.id % {m}), '{{}}', {ago('u.id * 30 + k.n')} "
            "FROM users u JOIN bench_numbers k ON k.n <= 30 WHERE u.id > 1",
        ),
    ]


def _after_load(dialect: str) -> None:
    """Bring sequences and planner statistics up to date, as a long-running database has."""
    if dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in sa.inspect(db.engine).get_table_names():
                if "id" in {c["name"] for c in sa.inspect(db.engine).get_columns(table)}:
                    conn.execute(
                        sa.text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"COALESCE((SELECT max(id) FROM {table}), 1))"
                        )
                    )
            conn.execute(sa.text("VACUUM ANALYZE"))
    else:
        with db.engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
            fts = conn.execute(
                sa.text("SELECT 1 FROM sqlite_master WHERE name = 'journal_entries_fts'")
            ).first()
            if fts:
                conn.execute(
                    sa.text(
                        "INSERT INTO journal_entries_fts(journal_entries_fts) VALUES('optimize')"
                    )
                )


# --- the pages -------------------------------------------------------------------------


def pages_for(url: str, shape: Shape) -> dict[str, list[tuple[str, str]]]:
    """Each role's e-mail and pages: (label, path) with ids looked up in the data set."""
    engine = sa.create_engine(url)
    mentor, mentee = 2, shape.first_mentee
    with engine.connect() as conn:

        def one(sql: str, **params) -> int:
            return conn.execute(sa.text(sql), params).scalar_one()

        pairing = one("SELECT id FROM pairings WHERE mentee_id = :u", u=mentee)
        own_entry = one("SELECT max(id) FROM journal_entries WHERE author_id = :u", u=mentee)
        shared_entry = one(
            "SELECT max(id) FROM journal_entries WHERE author_id = :u AND visibility = "
            "'shared' AND status = 'published'",
            u=mentee,
        )
        practice = one("SELECT min(id) FROM practices WHERE owner_id = :u", u=mentee)
        # Halfway down the heavy mentee's journal: the key of the entry that ends a page there.
        total = one("SELECT count(*) FROM journal_entries WHERE author_id = :u", u=mentee)
        created, entry_id = conn.execute(
            sa.text(
                "SELECT created_at, id FROM journal_entries WHERE author_id = :u "
                "ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET :skip"
            ),
            {"u": mentee, "skip": total // 2},
        ).one()
        if isinstance(created, str):  # SQLite hands back text
            created = datetime.fromisoformat(created)
    engine.dispose()
    return {
        f"user{mentee}@scale.test": [
            ("mentee dashboard", "/dashboard/"),
            ("journal list", "/journal/"),
            (
                "journal list, halfway down (by key)",
                "/journal/?" + urlencode({"older": key_token(created, entry_id)}),
            ),
            ("journal entry page", f"/journal/{own_entry}"),
            ("journal search", "/journal/?q=feedback"),
            ("shared with me", "/journal/shared"),
            ("practice list", "/practice/"),
            ("practice page", f"/practice/{practice}"),
            ("meeting log", f"/pairings/{pairing}"),
            ("session prep page", f"/pairings/{pairing}/prep"),
            ("notifications", "/notifications/"),
        ],
        f"user{mentor}@scale.test": [
            ("mentor dashboard", "/dashboard/"),
            ("mentor reads shared entry", f"/journal/{shared_entry}"),
            ("mentor shared/review", "/journal/shared"),
        ],
        "user1@scale.test": [
            ("admin dashboard", "/dashboard/"),
            ("admin index", "/admin/"),
            ("admin programmes", "/admin/programs"),
            (
                "enrollment queue (10k)",
                "/admin/enrollment?" + urlencode({"program": "scale-intake"}),
            ),
            ("enrollment queue, every programme", "/admin/enrollment"),
            ("audit log", "/admin/audit"),
        ],
    }


def count_queries(url: str, pages: dict[str, list[tuple[str, str]]]) -> dict[str, int]:
    """SQL statements per page, counted in-process through the same app."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    counts: dict[str, int] = {}
    with app.app_context():
        engine = db.engine
    statements: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    # No app context stays pushed: each request gets its own, as under gunicorn.
    for email, role_pages in pages.items():
        client = app.test_client()
        client.post("/auth/login", data={"email": email, "password": PASSWORD})
        for label, path in role_pages:
            statements.clear()
            response = client.get(path)
            assert response.status_code == 200, (label, response.status_code)
            counts[label] = len(statements)
    engine.dispose()
    return counts


# --- serving and measuring -------------------------------------------------------------


class Session:
    """A signed-in HTTP client: the session cookie from a real login."""

    def __init__(self, email: str | None, port: int = PORT) -> None:
        self.cookie = ""
        self.port = port
        if email is None:
            return
        page = self.get("/auth/login")[1]
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        if token is None:
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        body = urlencode({"email": email, "password": PASSWORD, "csrf_token": token.group(1)})
        status, _ = self.request("POST", "/auth/login", body)
        assert status in (302, 303), f"login as {email} answered {status}"

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body, headers)
        response = conn.getresponse()
        text = response.read().decode()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and value.startswith("horizon_session="):
                self.cookie = value.split(";", 1)[0]
        conn.close()
        return response.status, text

    def get(self, path: str) -> tuple[int, str]:
        return self.request("GET", path)


@dataclass
class Figures:
    single_ms: float = 0.0
    kib: float = 0.0
    queries: int = 0
    rps: float = 0.0
    p50: float = 0.0
    p95: float = 0.0
    errors: int = 0
    extra: dict = field(default_factory=dict)


def load(session: Session, path: str, seconds: float, connections: int = 16) -> Figures:
    """Throughput and latency with ``connections`` clients requesting as fast as they can."""
    latencies: list[float] = []
    errors = [0]
    stop = time.perf_counter() + seconds
    lock = threading.Lock()

    def worker() -> None:
        mine = []
        while time.perf_counter() < stop:
            started = time.perf_counter()
            try:
                status, _ = session.get(path)
            except OSError:
                status = 0
            mine.append((time.perf_counter() - started) * 1000)
            if status != 200:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return Figures(
        rps=len(latencies) / elapsed,
        p50=latencies[len(latencies) // 2],
        p95=latencies[int(len(latencies) * 0.95)],
        errors=errors[0],
    )


def serve(url: str, port: int = PORT):
    """gunicorn with 2 sync workers on the given port, as the issue measured."""
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench-secret-key")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--backlog",
            "256",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGTERM)
    raise RuntimeError("gunicorn did not start")


def single_pair(sessions: list[Session], path_by_size: list[str], rounds: int):
    """Medians of single requests, alternating between the sizes request by request, so
    that both sizes meet the same load from the rest of the machine."""
    times: list[list[float]] = [[] for _ in sessions]
    sizes = [0.0 for _ in sessions]
    for session, path in zip(sessions, path_by_size, strict=True):
        session.get(path)  # warm the worker's caches
    for _ in range(rounds):
        for n, (session, path) in enumerate(zip(sessions, path_by_size, strict=True)):
            started = time.perf_counter()
            status, text = session.get(path)
            times[n].append((time.perf_counter() - started) * 1000)
            assert status == 200, (path, status)
            sizes[n] = len(text.encode()) / 1024
    return [statistics.median(t) for t in times], sizes


def measure(urls: dict[str, str], rounds: int, seconds: float) -> dict[str, dict[str, Figures]]:
    """Single-request medians at every size side by side, then load at the largest size."""
    sizes = list(urls)
    pages = {size: pages_for(urls[size], Shape(SIZES[size])) for size in sizes}
    queries = {size: count_queries(urls[size], pages[size]) for size in sizes}
    ports = {size: PORT + n for n, size in enumerate(sizes)}
    servers = {size: serve(urls[size], ports[size]) for size in sizes}
    figures: dict[str, dict[str, Figures]] = {size: {} for size in sizes}
    try:
        anonymous = [Session(None, ports[size]) for size in sizes]
        medians, kib = single_pair(anonymous, ["/healthz"] * len(sizes), rounds)
        for n, size in enumerate(sizes):
            figures[size]["/healthz"] = Figures(single_ms=medians[n], kib=kib[n])
        for role, role_pages in enumerate(pages[sizes[0]].values()):
            sessions = [Session(list(pages[size])[role], ports[size]) for size in sizes]
            for index, (label, _) in enumerate(role_pages):
                paths = [list(pages[size].values())[role][index][1] for size in sizes]
                medians, kib = single_pair(sessions, paths, rounds)
                for n, size in enumerate(sizes):
                    figures[size][label] = Figures(
                        single_ms=medians[n], kib=kib[n], queries=queries[size][label]
                    )
                print(f"    {label:<28} " + "  ".join(f"{m:7.1f} ms" for m in medians), flush=True)
        for size in sizes[:-1]:
            os.killpg(servers[size].pid, signal.SIGTERM)
        largest = sizes[-1]
        _load_all(figures[largest], pages[largest], ports[largest], seconds)
    finally:
        for process in servers.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    return figures


def _load_all(figures: dict[str, Figures], pages, port: int, seconds: float) -> None:
    """Throughput and latency at 16 connections, /healthz first, on one server."""
    loaded = load(Session(None, port), "/healthz", seconds)
    health = figures["/healthz"]
    health.rps, health.p50, health.p95 = loaded.rps, loaded.p50, loaded.p95
    for email, role_pages in pages.items():
        session = Session(email, port)
        for label, path in role_pages:
            loaded = load(session, path, seconds)
            page = figures[label]
            page.rps, page.p50, page.p95, page.errors = (
                loaded.rps,
                loaded.p50,
                loaded.p95,
                loaded.errors,
            )


# --- databases -------------------------------------------------------------------------


def pg_database(size: str):
    name = f"{DB_PREFIX}_{size}"
    server = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with server.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()

    return f"{PG_SERVER}/{name}", drop


def sqlite_database(size: str):
    tmp = tempfile.TemporaryDirectory(prefix="hz_perf_scale_")
    return f"sqlite:///{tmp.name}/{size}.db", tmp.cleanup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--sizes", default=None, help="small,large (SQLite: large)")
    parser.add_argument("--rounds", type=int, default=15, help="single requests per page")
    parser.add_argument("--seconds", type=float, default=4.0, help="load per page, seconds")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument(
        "--build-only", action="store_true", help="build the databases and keep them"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="measure databases kept by --keep (PostgreSQL)"
    )
    args = parser.parse_args()
    default_sizes = "small,large" if args.backend == "postgresql" else "large"
    sizes = (args.sizes or default_sizes).split(",")
    make_db = pg_database if args.backend == "postgresql" else sqlite_database
    print(f"Horizon at scale on {args.backend}; load average {os.getloadavg()[0]:.2f}")
    urls, drops = {}, []
    try:
        for size in sizes:
            shape = Shape(SIZES[size])
            if args.reuse:
                urls[size] = f"{PG_SERVER}/{DB_PREFIX}_{size}"
                with create_app({"SQLALCHEMY_DATABASE_URI": urls[size]}).app_context():
                    upgrade(directory=MIGRATIONS_DIR, revision="heads")  # new indexes
                    db.engine.dispose()
                continue
            url, drop = make_db(size)
            if not args.build_only:
                drops.append(drop)
            print(f"  building {size} ({shape.participants} participants)")
            started = time.perf_counter()
            build(url, shape.participants)
            print(f"  built in {time.perf_counter() - started:.0f} s")
            urls[size] = url
        if args.build_only:
            return
        print(f"  measuring; load average {os.getloadavg()[0]:.2f}")
        results = measure(urls, args.rounds, args.seconds)
    finally:
        if not args.keep:
            for drop in drops:
                drop()
    report(results, sizes)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def report(results: dict[str, dict[str, Figures]], sizes: list[str]) -> None:
    last = results[sizes[-1]]
    health = last["/healthz"]
    header = "| page | " + " | ".join(f"median {s} (ms)" for s in sizes)
    if len(sizes) == 2:
        header += " | ratio"
    header += " | queries | KiB | req/s at 16 | p50 | p95 | % of /healthz |"
    print()
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for label, page in last.items():
        cells = [label] + [f"{results[s][label].single_ms:.1f}" for s in sizes]
        if len(sizes) == 2:
            cells.append(f"{page.single_ms / max(results[sizes[0]][label].single_ms, 0.01):.2f}")
        share = 100 * page.rps / health.rps if health.rps else 0
        cells += [
            str(page.queries),
            f"{page.kib:.0f}",
            f"{page.rps:.0f}",
            f"{page.p50:.0f}",
            f"{page.p95:.0f}",
            f"{share:.1f}%" + (f" ({page.errors} errors)" if page.errors else ""),
        ]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
