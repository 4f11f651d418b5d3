"""The admin's list of pairs: filter, search, sort and page the health rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from portal.models import Program
from portal.services.insights.health import HealthStatus, PairRow, current_rows, status_counts

PAGE_SIZE = 25
SORTS = {
    "status": ("Status (most urgent first)", lambda r: (r.status.rank, r.mentee_name.lower())),
    "mentee": ("Mentee name", lambda r: r.mentee_name.lower()),
    "mentor": ("Mentor name", lambda r: (r.mentor_name.lower(), r.mentee_name.lower())),
    "last_met": (
        "Longest since last meeting",
        lambda r: (r.facts.last_met_on or r.facts.approved_on, r.pairing_id),
    ),
    "next_meeting": (
        "Next meeting (soonest first)",
        lambda r: (r.facts.next_meeting_on or date.max, r.pairing_id),
    ),
    "activity": ("Least activity first", lambda r: (r.activity, r.pairing_id)),
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
        if filters.mentor and not filters.mentor.isdigit():
            filters.errors["mentor"] = "Choose a mentor from the list."
            filters.mentor = ""
        page = (args.get("page") or "1").strip()
        filters.page = int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1
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


def apply_filters(rows: list[PairRow], filters: PairFilters) -> list[PairRow]:
    """Filter, search and sort (the whole list, before paging)."""
    picked = rows
    if filters.status:
        picked = [r for r in picked if r.status.value == filters.status]
    if filters.mentor:
        picked = [r for r in picked if r.mentor_id == int(filters.mentor)]
    if filters.department:
        wanted = filters.department.casefold()
        picked = [r for r in picked if r.department.casefold() == wanted]
    if filters.q:
        needle = filters.q.casefold()
        picked = [
            r
            for r in picked
            if needle in r.mentee_name.casefold() or needle in r.mentor_name.casefold()
        ]
    return sorted(picked, key=SORTS[filters.sort][1])


def pair_list(program: Program, filters: PairFilters, today: date) -> PairList:
    """One page of the programme's pairs, with the counts and choices the filters show."""
    rows = current_rows([program], today)
    picked = apply_filters(rows, filters)
    pages = max((len(picked) + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(filters.page, pages)
    return PairList(
        rows=picked[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        total=len(picked),
        page=page,
        pages=pages,
        counts=status_counts(rows),
        mentors=sorted({(r.mentor_id, r.mentor_name) for r in rows}, key=lambda m: m[1].lower()),
        departments=sorted({r.department for r in rows if r.department}, key=str.lower),
    )


def filtered_rows(program: Program, filters: PairFilters, today: date) -> list[PairRow]:
    """Every row the filters select (the CSV export), not just one page."""
    return apply_filters(current_rows([program], today), filters)
