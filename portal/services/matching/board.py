"""What the admin matching page shows for one programme, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from portal.extensions import db
from portal.models import Membership, MembershipStatus, Pairing, PairingStatus, Program, Role
from portal.models.enrollment import AuditEvent
from portal.services.matching.proposals import (
    active_members,
    active_pairings,
    mentor_capacity,
    proposed_pairings,
)
from portal.services.matching.settings import MatchingSettings


@dataclass
class MentorPlace:
    membership: Membership
    capacity: int
    taken: int

    @property
    def free(self) -> int:
        return max(self.capacity - self.taken, 0)


@dataclass
class MatchingBoard:
    program: Program
    settings: MatchingSettings
    proposed: list[Pairing] = field(default_factory=list)
    active: list[Pairing] = field(default_factory=list)
    mentors: list[MentorPlace] = field(default_factory=list)
    waiting: list[Membership] = field(default_factory=list)  # approved mentees without a pair
    reasons: dict[int, str] = field(default_factory=dict)  # why the matcher left them out
    applications: int = 0

    @property
    def proposed_total(self) -> float:
        return sum(p.score or 0 for p in self.proposed)

    @property
    def free_places(self) -> int:
        return sum(m.free for m in self.mentors)


def board_for(program: Program) -> MatchingBoard:
    board = MatchingBoard(program=program, settings=MatchingSettings.from_json(program.matching))
    board.proposed = proposed_pairings(program)
    board.active = active_pairings(program)
    taken: dict[int, int] = {}
    for pairing in [*board.proposed, *board.active]:
        taken[pairing.mentor_id] = taken.get(pairing.mentor_id, 0) + 1
    board.mentors = [
        MentorPlace(m, mentor_capacity(m), taken.get(m.user_id, 0))
        for m in active_members(program, Role.mentor)
    ]
    paired = {p.mentee_id for p in [*board.proposed, *board.active]}
    board.waiting = [m for m in active_members(program, Role.mentee) if m.user_id not in paired]
    last = db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.program_id == program.id, AuditEvent.action == "matching.proposed")
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(1)
    )
    if last is not None:
        board.reasons = {u["user_id"]: u["reason"] for u in last.detail.get("unmatched", [])}
    board.applications = len(
        db.session.scalars(
            select(Membership.id).where(
                Membership.program_id == program.id, Membership.status == MembershipStatus.applied
            )
        ).all()
    )
    return board


def pairing_in(
    program: Program, pairing_id: int, status: PairingStatus | None = None
) -> Pairing | None:
    query = select(Pairing).where(Pairing.id == pairing_id, Pairing.program_id == program.id)
    if status is not None:
        query = query.where(Pairing.status == status)
    return db.session.scalar(query)
