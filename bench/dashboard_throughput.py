"""The mentee dashboard's throughput at 16 connections, as a share of `/healthz`'s, and its
CPU cost per request in one process.

    .venv/bin/python bench/dashboard_throughput.py                 # builds a 300-person set
    .venv/bin/python bench/dashboard_throughput.py --url postgresql+psycopg://…/db --keep
    .venv/bin/python bench/dashboard_throughput.py --profile       # plus a cProfile summary

The data set is `bench/scale.py`'s (the first mentee is one of its heavy writers). The
throughput is gunicorn with 2 sync workers, as `bench/scale.py` serves it; the CPU figure
is the process time of one request through the WSGI app (queries, Python and Jinja; the
database's own time is in PostgreSQL's process, not counted).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import signal
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa  # noqa: E402
from scale import PASSWORD, PG_SERVER, Session, Shape, build, load, serve  # noqa: E402
from support import bench_app, signed_in  # noqa: E402

NAME = "hz_bench_dashboard"


def cpu_per_request(url: str, email: str, runs: int, profile: bool) -> tuple[float, float, int]:
    """Median wall and process milliseconds of one dashboard request, and its statements."""
    app = bench_app(url)
    client = signed_in(app, email, PASSWORD)
    statements = [0]

    with app.app_context():
        from portal.extensions import db

        def count(*_args) -> None:
            statements[0] += 1

        sa.event.listen(db.engine, "before_cursor_execute", count)
    for _ in range(5):  # warm caches: templates, compiled statements, the pool
        assert client.get("/dashboard/").status_code == 200
    statements[0] = 0
    client.get("/dashboard/")
    per_request = statements[0]
    wall, cpu = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        client.get("/dashboard/")
        wall.append((time.perf_counter() - w) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(runs):
            client.get("/dashboard/")
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    return statistics.median(wall), statistics.median(cpu), per_request


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="an existing bench/scale.py database (else one is built)")
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the built database")
    parser.add_argument(
        "--cpu-only", action="store_true", help="the in-process figures only, no gunicorn"
    )
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    server = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    url = args.url
    if url is None:
        url = f"{PG_SERVER}/{NAME}"
        with server.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{NAME}"'))
        build(url, args.participants)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        people = conn.execute(sa.text("SELECT count(*) FROM users")).scalar_one() - 1
    engine.dispose()
    email = f"user{Shape(people).first_mentee}@scale.test"
    try:
        wall, cpu, statements = cpu_per_request(url, email, args.runs, args.profile)
        print(f"one request in process: {wall:.1f} ms wall, {cpu:.1f} ms CPU, {statements} queries")
        if args.cpu_only:
            return
        process = serve(url)
        try:
            health = load(Session(None), "/healthz", args.seconds)
            session = Session(email)
            session.get("/dashboard/")
            board = load(session, "/dashboard/", args.seconds)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait()
        for label, f in (("/healthz", health), ("mentee dashboard", board)):
            print(
                f"{label:<18} {f.rps:7.1f} req/s  p50 {f.p50:6.0f} ms  p95 {f.p95:6.0f} ms  "
                f"errors {f.errors}  {100 * f.rps / health.rps:5.1f} % of /healthz"
            )
    finally:
        if args.url is None and not args.keep:
            with server.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)'))
        server.dispose()
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
