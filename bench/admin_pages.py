"""The admin pages at scale on PostgreSQL: the enrollment queue and the matching board.

Builds one programme with APPLICANTS waiting applications, MENTORS approved mentors and
PROPOSALS proposed pairs (each with its own approved mentee), then times the pages an
admin opens, as a signed-in admin through the app's test client, and prints figures.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/hz_admin_bench \\
        .venv/bin/python bench/admin_pages.py [applicants] [mentors] [proposals]

The database is created when missing and emptied first; it defaults to the URL above.
"""

from __future__ import annotations

import os
import random
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402
from support import analyze, bench_app, fresh_database, insert_people, migrate, signed_in, timed  # noqa: E402

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
)
from portal.services.matching.synthetic import random_profile  # noqa: E402

URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/hz_admin_bench"
)
PASSWORD = "bench-password-1"  # noqa: S105 (a throwaway account in a throwaway database)


def build(applicants: int, mentors: int, proposals: int) -> None:
    """Bulk rows through insertmanyvalues: the benchmark's setup, not the code under test."""
    rng = random.Random(9)
    admin = User(email="bench-admin@example.org", name="Bench Admin", is_portal_admin=True)
    admin.set_password(PASSWORD)
    program = Program(
        name="Big cohort",
        slug="big",
        starts_on=date(2027, 1, 1),
        ends_on=date(2027, 12, 31),
        status=ProgramStatus.enrolling,
    )
    db.session.add_all([admin, program])
    db.session.commit()
    total = applicants + mentors + proposals
    first = ["Ana", "Ben", "Cy", "Dee", "Eli", "Fay", "Gus", "Hana"]
    ids = insert_people(total, admin.password_hash, name=lambda i: f"{rng.choice(first)} Person{i}")
    memberships = []
    for n, user_id in enumerate(ids):
        if n < applicants:
            role = Role.mentor if n % 4 == 0 else Role.mentee
            status = MembershipStatus.applied
        elif n < applicants + mentors:
            role, status = Role.mentor, MembershipStatus.active
        else:
            role, status = Role.mentee, MembershipStatus.active
        memberships.append(
            {
                "user_id": user_id,
                "program_id": program.id,
                "role": role,
                "status": status,
                "profile": random_profile(rng, role.value, max_capacity=3),
            }
        )
    db.session.execute(sa.insert(Membership), memberships)
    mentor_ids = ids[applicants : applicants + mentors]
    mentee_ids = ids[applicants + mentors :]
    pairs = [
        {
            "program_id": program.id,
            "mentor_id": mentor_ids[i % len(mentor_ids)],
            "mentee_id": mentee,
            "status": PairingStatus.proposed,
            "score": round(rng.random() * 100, 2),
        }
        for i, mentee in enumerate(mentee_ids)
    ]
    db.session.execute(sa.insert(Pairing), pairs)
    db.session.commit()
    analyze()


RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def main() -> None:
    applicants, mentors, proposals = (
        int(a) for a in (sys.argv[1:4] + ["10000", "3000", "7000"][len(sys.argv[1:4]) :])
    )
    fresh_database(URL)
    app = bench_app(URL)
    with app.app_context():
        migrate()
        started = time.perf_counter()
        build(applicants, mentors, proposals)
        print(
            f"built {applicants:,} applicants, {mentors:,} mentors, {proposals:,} proposals"
            f" in {time.perf_counter() - started:.1f} s"
        )
        client = signed_in(app, "bench-admin@example.org", PASSWORD)
        pages = [
            "/admin/enrollment?program=big",
            "/admin/enrollment?program=big&q=person77&sort=name",
            "/admin/enrollment?program=big&role=mentor&page=20",
            "/admin/matching/big",
            "/admin/matching/big?page=100&sort=mentee",
            "/admin/matching/big?q=Person9999",
            f"/admin/matching/big/mentees/{_a_mentee(proposals)}/mentors",
            "/admin/programs/big/export/participants.csv",
            "/admin/",
        ]
        print(f"{'page':60} {'median':>9} {'worst':>9} {'status':>6} {'bytes':>11}")
        for url in pages:
            median, worst, status, size = timed(client, url, RUNS)
            print(f"{url:60} {median * 1000:7.0f}ms {worst * 1000:7.0f}ms {status:6} {size:11,}")
        db.engine.dispose()


def _a_mentee(proposals: int) -> int:
    return db.session.scalar(
        sa.select(sa.text("mentee_id")).select_from(sa.text("pairings")).limit(1)
    )


if __name__ == "__main__":
    main()
