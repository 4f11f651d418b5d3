"""Benchmark: one reminder pass of the worker over 2,000 active pairings (4,000 people).

Standalone: `python bench/guide_reminders.py`. A temporary SQLite database; every pair has a
meeting log, half have an agreed meeting tomorrow and all live in one zone where it is
morning. Prints the seconds and queries of the first pass (which sends) and of a second pass
(which finds everything already sent), and how many messages went out.
"""

from __future__ import annotations

import sys
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event  # noqa: E402
from support import migrated_app  # noqa: E402

from portal.extensions import db  # noqa: E402
from portal.models import Pairing, PairingStatus, Program, User  # noqa: E402
from portal.models.kickoff import MeetingStatus, PlannedMeeting  # noqa: E402
from portal.models.meetings import Meeting  # noqa: E402
from portal.services.reminders import due as reminders  # noqa: E402

PAIRS = 2000


def main() -> None:
    with migrated_app() as app, app.app_context():
        app.config.update(TASKS_IMMEDIATE=True, MAIL_BACKEND="locmem")
        today = date(2026, 3, 2)
        program = Program(
            name="Bench", slug="bench", starts_on=today - timedelta(days=60),
            ends_on=today + timedelta(days=300),
        )  # fmt: skip
        db.session.add(program)
        db.session.flush()
        users = [
            User(email=f"p{i}@bench.test", name=f"Person {i}", password_hash="!", timezone="UTC")
            for i in range(PAIRS * 2)
        ]
        db.session.add_all(users)
        db.session.flush()
        for i in range(PAIRS):
            pairing = Pairing(
                program_id=program.id, mentor_id=users[2 * i].id, mentee_id=users[2 * i + 1].id,
                status=PairingStatus.active, approved_at=datetime(2026, 1, 5, 9),
            )  # fmt: skip
            db.session.add(pairing)
            db.session.flush()
            db.session.add(
                Meeting(pairing_id=pairing.id, held_on=today - timedelta(days=20),
                        created_at=datetime(2026, 2, 10))
            )  # fmt: skip
            if i % 2 == 0:
                db.session.add(
                    PlannedMeeting(
                        pairing_id=pairing.id, uid=f"{uuid.uuid4()}@bench", sequence=0,
                        starts_at=datetime(2026, 3, 3, 10), minutes=60, place="Room",
                        status=MeetingStatus.accepted,
                    )
                )  # fmt: skip
        db.session.commit()
        queries = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: queries.append(1))
        for label in ("first pass (sends)", "second pass (all sent)"):
            queries.clear()
            started = time.perf_counter()
            sent = reminders.send_due(datetime(2026, 3, 2, 9, 0))
            seconds = time.perf_counter() - started
            print(f"{label}: {seconds:.2f} s, {len(queries)} queries, {sent} messages sent")


if __name__ == "__main__":
    main()
