"""The admin's list of pairs: filter, search, sort and page today's health snapshot in SQL.

Only one page of rows is read and rendered; the CSV streams every filtered row.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import Select, case, distinct, func, select

from portal.extensions import db
from portal.models import Pairing, PairingStatus, Program, User, utcnow
from portal.models.insights import PairHealthSnapshot as Snapshot
from portal.services.insights import snapshots
from portal.services.insights.health import HealthStatus, PairRow, pair_rows
from portal.services.pairings.next_meeting import next_meetings
from portal.services.platform.csv_files import neutralise

PAGE_SIZE = 25
# An id or a page number: ASCII digits that fit the database's integer.
ID = re.compile(r"[0-9]{1,9}")
CSV_CHUNK = 500
# Each order ends on the pairing id, so pages never overlap or skip a row.
SORTS = {
    "status": (
        "Status (most urgent first)",
        (Snapshot.status_rank, Snapshot.mentee_key, Snapshot.pairing_id),
    ),
    "mentee": ("Mentee name", (Snapshot.mentee_key, Snapshot.pairing_id)),
    "mentor": ("Mentor name", (Snapshot.mentor_key, Snapshot.mentee_key, Snapshot.pairing_id)),
    "last_met": ("Longest since last meeting", (Snapshot.last_contact_on, Snapshot.pairing_id)),
    "next_meeting": (
        "Next meeting (soonest first)",
        (
            case((Snapshot.next_meeting_on.is_(None), 1), else_=0),
            Snapshot.next_meeting_on,
            Snapshot.pairing_id,
        ),
    ),
    "activity": ("Least activity first", (Snapshot.activity, Snapshot.pairing_id)),
}


@dataclass
class PairFilters:
    """The list's query string, checked: unknown values fall back to no filter."""

    status: str = ""
    mentor: str = ""
    department: str = ""
    q: str = ""
    sort: str = "status"
    page: int = 1
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args: Any) -> PairFilters:
        filters = cls(
            status=(args.get("status") or "").strip(),
            mentor=(args.get("mentor") or "").strip(),
            department=(args.get("department") or "").strip()[:120],
            q=(args.get("q") or "").strip()[:120],
            sort=(args.get("sort") or "status").strip(),
        )
        if filters.status and filters.status not in {s.value for s in HealthStatus}:
            filters.errors["status"] = "Choose one of the listed statuses."
            filters.status = ""
        if filters.sort not in SORTS:
            filters.errors["sort"] = "Choose one of the listed orders."
            filters.sort = "status"
        if filters.mentor and not ID.fullmatch(filters.mentor):
            filters.errors["mentor"] = "Choose a mentor from the list."
            filters.mentor = ""
        page = (args.get("page") or "1").strip()
        filters.page = int(page) if ID.fullmatch(page) and 0 < int(page) < 100_000 else 1
        return filters

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query-string values for a link that keeps the other filters."""
        values = {
            "status": self.status,
            "mentor": self.mentor,
            "department": self.department,
            "q": self.q,
            "sort": self.sort,
            "page": self.page,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None, 1) or k == "sort"}


@dataclass
class PairList:
    rows: list[PairRow]
    total: int
    page: int
    pages: int
    counts: dict[HealthStatus, int]
    mentors: list[tuple[int, str]]
    departments: list[str]


def _today(program: Program, today: date) -> Select:
    """The programme's active pairs in today's snapshot."""
    return select(Snapshot.pairing_id).where(
        Snapshot.program_id == program.id, Snapshot.as_of == today
    )


def _filtered(query: Select, filters: PairFilters) -> Select:
    if filters.status:
        query = query.where(Snapshot.status == filters.status)
    if filters.mentor:
        query = query.where(Pairing.mentor_id == int(filters.mentor))
    if filters.department:
        query = query.where(Snapshot.department_key == filters.department.casefold())
    if filters.q:
        # The keys are casefolded when stored, so LIKE matches the same on both databases.
        needle = filters.q.casefold()
        query = query.where(
            Snapshot.mentee_key.contains(needle, autoescape=True)
            | Snapshot.mentor_key.contains(needle, autoescape=True)
        )
    return query


def _rows(program: Program, filters: PairFilters, today: date) -> Select:
    query = snapshots.row_columns().where(
        Snapshot.program_id == program.id, Snapshot.as_of == today
    )
    return _filtered(query, filters).order_by(*SORTS[filters.sort][1])


# The same orders as SORTS, for rows computed in memory (pairs without a stored snapshot).
ROW_ORDERS = {
    "status": lambda r: (r.status.rank, r.mentee_name.casefold(), r.pairing_id),
    "mentee": lambda r: (r.mentee_name.casefold(), r.pairing_id),
    "mentor": lambda r: (r.mentor_name.casefold(), r.mentee_name.casefold(), r.pairing_id),
    "last_met": lambda r: (r.facts.last_met_on or r.facts.approved_on, r.pairing_id),
    "next_meeting": lambda r: (
        r.facts.next_meeting_on is None,
        r.facts.next_meeting_on or date.min,
        r.pairing_id,
    ),
    "activity": lambda r: (r.activity, r.pairing_id),
}


def _matches(row: PairRow, filters: PairFilters) -> bool:
    needle = filters.q.casefold()
    return (
        (not filters.status or row.status.value == filters.status)
        and (not filters.mentor or row.mentor_id == int(filters.mentor))
        and (not filters.department or row.department.casefold() == filters.department.casefold())
        and (
            not needle
            or needle in row.mentee_name.casefold()
            or needle in row.mentor_name.casefold()
        )
    )


def _all_rows(program: Program, today: date, missing: list[int]) -> list[PairRow]:
    """Every active pair's row for today: the stored ones, and the missing ones computed by
    the same formula without storing them (the page is a GET, and a GET never inserts; the
    nightly refresh stores them)."""
    stored = snapshots.row_columns().where(
        Snapshot.program_id == program.id, Snapshot.as_of == today
    )
    rows = [snapshots.to_row(r) for r in db.session.execute(stored)]
    return rows + pair_rows([program], today, pairing_ids=missing)


def _computed_list(program: Program, filters: PairFilters, rows: list[PairRow]) -> PairList:
    counts = dict.fromkeys(HealthStatus, 0)
    for row in rows:
        counts[row.status] += 1
    chosen = sorted((r for r in rows if _matches(r, filters)), key=ROW_ORDERS[filters.sort])
    pages = max((len(chosen) + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(filters.page, pages)
    return PairList(
        rows=_with_next_meetings(chosen[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]),
        total=len(chosen),
        page=page,
        pages=pages,
        counts=counts,
        mentors=sorted({(r.mentor_id, r.mentor_name) for r in rows}, key=lambda m: m[1].lower()),
        departments=sorted({r.department for r in rows if r.department}, key=str.lower),
    )


def _with_next_meetings(rows: list[PairRow]) -> list[PairRow]:
    """The page's rows with the next meeting as it stands now (one function answers it for
    every page), not as the morning's snapshot had it: a meeting agreed since shows at once."""
    upcoming = next_meetings([row.pairing_id for row in rows], utcnow())
    for row in rows:
        found = upcoming.get(row.pairing_id)
        row.facts = replace(row.facts, next_meeting_on=found.day if found else None)
    return rows


def pair_list(program: Program, filters: PairFilters, today: date) -> PairList:
    """One page of the programme's pairs, with the counts and choices the filters show."""
    missing = snapshots.missing_pairs([program], today)
    if missing:  # before tonight's refresh stores them: computed, in memory
        return _computed_list(program, filters, _all_rows(program, today, missing))
    mine = _today(program, today).join(
        Pairing, (Pairing.id == Snapshot.pairing_id) & (Pairing.status == PairingStatus.active)
    )
    counts = dict.fromkeys(HealthStatus, 0)
    for status, n in db.session.execute(
        mine.with_only_columns(Snapshot.status, func.count()).group_by(Snapshot.status)
    ):
        counts[HealthStatus(status)] = n
    total = db.session.scalar(_filtered(mine.with_only_columns(func.count()), filters)) or 0
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(filters.page, pages)
    query = _rows(program, filters, today).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    mentors = db.session.execute(
        mine.with_only_columns(Pairing.mentor_id, User.name)
        .join(User, User.id == Pairing.mentor_id)
        .distinct()
    ).all()
    departments = db.session.scalars(
        mine.with_only_columns(distinct(Snapshot.department)).where(Snapshot.department != "")
    ).all()
    rows = [snapshots.to_row(r) for r in db.session.execute(query)]
    return PairList(
        rows=_with_next_meetings(rows),
        total=total,
        page=page,
        pages=pages,
        counts=counts,
        mentors=sorted(((i, n) for i, n in mentors), key=lambda m: m[1].lower()),
        departments=sorted(departments, key=str.lower),
    )


CSV_HEADER = [
    "Mentee",
    "Mentor",
    "Department",
    "Status",
    "Reasons",
    "Approved",
    "Last meeting",
    "Next meeting",
    "Mentee activity (30 days)",
    "Mentor activity (30 days)",
]


def _csv_cells(r: PairRow) -> list:
    return [
        r.mentee_name,
        r.mentor_name,
        r.department,
        r.status.label,
        "; ".join(r.health.reasons),
        r.facts.approved_on.isoformat(),
        r.facts.last_met_on.isoformat() if r.facts.last_met_on else "",
        r.facts.next_meeting_on.isoformat() if r.facts.next_meeting_on else "",
        r.facts.mentee.total,
        r.facts.mentor.total,
    ]


def filtered_rows(program: Program, filters: PairFilters, today: date) -> Iterator[PairRow]:
    """Every row the filters select (the CSV export), not just one page, read in chunks."""
    missing = snapshots.missing_pairs([program], today)
    if missing:
        rows = _all_rows(program, today, missing)
        yield from sorted((r for r in rows if _matches(r, filters)), key=ROW_ORDERS[filters.sort])
        return
    query = _rows(program, filters, today).execution_options(yield_per=CSV_CHUNK)
    for result in db.session.execute(query):
        yield snapshots.to_row(result)


def csv_chunks(program: Program, filters: PairFilters, today: date) -> Iterator[str]:
    """The filtered pairs as CSV text, a few hundred rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(h) for h in CSV_HEADER])
    batch: list[PairRow] = []
    for row in filtered_rows(program, filters, today):
        batch.append(row)
        if len(batch) == CSV_CHUNK:
            # The next meeting as the list page shows it (live), a chunk at a time.
            writer.writerows(
                [neutralise(c) for c in _csv_cells(r)] for r in _with_next_meetings(batch)
            )
            batch = []
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    writer.writerows([neutralise(c) for c in _csv_cells(r)] for r in _with_next_meetings(batch))
    yield buffer.getvalue()
