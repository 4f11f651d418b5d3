"""The enrollment queue at scale: search, filters, sort and pages over the applications.

Every query starts from `access.run_memberships(viewer)`, so a programme lead only ever
sees the applications of the programmes they lead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from portal.core.bounds import page_number
from portal.extensions import db
from portal.models import Membership, MembershipCount, MembershipStatus, Program, Role, User
from portal.services import access
from portal.services.platform.paging import Page, clean_text, paginate

STATUSES = {
    "applied": "Waiting for a decision",
    "declined": "Declined",
    "active": "Approved",
}
SORTS = {"oldest": "Oldest first", "newest": "Newest first", "name": "Name"}


@dataclass
class QueueQuery:
    """The queue's search, filters, sort and page, read from a request's values."""

    program: str = ""
    q: str = ""
    role: str = ""
    status: str = "applied"
    department: str = ""
    sort: str = "oldest"
    page: int = 1

    @classmethod
    def from_values(cls, values) -> QueueQuery:
        def pick(name: str, allowed, default: str = "") -> str:
            value = (values.get(name) or "").strip()
            return value if value in allowed else default

        return cls(
            program=clean_text(values.get("program"), 80),
            q=clean_text(values.get("q")),
            role=pick("role", {r.value for r in Role}),
            status=pick("status", STATUSES, "applied"),
            department=clean_text(values.get("department"), 120),
            sort=pick("sort", SORTS, "oldest"),
            page=page_number(values.get("page")),
        )

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query-string arguments for a link or a hidden field (defaults left out)."""
        values = {
            "program": self.program,
            "q": self.q,
            "role": self.role,
            "status": "" if self.status == "applied" else self.status,
            "department": self.department,
            "sort": "" if self.sort == "oldest" else self.sort,
            "page": self.page if self.page > 1 else "",
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v not in (None, "")}

    @property
    def filtered(self) -> bool:
        return bool(self.q or self.role or self.department or self.status != "applied")


def _department():
    return Membership.profile["department"].as_string()


def matching(viewer: User, query: QueueQuery, program: Program | None) -> Select:
    """Every membership the viewer runs that matches the search and filters."""
    stmt = (
        access.run_memberships(viewer)
        .join(User, User.id == Membership.user_id)
        .where(Membership.status == MembershipStatus(query.status))
    )
    if program is not None:
        stmt = stmt.where(Membership.program_id == program.id)
    if query.role:
        stmt = stmt.where(Membership.role == Role(query.role))
    if query.department:
        stmt = stmt.where(func.lower(_department()) == query.department.lower())
    if query.q:
        stmt = stmt.where(
            or_(
                User.name.icontains(query.q, autoescape=True),
                User.email.icontains(query.q, autoescape=True),
            )
        )
    return stmt


def page(viewer: User, query: QueueQuery, program: Program | None) -> Page:
    """One page of the queue, with the total for the pager."""
    order = {
        "oldest": (Membership.created_at, Membership.id),
        "newest": (Membership.created_at.desc(), Membership.id.desc()),
        "name": (func.lower(User.name), Membership.id),
    }[query.sort]
    stmt = (
        matching(viewer, query, program)
        .options(joinedload(Membership.user), joinedload(Membership.program))
        .order_by(*order)
    )
    # Unfiltered, the total is the maintained count: no count of every application.
    total = None if query.filtered else waiting_count(viewer, program)
    return paginate(stmt, query.page, total)


def matching_ids(viewer: User, query: QueueQuery, program: Program | None) -> list[int]:
    """The ids of every application the search matches (for "select all that match")."""
    stmt = matching(viewer, query, program).with_only_columns(Membership.id)
    return list(db.session.scalars(stmt))


def waiting_count(viewer: User, program: Program | None = None) -> int:
    """Applications waiting in the programmes the viewer runs (or in one of them), from the
    counts that database triggers keep (MembershipCount), not a count of every application."""
    programs = access.run_programs(viewer).with_only_columns(Program.id)
    if program is not None:
        programs = programs.where(Program.id == program.id)
    stmt = select(func.coalesce(func.sum(MembershipCount.members), 0)).where(
        MembershipCount.program_id.in_(programs),
        MembershipCount.status == MembershipStatus.applied.value,
    )
    return int(db.session.scalar(stmt) or 0)


def chosen(viewer: User, ids: list[int], shown: int = 20) -> list[Membership]:
    """The first few of the chosen applications, by name, for a confirmation page."""
    stmt = (
        access.run_memberships(viewer)
        .join(User, User.id == Membership.user_id)
        .options(joinedload(Membership.user), joinedload(Membership.program))
        .where(Membership.id.in_(ids[:5000]))
        .order_by(func.lower(User.name))
        .limit(shown)
    )
    return list(db.session.scalars(stmt))


def allowed_ids(viewer: User, ids: list[int]) -> list[int]:
    """Of the ticked ids, those of applications the viewer may decide (others are ignored)."""
    stmt = access.run_memberships(viewer).with_only_columns(Membership.id)
    return list(db.session.scalars(stmt.where(Membership.id.in_(ids[:100_000]))))
