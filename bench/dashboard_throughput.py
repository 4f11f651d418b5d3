"""The mentee dashboard's throughput at 16 connections, as a share of `/healthz`'s, and its
CPU cost per request in one process.

    .venv/bin/python bench/dashboard_throughput.py                 # builds a 300-person set
    .venv/bin/python bench/dashboard_throughput.py --url postgresql+psycopg://…/db --keep
    .venv/bin/python bench/dashboard_throughput.py --profile       # plus a cProfile summary
    .venv/bin/python bench/dashboard_throughput.py --url … --cpu-only --baseline /tmp/before

The data set is `bench/scale.py`'s (the first mentee is one of its heavy writers). The
throughput is gunicorn with 2 sync workers, as `bench/scale.py` serves it; the CPU figure
is the process time of one request through the WSGI app (queries, Python and Jinja; the
database's own time is in PostgreSQL's process, not counted): the median of `--runs`
requests after five to warm up. Process time counts only this process's CPU, so it moves
far less than wall time when other work shares the machine (each figure carries the load
average at the time).

`--baseline DIR` measures another checkout of the code as well (`git worktree add DIR
<commit>`), in turns with this one, each in a fresh process, and prints before -> after.
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
# A child measuring the --baseline checkout imports its portal package before scale.py
# puts this checkout first on the path.
if os.environ.get("BENCH_CODE"):
    sys.path.insert(0, os.environ["BENCH_CODE"])
    import portal  # noqa: E402, F401

import json  # noqa: E402
import subprocess  # noqa: E402

import sqlalchemy as sa  # noqa: E402
from scale import PASSWORD, PG_SERVER, Session, Shape, build, load, serve  # noqa: E402
from support import bench_app, signed_in  # noqa: E402

NAME = "hz_bench_dashboard"


def _first_mentee(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        people = conn.execute(sa.text("SELECT count(*) FROM users")).scalar_one() - 1
    engine.dispose()
    return Shape(people).first_mentee


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
        profiler = cProfile.Profile(time.process_time)  # CPU, not waiting
        profiler.enable()
        for _ in range(runs):
            client.get("/dashboard/")
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    return statistics.median(wall), statistics.median(cpu), per_request


def _load() -> float:
    return os.getloadavg()[0]


def compare(url: str, baseline: Path, runs: int, turns: int) -> None:
    """CPU per request of the baseline checkout and of this one, in turns, each in a child
    process (`--cpu-json`), with the load average before each."""
    figures: dict[str, list[tuple[float, float, float, int]]] = {"before": [], "after": []}
    for _ in range(turns):
        for label, code in (("before", str(baseline)), ("after", "")):
            env = dict(os.environ, BENCH_CODE=code)
            load = _load()
            out = (
                subprocess.run(
                    [sys.executable, __file__, "--url", url, "--runs", str(runs), "--cpu-json"],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            wall, cpu, statements = json.loads(out)
            figures[label].append((load, wall, cpu, statements))
            print(
                f"  {label:<6} load {load:4.1f}: {cpu:5.1f} ms CPU, {wall:5.1f} ms wall, "
                f"{statements} queries",
                flush=True,
            )
    before, after = (statistics.median(f[2] for f in figures[k]) for k in ("before", "after"))
    loads = [f[0] for k in figures for f in figures[k]]
    print(
        f"CPU per request, median of {turns} turns: {before:.1f} -> {after:.1f} ms "
        f"({figures['before'][0][3]} -> {figures['after'][0][3]} queries; "
        f"load average {min(loads):.1f}-{max(loads):.1f})"
    )


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
    parser.add_argument("--baseline", type=Path, help="another checkout to compare with")
    parser.add_argument("--turns", type=int, default=3, help="turns of --baseline")
    parser.add_argument("--cpu-json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cpu_json:
        email = f"user{_first_mentee(args.url)}@scale.test"
        print(json.dumps(cpu_per_request(args.url, email, args.runs, False)))
        return
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    server = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    url = args.url
    if url is None:
        url = f"{PG_SERVER}/{NAME}"
        with server.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{NAME}"'))
        build(url, args.participants)
    email = f"user{_first_mentee(url)}@scale.test"
    try:
        if args.baseline:
            compare(url, args.baseline, args.runs, args.turns)
        wall, cpu, statements = cpu_per_request(url, email, args.runs, args.profile)
        print(
            f"one request in process (load {_load():.1f}): {wall:.1f} ms wall, "
            f"{cpu:.1f} ms CPU, {statements} queries"
        )
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
