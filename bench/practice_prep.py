"""Benchmark: the prep page, the practice list and a practice's page for a pairing with a year
of data (50 practices, 1,000 check-ins, 300 journal entries).

Standalone: `python bench/practice_prep.py`. It builds its own temporary SQLite database
through create_app and the migrations, then prints timings and query counts per page.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event  # noqa: E402
from support import migrated_app  # noqa: E402

from portal.extensions import db  # noqa: E402
from portal.models import (  # noqa: E402
    Membership,
    MembershipStatus,
    Pairing,
    PairingStatus,
    Program,
    Role,
    User,
)
from portal.models.journal import EntryComment, EntryStatus, JournalEntry, Visibility  # noqa: E402
from portal.models.meetings import AgendaPoint, Meeting, MeetingPlan  # noqa: E402
from portal.models.practice import CheckIn, Practice, PracticeComment, PracticeStatus  # noqa: E402
from portal.models.users import password_hasher  # noqa: E402

PRACTICES, CHECK_INS, ENTRIES = 50, 1000, 300
ROUNDS = 20
PASSWORD = "bench-password"


def build(today: date) -> tuple[Pairing, int]:
    rng = random.Random(4)
    start = today - timedelta(days=364)
    program = Program(
        name="Bench",
        slug="bench",
        starts_on=start,
        ends_on=today + timedelta(days=1),
        status="running",
    )
    hashed = password_hasher().hash(PASSWORD)
    mentor = User(email="mentor@bench.test", name="Mentor Bench", password_hash=hashed)
    mentee = User(email="mentee@bench.test", name="Mentee Bench", password_hash=hashed)
    db.session.add_all([program, mentor, mentee])
    db.session.flush()
    for user, role in ((mentor, Role.mentor), (mentee, Role.mentee)):
        db.session.add(
            Membership(user=user, program=program, role=role, status=MembershipStatus.active)
        )
    approved = datetime.combine(start, datetime.min.time())
    pairing = Pairing(
        program=program,
        mentor=mentor,
        mentee=mentee,
        status=PairingStatus.active,
        created_at=approved,
        approved_at=approved,
    )
    db.session.add(pairing)
    db.session.flush()
    meetings = []
    for month in range(12):
        meetings.append(
            Meeting(
                pairing_id=pairing.id,
                held_on=start + timedelta(days=30 * month + 5),
                happened=month != 6,
                notes=f"Month {month} notes.",
            )
        )
    db.session.add_all(meetings)
    db.session.add(MeetingPlan(pairing_id=pairing.id, next_meeting_on=today + timedelta(days=7)))

    practices = []
    for n in range(PRACTICES):
        owner = (mentee, mentor)[n % 2]
        starts = start + timedelta(days=int(n * 364 / PRACTICES))
        ends = min(starts + timedelta(days=rng.choice([13, 20, 27, 34, 41])), today + timedelta(30))
        closed = ends < today
        practices.append(
            Practice(
                owner_id=owner.id,
                title=f"Practice {n}",
                action="Do the thing.",
                idea="An idea.",
                starts_on=starts,
                ends_on=ends,
                per_week=rng.randint(1, 4),
                visibility=Visibility.private if n % 5 == 0 else Visibility.shared,
                status=PracticeStatus.done if closed else PracticeStatus.open,
                reflection="Learned something." if closed else "",
                closed_at=datetime.combine(ends, datetime.min.time()) if closed else None,
            )
        )
    db.session.add_all(practices)
    db.session.flush()
    check_ins = []
    for n in range(CHECK_INS):
        practice = practices[n % PRACTICES]
        span = (min(practice.ends_on, today) - practice.starts_on).days
        day = practice.starts_on + timedelta(days=rng.randint(0, max(span, 0)))
        check_ins.append(
            CheckIn(
                practice_id=practice.id,
                day=day,
                note=f"Noticed {n}.",
                created_at=datetime.combine(day, datetime.min.time()),
            )
        )
    db.session.add_all(check_ins)
    db.session.flush()
    for n, check_in in enumerate(check_ins[::5]):
        practice = practices[n * 5 % PRACTICES]
        author = mentor if practice.owner_id == mentee.id else mentee
        db.session.add(
            PracticeComment(
                practice_id=practice.id,
                check_in_id=check_in.id,
                author_id=author.id,
                body="Keep going!",
                created_at=check_in.created_at,
            )
        )
    for n in range(ENTRIES):
        author = (mentee, mentor)[n % 3 == 0]
        created = approved + timedelta(hours=int(n * 364 * 24 / ENTRIES))
        entry = JournalEntry(
            author_id=author.id,
            title=f"Entry {n}",
            body="Something I noticed. " * 20,
            visibility=Visibility.shared if n % 2 else Visibility.private,
            status=EntryStatus.published,
            created_at=created,
            updated_at=created,
            published_at=created,
        )
        db.session.add(entry)
        db.session.flush()
        if n % 2:
            other = mentor if author.id == mentee.id else mentee
            db.session.add(
                EntryComment(
                    entry_id=entry.id, author_id=other.id, body="Thanks.", created_at=created
                )
            )
    for n in range(6):
        db.session.add(
            AgendaPoint(
                pairing_id=pairing.id, author_id=(mentee, mentor)[n % 2].id, text=f"Point {n}"
            )
        )
    db.session.commit()
    detail_id = next(p.id for p in practices if p.owner_id == mentee.id and p.ends_on >= today)
    return pairing, detail_id


def measure(client, url: str, engine) -> tuple[list[float], int]:
    statements: list[str] = []

    def record(*args):
        statements.append(args[2])

    client.get(url)  # warm up
    timings = []
    for _ in range(ROUNDS):
        statements.clear()
        event.listen(engine, "before_cursor_execute", record)
        began = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - began) * 1000)
        event.remove(engine, "before_cursor_execute", record)
        assert response.status_code == 200, (url, response.status_code)
    return timings, len(statements)


def main() -> None:
    with migrated_app() as app:
        with app.app_context():
            began = time.perf_counter()
            pairing, detail_id = build(date.today())
            print(
                f"Built a year of data in {time.perf_counter() - began:.1f}s: "
                f"{PRACTICES} practices, {CHECK_INS} check-ins, {ENTRIES} journal entries."
            )
            pairing_id = pairing.id
            engine = db.engine
        client = app.test_client()
        client.post("/auth/login", data={"email": "mentee@bench.test", "password": PASSWORD})
        pages = {
            "prep page": f"/pairings/{pairing_id}/prep",
            "practice list": "/practice/",
            "practice detail": f"/practice/{detail_id}",
            "dashboard": "/dashboard/",
        }
        print(f"{'page':<18}{'median ms':>10}{'p95 ms':>9}{'max ms':>9}{'queries':>9}")
        with app.app_context():
            for name, url in pages.items():
                timings, queries = measure(client, url, engine)
                timings.sort()
                p95 = timings[int(len(timings) * 0.95) - 1]
                print(
                    f"{name:<18}{statistics.median(timings):>10.1f}{p95:>9.1f}"
                    f"{max(timings):>9.1f}{queries:>9}"
                )
            engine.dispose()


if __name__ == "__main__":
    main()
