"""What the admin matching page shows for one programme: counts, and one page of each list.

The board's cost depends on the page size, not on the cohort: lists page in the database,
and no list of every mentor is ever rendered (a swap searches, see swaps.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from portal.core.bounds import page_number
from portal.extensions import db
from portal.models import (
    Membership,
    MembershipStatus,
    Pairing,
    PairingStatus,
    Program,
    Role,
    User,
)
from portal.models.enrollment import AuditEvent
from portal.services.matching.proposals import mentor_capacity
from portal.services.matching.settings import MatchingSettings
from portal.services.platform.paging import Page, clean_text, paginate

SORTS = {
    "score": "Best score first",
    "score_low": "Lowest score first",
    "mentee": "Mentee's name",
    "mentor": "Mentor's name",
}
BUSY = (PairingStatus.active, PairingStatus.proposed)


@dataclass
class BoardQuery:
    """The board's search, sort and pages, read from the query string."""

    q: str = ""
    sort: str = "score"
    page: int = 1
    active_page: int = 1
    waiting_page: int = 1

    @classmethod
    def from_args(cls, args) -> BoardQuery:
        sort = args.get("sort", "score")
        return cls(
            q=clean_text(args.get("q")),
            sort=sort if sort in SORTS else "score",
            page=page_number(args.get("page")),
            active_page=page_number(args.get("active_page")),
            waiting_page=page_number(args.get("waiting_page")),
        )

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query-string arguments for a link that changes some of them."""
        values = {
            "q": self.q or None,
            "sort": None if self.sort == "score" else self.sort,
            "page": self.page if self.page > 1 else None,
            "active_page": self.active_page if self.active_page > 1 else None,
            "waiting_page": self.waiting_page if self.waiting_page > 1 else None,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v not in (None, "", 1)}


@dataclass
class MatchingBoard:
    program: Program
    settings: MatchingSettings
    query: BoardQuery = field(default_factory=BoardQuery)
    proposed: Page = field(default_factory=lambda: Page([], 1, 0))
    active: Page = field(default_factory=lambda: Page([], 1, 0))
    waiting: Page = field(default_factory=lambda: Page([], 1, 0))  # approved mentees, no pair
    reasons: dict[int, str] = field(default_factory=dict)  # why the matcher left them out
    proposed_count: int = 0
    active_count: int = 0
    waiting_count: int = 0
    proposed_total: float = 0.0
    free_places: int = 0
    mentor_count: int = 0
    applications: int = 0


def _pairings_page(program: Program, status: PairingStatus, query: BoardQuery, page: int) -> Page:
    mentor, mentee = aliased(User), aliased(User)
    stmt = (
        select(Pairing)
        .join(mentor, mentor.id == Pairing.mentor_id)
        .join(mentee, mentee.id == Pairing.mentee_id)
        .where(Pairing.program_id == program.id, Pairing.status == status)
    )
    if query.q:
        stmt = stmt.where(
            or_(
                mentor.name.icontains(query.q, autoescape=True),
                mentee.name.icontains(query.q, autoescape=True),
                mentor.email.icontains(query.q, autoescape=True),
                mentee.email.icontains(query.q, autoescape=True),
            )
        )
    order = {
        "score": (Pairing.score.desc(),),
        "score_low": (Pairing.score.asc(),),
        "mentee": (func.lower(mentee.name),),
        "mentor": (func.lower(mentor.name),),
    }[query.sort]
    if status is PairingStatus.active and query.sort == "score":
        order = (Pairing.approved_at.desc(),)
    return paginate(
        stmt.options(
            joinedload(Pairing.mentor), joinedload(Pairing.mentee), joinedload(Pairing.program)
        ).order_by(*order, Pairing.id),
        page,
    )


def _waiting_query(program: Program, q: str) -> Select:
    paired = exists().where(
        Pairing.program_id == program.id,
        Pairing.mentee_id == Membership.user_id,
        Pairing.status.in_(BUSY),
    )
    stmt = (
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .options(joinedload(Membership.user))
        .where(
            Membership.active_in(program.id, Role.mentee),
            ~paired,
        )
    )
    if q:
        stmt = stmt.where(
            or_(User.name.icontains(q, autoescape=True), User.email.icontains(q, autoescape=True))
        )
    return stmt.order_by(func.lower(User.name), Membership.id)


def _counts(board: MatchingBoard) -> None:
    program = board.program
    rows = db.session.execute(
        select(Pairing.status, func.count(Pairing.id), func.coalesce(func.sum(Pairing.score), 0))
        .where(Pairing.program_id == program.id, Pairing.status.in_(BUSY))
        .group_by(Pairing.status)
    ).all()
    by_status = {status: (count, total) for status, count, total in rows}
    board.proposed_count, board.proposed_total = by_status.get(PairingStatus.proposed, (0, 0))
    board.active_count = by_status.get(PairingStatus.active, (0, 0))[0]
    taken = dict(
        db.session.execute(
            select(Pairing.mentor_id, func.count(Pairing.id))
            .where(Pairing.program_id == program.id, Pairing.status.in_(BUSY))
            .group_by(Pairing.mentor_id)
        ).all()
    )
    # Capacity lives in each mentor's answers: read only that value, not whole profiles.
    capacities = db.session.execute(
        select(Membership.user_id, Membership.profile["capacity"].as_string()).where(
            Membership.active_in(program.id, Role.mentor),
        )
    ).all()
    board.mentor_count = len(capacities)
    board.free_places = sum(
        max(mentor_capacity(Membership(profile={"capacity": cap})) - taken.get(uid, 0), 0)
        for uid, cap in capacities
    )
    board.applications = db.session.scalar(
        select(func.count(Membership.id)).where(
            Membership.program_id == program.id, Membership.status == MembershipStatus.applied
        )
    )


def board_for(program: Program, query: BoardQuery | None = None) -> MatchingBoard:
    """Counts for the whole programme and one page of each list, in a fixed number of queries."""
    query = query or BoardQuery()
    board = MatchingBoard(
        program=program, settings=MatchingSettings.from_json(program.matching), query=query
    )
    _counts(board)
    board.proposed = _pairings_page(program, PairingStatus.proposed, query, query.page)
    board.active = _pairings_page(program, PairingStatus.active, query, query.active_page)
    board.waiting = paginate(_waiting_query(program, query.q), query.waiting_page)
    board.waiting_count = board.waiting.total
    if query.q:
        board.waiting_count = db.session.scalar(
            select(func.count()).select_from(_waiting_query(program, "").subquery())
        )
    last = db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.program_id == program.id, AuditEvent.action == "matching.proposed")
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(1)
    )
    if last is not None:
        shown = {m.user_id for m in board.waiting.items}
        board.reasons = {
            u["user_id"]: u["reason"]
            for u in (last.detail or {}).get("unmatched", [])
            if u.get("user_id") in shown
        }
    return board


def pairing_in(
    program: Program, pairing_id: int, status: PairingStatus | None = None
) -> Pairing | None:
    query = select(Pairing).where(Pairing.id == pairing_id, Pairing.program_id == program.id)
    if status is not None:
        query = query.where(Pairing.status == status)
    return db.session.scalar(query)
