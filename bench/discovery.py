"""Mentor discovery at scale on PostgreSQL: 3,000 mentors x 10,000 mentees in one programme.

Builds one self-service programme (MENTORS mentors with capacity 1-5, MENTEES mentees, a
third of them already paired, open requests spread over the mentors, some mentors away, two
leads enrolled as mentors who must never be listed), then times `discover()` for many
different mentees, with and without filters and on later pages, counts its SQL statements,
and prints EXPLAIN ANALYZE of the two queries.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/horizon_choose_bench \\
        .venv/bin/python bench/discovery.py [mentors] [mentees]

The database is dropped and created again first; it defaults to the URL above.
It also times GET /choose/<slug>/ through the test client (page, fragment, page 7, filtered).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy import event  # noqa: E402
from sqlalchemy.orm import joinedload  # noqa: E402
from support import (  # noqa: E402
    analyze,
    bench_app,
    fresh_database,
    insert_ids,
    insert_people,
    load_line,
    migrate,
    signed_in,
    timed,
)

from portal.extensions import db  # noqa: E402
from portal.models import (  # noqa: E402
    Membership,
    MembershipStatus,
    Pairing,
    PairingStatus,
    Program,
    ProgramStatus,
    Role,
    User,
    utcnow,
)
from portal.models.choosing import (  # noqa: E402
    ChoosingSettings,
    MatchingMode,
    MentorAbsence,
    MentorRequest,
)
from portal.models.leads import ProgramLead  # noqa: E402
from portal.services.choosing import discovery  # noqa: E402
from portal.services.matching.synthetic import random_profile  # noqa: E402

URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/horizon_choose_bench"
)
TODAY = date(2027, 3, 1)


def build(n_mentors: int, n_mentees: int) -> Program:
    """Bulk rows: the benchmark's setup, not the code under test."""
    rng = random.Random(20)
    program = Program(
        name="Choose your mentor",
        slug="choose",
        starts_on=date(2027, 1, 1),
        ends_on=date(2027, 12, 31),
        status=ProgramStatus.running,
    )
    db.session.add(program)
    db.session.flush()
    db.session.add(ChoosingSettings(program_id=program.id, mode=MatchingMode.self_service))
    ids = insert_people(n_mentors + n_mentees, password_hash="!bench")
    mentor_ids, mentee_ids = ids[:n_mentors], ids[n_mentors:]
    rows = []
    for uid in mentor_ids:
        profile = random_profile(rng, "mentor")
        profile["help_with"] = "Finding your feet as a new lead; " + profile["strengths"][0]
        rows.append(
            {
                "user_id": uid,
                "program_id": program.id,
                "role": Role.mentor,
                "status": MembershipStatus.active,
                "profile": profile,
            }
        )
    for uid in mentee_ids:
        rows.append(
            {
                "user_id": uid,
                "program_id": program.id,
                "role": Role.mentee,
                "status": MembershipStatus.active,
                "profile": random_profile(rng, "mentee"),
            }
        )
    member_ids = insert_ids(Membership, rows)
    capacity = {r["user_id"]: r["profile"]["capacity"] for r in rows[:n_mentors]}
    # A third of the mentees are paired already; mentors fill up, many to the brim.
    pairs, load = [], dict.fromkeys(mentor_ids, 0)
    for mentee in mentee_ids[: n_mentees // 3]:
        mentor = rng.choice(mentor_ids)
        if load[mentor] < capacity[mentor]:
            load[mentor] += 1
            pairs.append(
                {
                    "program_id": program.id,
                    "mentor_id": mentor,
                    "mentee_id": mentee,
                    "status": PairingStatus.active,
                    "approved_at": utcnow(),
                    "opens_at": utcnow(),
                }
            )
    db.session.execute(sa.insert(Pairing), pairs)
    # 3,000 open requests from unpaired mentees (up to 3 each), and 10,000 closed ones.
    now = utcnow()
    requests = []
    for mentee in mentee_ids[n_mentees // 3 : n_mentees // 3 + 1000]:
        for mentor in rng.sample(mentor_ids, 3):
            requests.append(_request(program, mentee, mentor, "open", now))
    for _ in range(10_000):
        mentee, mentor = rng.choice(mentee_ids), rng.choice(mentor_ids)
        requests.append(_request(program, mentee, mentor, rng.choice(["declined", "expired"]), now))
    db.session.execute(sa.insert(MentorRequest), requests)
    # 100 mentors away today; two leads who are also enrolled as mentors.
    away = [
        {
            "membership_id": member_ids[i],
            "away_from": TODAY,
            "away_until": TODAY + timedelta(30),
        }
        for i in rng.sample(range(n_mentors), 100)
    ]
    db.session.execute(sa.insert(MentorAbsence), away)
    db.session.add_all([ProgramLead(program_id=program.id, user_id=mentor_ids[i]) for i in (0, 1)])
    db.session.commit()
    analyze()
    return program


def _request(program: Program, mentee: int, mentor: int, status: str, now) -> dict:
    return {
        "program_id": program.id,
        "mentee_id": mentee,
        "mentor_id": mentor,
        "note": "I would like to learn how you handled your first team.",
        "status": status,
        "created_at": now,
        "remind_at": now + timedelta(days=7),
        "expires_at": now + timedelta(days=14),
    }


class Counter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.statements.append(statement)


def main() -> None:
    n_mentors, n_mentees = (
        int(a) for a in (sys.argv[1:3] + ["3000", "10000"][len(sys.argv[1:3]) :])
    )
    reuse = os.environ.get("BENCH_REUSE") == "1"  # time again without building again
    print(f"{load_line()} (at start)")
    if not reuse:
        fresh_database(URL)
    app = bench_app(URL)
    with app.app_context():
        if reuse:
            program = db.session.scalar(sa.select(Program).where(Program.slug == "choose"))
            return measure(program)
        migrate()
        started = time.perf_counter()
        program = build(n_mentors, n_mentees)
        print(
            f"built {n_mentors:,} mentors x {n_mentees:,} mentees in "
            f"{time.perf_counter() - started:.1f} s"
        )
        measure(program)


def measure(program: Program) -> None:
    """Time discover() for many mentees and cases; then rotation and EXPLAIN (no build)."""
    settings = db.session.get(ChoosingSettings, program.id)
    unpaired = list(
        db.session.scalars(
            sa.select(Membership)
            .options(joinedload(Membership.user))
            .where(Membership.program_id == program.id, Membership.role == Role.mentee)
            .order_by(Membership.id.desc())
            .limit(30)
        )
    )
    cases = {
        "page 1, no filter": (discovery.Filters(), 1),
        "page 5, no filter": (discovery.Filters(), 5),
        "skill + format": (
            discovery.Filters(skill="leadership", format="remote"),
            1,
        ),
        "department + within 3h": (
            discovery.Filters(department="Engineering", within_hours=3),
            1,
        ),
        "text q='new lead coaching'": (discovery.Filters(q="new lead coaching"), 1),
    }
    print(f"{'case':32} {'median':>8} {'p95':>8} {'worst':>8} {'queries':>8} {'shown/total':>12}")
    for label, (filters, page) in cases.items():
        seconds, counts, result = [], set(), None
        for mentee in unpaired:
            counter = Counter()
            event.listen(db.engine, "before_cursor_execute", counter)
            t = time.perf_counter()
            result = discovery.discover(program, settings, mentee, filters, page, TODAY)
            seconds.append(time.perf_counter() - t)
            event.remove(db.engine, "before_cursor_execute", counter)
            counts.add(len(counter.statements))
        seconds.sort()
        p95 = seconds[int(len(seconds) * 0.95) - 1]
        print(
            f"{label:32} {statistics.median(seconds) * 1000:6.1f}ms {p95 * 1000:6.1f}ms "
            f"{seconds[-1] * 1000:6.1f}ms {sorted(counts)!s:>8} "
            f"{len(result.suggestions):>5}/{result.total:<6}"
        )
    # Fair rotation: how often each mentor is first on page 1 across 1,000 mentees.
    firsts: dict[int, int] = {}
    many = list(
        db.session.scalars(
            sa.select(Membership)
            .options(joinedload(Membership.user))
            .where(Membership.program_id == program.id, Membership.role == Role.mentee)
            .order_by(Membership.id.desc())
            .limit(300)
        )
    )
    t = time.perf_counter()
    for mentee in many:
        first = discovery.discover(program, settings, mentee, discovery.Filters(), 1, TODAY)
        if first.suggestions:
            firsts[first.suggestions[0].user_id] = firsts.get(first.suggestions[0].user_id, 0) + 1
    print(
        f"rotation: 300 mentees saw {len(firsts)} different first mentors; "
        f"the most shown first was first for {max(firsts.values())} of them "
        f"({(time.perf_counter() - t) / len(many) * 1000:.1f} ms each)"
    )
    page_timings(program)
    explain(program)
    db.engine.dispose()


def page_timings(program: Program) -> None:
    """GET /choose/<slug>/ through the app as a signed-in mentee: page, fragment, filtered."""
    mentee = db.session.scalar(
        sa.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.program_id == program.id, Membership.role == Role.mentee)
        .order_by(User.id.desc())
    )
    mentee.set_password("bench-password-1")
    db.session.commit()
    client = signed_in(bench_app(URL), mentee.email, "bench-password-1")
    fragment = {"HX-Request": "true", "HX-Target": "mentor-list"}
    urls = [
        ("/choose/choose/", {}),
        ("/choose/choose/", fragment),
        ("/choose/choose/?page=7", {}),
        ("/choose/choose/?skill=coaching&format=remote", fragment),
    ]
    print(f"\n{'page (through the app, signed in)':48} {'median':>8} {'worst':>8} status")
    for url, headers in urls:
        median, worst, status, _size = timed(client, url, 15, headers)
        label = url + (" (fragment)" if headers else "")
        print(f"{label:48} {median * 1000:6.1f}ms {worst * 1000:6.1f}ms {status}")
    print(load_line())


def explain(program: Program) -> None:
    """EXPLAIN ANALYZE of the two discovery queries, as the service sends them."""
    mentee = db.session.scalar(
        sa.select(Membership).where(Membership.role == Role.mentee).order_by(Membership.id.desc())
    )
    queries = {
        "listed mentors": discovery._listed_mentors(program, mentee.user_id, TODAY, compiled=True),
        "mentee state": discovery._mentee_state(program, mentee.user_id, compiled=True),
    }
    for label, statement in queries.items():
        compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
        plan = db.session.execute(sa.text(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}")).scalars()
        print(f"\n--- EXPLAIN ANALYZE: {label}")
        for line in plan:
            print(line)


if __name__ == "__main__":
    main()
