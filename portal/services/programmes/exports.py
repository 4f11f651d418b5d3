"""CSV exports of a programme's participants and pairs, safe to open in a spreadsheet.

A cell that starts with =, +, -, @, a tab or a carriage return would run as a formula in
Excel, LibreOffice or Google Sheets, so such cells get a leading apostrophe (OWASP's
advice for CSV injection). Rows stream from the database in batches.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from portal.extensions import db
from portal.models import Membership, Pairing, Program, User
from portal.services.platform.csv_files import neutralise

EXPORTS = ("participants", "pairs")
BATCH = 1000


def safe_cell(value: Any) -> str:
    """The cell as text, neutralised when a spreadsheet would read it as a formula."""
    return neutralise(value)


def _csv_lines(header: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _date(value) -> str:
    return value.date().isoformat() if value else ""


def participants(program: Program) -> Iterator[str]:
    """Everyone who applied to or was imported into the programme, one row each."""
    header = [
        "name",
        "email",
        "role",
        "status",
        "department",
        "seniority",
        "location",
        "timezone",
        "format",
        "applied_on",
        "decided_on",
    ]
    stmt = (
        select(User.name, User.email, Membership)
        .join(User, User.id == Membership.user_id)
        .where(Membership.program_id == program.id)
        .order_by(Membership.id)
        .execution_options(yield_per=BATCH)
    )

    def rows():
        for name, email, m in db.session.execute(stmt):
            p = m.profile or {}
            yield [
                name,
                email,
                m.role.value,
                m.status.value,
                p.get("department"),
                p.get("seniority"),
                p.get("location"),
                p.get("timezone"),
                p.get("format"),
                _date(m.created_at),
                _date(m.decided_at),
            ]

    return _csv_lines(header, rows())


def pairs(program: Program) -> Iterator[str]:
    """Every pair of the programme (proposed, active, completed, ended), one row each."""
    mentee, mentor = aliased(User), aliased(User)
    header = [
        "mentee",
        "mentee_email",
        "mentor",
        "mentor_email",
        "status",
        "score",
        "proposed_on",
        "approved_on",
        "ended_on",
    ]
    stmt = (
        select(
            mentee.name,
            mentee.email,
            mentor.name,
            mentor.email,
            Pairing.status,
            Pairing.score,
            Pairing.created_at,
            Pairing.approved_at,
            Pairing.ended_at,
        )
        .join(mentee, mentee.id == Pairing.mentee_id)
        .join(mentor, mentor.id == Pairing.mentor_id)
        .where(Pairing.program_id == program.id)
        .order_by(Pairing.id)
        .execution_options(yield_per=BATCH)
    )

    def rows():
        for row in db.session.execute(stmt):
            status = row[4].value if hasattr(row[4], "value") else row[4]
            score = "" if row[5] is None else round(row[5])
            yield [*row[:4], status, score, _date(row[6]), _date(row[7]), _date(row[8])]

    return _csv_lines(header, rows())
