"""Benchmark: importing participants from CSV (250 and 2,000 rows; 100,000 with --large).

Standalone: `python bench/csv_import.py [rows ...]`. It builds its own temporary SQLite
database through create_app and the migrations, with production argon2 settings, and
prints the seconds to check and to import each file (the import runs as the worker would,
and the figure includes queueing and delivering the invitations to a dummy mail backend).
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from support import migrated_app  # noqa: E402

from portal.extensions import db  # noqa: E402
from portal.models import Program, User  # noqa: E402
from portal.services.programmes import enrollment  # noqa: E402
from portal.tasks import init_tasks  # noqa: E402

HEADER = "email,name,role,department,seniority,timezone,format,values,goals,strengths,capacity"


def csv_text(rows: int, tag: str) -> str:
    lines = [HEADER]
    for i in range(rows):
        role = "mentor" if i % 4 == 0 else "mentee"
        lines.append(
            f"p{i}.{tag}@bench.test,Person {i},{role},Dept {i % 12},{1 + i % 6},Europe/Berlin,"
            f"either,growth;candour,leadership,coaching,{1 + i % 3}"
        )
    return "\n".join(lines)


def main(sizes: list[int]) -> None:
    with migrated_app() as app, app.app_context():
        # Invitations are queued and delivered inline to a dummy backend: the figures are
        # the import's own work, as the worker does it.
        app.config.update(TASKS_IMMEDIATE=True, MAIL_BACKEND="dummy")
        init_tasks(app)
        admin = User(
            email="admin@bench.test", name="Admin", password_hash="!", is_portal_admin=True
        )
        db.session.add(admin)
        db.session.commit()
        print(f"{'rows':>8} {'check s':>9} {'import s':>9}  result")
        for n, rows in enumerate(sizes):
            program = Program(
                name=f"Bench {n}",
                slug=f"bench-{n}",
                starts_on=date(2026, 1, 1),
                ends_on=date(2026, 12, 31),
            )
            db.session.add(program)
            db.session.commit()
            text = csv_text(rows, str(n))
            started = time.perf_counter()
            result = enrollment.check_csv(program, text)
            checked = time.perf_counter() - started
            started = time.perf_counter()
            result = enrollment.import_csv(program, text, admin)
            imported = time.perf_counter() - started
            counts = f"created {result.created}, updated {result.updated}, skipped {result.skipped}"
            print(f"{rows:>8} {checked:>9.2f} {imported:>9.2f}  {counts}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [250, 2000])
