"""Benchmark, on PostgreSQL: the audit log page and journal search for a frequent word.

    .venv/bin/python bench/ops_speed.py            # build hz_bench_ops, measure, drop it
    .venv/bin/python bench/ops_speed.py --keep     # keep the database for a second run
    .venv/bin/python bench/ops_speed.py --reuse    # measure a kept database (after migrating)
    .venv/bin/python bench/ops_speed.py --build-only   # build and keep it, measure later

Data: 300,000 audit events over two years in 20 programmes; 12,000 applications waiting in
four programmes (the enrollment queue); 3,000 writers with 100 journal
entries each and one heavy writer with 5,000, where "team" occurs in 60 % of the entries
(the frequent word) and "zephyr" in 0.2 % (a rare one). Pages are requested in-process
(Flask test client, so the figures are the server's work: queries and rendering), signed in
through the real sign-in form, and each figure is the median of RUNS requests.
BENCH_PG_SERVER changes the server (default postgresql+psycopg://postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from portal import MIGRATIONS_DIR, create_app  # noqa: E402
from portal.extensions import db  # noqa: E402

SERVER = os.environ.get("BENCH_PG_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432")
NAME = "hz_bench_ops"
RUNS = 15
PASSWORD = "bench-password"  # noqa: S105
WRITERS, PER_WRITER, HEAVY = 3_000, 100, 5_000
EVENTS = 300_000

FILL = [
    # Programmes and people.
    """INSERT INTO programs (name, slug, description, starts_on, ends_on, cadence, status,
         matching, created_at)
       SELECT 'Programme ' || n, 'programme-' || n, '', DATE '2025-01-01', DATE '2026-12-31',
         'monthly', 'running', '{}', now() FROM generate_series(1, 20) n""",
    """INSERT INTO users (email, name, password_hash, timezone, session_version,
         is_portal_admin, created_at)
       SELECT 'writer' || n || '@bench.test', 'Writer ' || n, '!', 'UTC', 1, false, now()
       FROM generate_series(1, :writers) n""",
    # Audit events: two years, every programme, 50 actors.
    """INSERT INTO audit_events (actor_id, action, program_id, summary, detail, created_at)
       SELECT 1 + n % 50, 'enrollment.decided', 1 + n % 20,
         'Approved Writer ' || n % 3000 || ' with Writer ' || (n * 7) % 3000, '{}',
         now() - (n || ' minutes')::interval * 3.5
       FROM generate_series(1, :events) n""",
    # Applications waiting: every writer applied to programmes 1-4 (12,000 in all).
    """INSERT INTO memberships (user_id, program_id, role, status, profile, created_at)
       SELECT w, p, CASE WHEN w % 4 = 0 THEN 'mentor' ELSE 'mentee' END, 'applied',
         '{"department": "Dept 1"}', now() - ((w * 4 + p) || ' minutes')::interval
       FROM generate_series(1, :writers) w, generate_series(1, 4) p""",
    # Journal entries: the frequent word in 60 %, the rare one in 0.2 %.
    """INSERT INTO journal_entries (author_id, title, body, visibility, status, version,
         created_at, updated_at, published_at)
       SELECT w, 'Entry ' || i,
         CASE WHEN (w * 31 + i) % 10 < 6 THEN 'The team met and we talked it through. '
              ELSE 'I noticed something about how I listen. ' END
         || CASE WHEN (w * 17 + i) % 500 = 0 THEN 'A zephyr of an idea. ' ELSE '' END
         || 'More words about feedback, plans and habits for the week ' || i,
         CASE WHEN i % 2 = 0 THEN 'shared' ELSE 'private' END, 'published', 1,
         now() - (i || ' hours')::interval, now(), now() - (i || ' hours')::interval
       FROM generate_series(1, :writers) w, generate_series(1, :per_writer) i""",
]


def app_for(url: str):
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "TASKS_IMMEDIATE": True,
            "PASSWORD_HASH_PROFILE": "cheapest",
            "MAIL_BACKEND": "locmem",
        }
    )


def build(url: str) -> None:
    from portal.demo.builders import new_user
    from portal.models.users import password_hasher

    app = app_for(url)
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="heads")
        started = time.perf_counter()
        values = {"writers": WRITERS, "events": EVENTS, "per_writer": PER_WRITER}
        for statement in FILL:
            db.session.execute(sa.text(statement), values)
        heavy = new_user(
            "heavy@bench.test", "Heavy Writer", password_hash=password_hasher().hash(PASSWORD)
        )
        new_user(
            "admin@bench.test",
            "Bench Admin",
            password_hash=password_hasher().hash(PASSWORD),
            is_portal_admin=True,
        )
        db.session.flush()
        db.session.execute(
            sa.text(
                """INSERT INTO journal_entries (author_id, title, body, visibility, status,
                     version, created_at, updated_at, published_at)
                   SELECT :me, 'Entry ' || i,
                     CASE WHEN i % 10 < 6 THEN 'The team met and we talked it through. '
                          ELSE 'I noticed something about how I listen. ' END
                     || CASE WHEN i % 500 = 0 THEN 'A zephyr of an idea. ' ELSE '' END
                     || 'More words about feedback, plans and habits for the week ' || i,
                     'private', 'published', 1, now() - (i || ' hours')::interval, now(),
                     now() - (i || ' hours')::interval
                   FROM generate_series(1, :heavy) i"""
            ),
            {"me": heavy.id, "heavy": HEAVY},
        )
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        print(f"built in {time.perf_counter() - started:.0f} s")


def median_ms(client, url: str) -> tuple[float, int]:
    client.get(url)  # warm: compiled statements, templates
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times), len(response.data)


def measure(url: str) -> None:
    app = app_for(url)
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="heads")  # a kept database gets new indexes
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        entries = db.session.scalar(sa.text("SELECT count(*) FROM journal_entries"))
        events = db.session.scalar(sa.text("SELECT count(*) FROM audit_events"))
    print(f"{events:,} audit events, {entries:,} journal entries; load {os.getloadavg()[0]:.1f}")
    print(f"{'page':<42} {'median ms':>10} {'bytes':>9}")
    for email, urls in (
        (
            "admin@bench.test",
            [
                "/admin/audit",
                "/admin/audit?program=programme-3",
                "/admin/enrollment",
                "/admin/enrollment?program=programme-2",
            ],
        ),
        ("heavy@bench.test", ["/journal/", "/journal/?q=team", "/journal/?q=zephyr"]),
    ):
        client = app.test_client()
        signed = client.post("/auth/login", data={"email": email, "password": PASSWORD})
        assert signed.status_code == 303, signed.status_code
        for page in urls:
            ms, size = median_ms(client, page)
            print(f"{page:<42} {ms:>10.1f} {size:>9,}")
        if email.startswith("admin"):
            html = client.get("/admin/audit").text
            if 'rel="next"' in html:
                link = html.split('rel="next" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
                ms, size = median_ms(client, link)
                print(f"{'/admin/audit (an older page)':<42} {ms:>10.1f} {size:>9,}")


def main(argv: list[str]) -> None:
    url = f"{SERVER}/{NAME}"
    server = sa.create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    if "--reuse" not in argv:
        with server.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{NAME}"'))
        build(url)
    if "--build-only" in argv:
        return
    try:
        measure(url)
    finally:
        if "--keep" not in argv and "--reuse" not in argv:
            with server.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)'))


if __name__ == "__main__":
    main(sys.argv[1:])
