"""A pairing joins one mentor and one mentee within a program."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models._time import enum_column, utcnow

if TYPE_CHECKING:
    from portal.models.programs import Program
    from portal.models.users import User


class PairingStatus(StrEnum):
    proposed = "proposed"
    active = "active"
    completed = "completed"
    ended = "ended"


# Partners see each other's shared material while a pairing runs and after it completes.
SHARING_STATUSES = (PairingStatus.active, PairingStatus.completed)
# A pairing whose partners read what was shared in it (once it is open, see opens_at):
# after it ends or completes, both keep reading, read-only.
READABLE_STATUSES = (PairingStatus.active, PairingStatus.completed, PairingStatus.ended)


class Pairing(db.Model):
    __tablename__ = "pairings"
    __table_args__ = (
        CheckConstraint("mentor_id <> mentee_id", name="not_self"),
        # One mentor per mentee in a program, enforced by the database as well.
        Index(
            "uq_pairings_active_mentee",
            "program_id",
            "mentee_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        # A mentor's places in a programme (discovery, choosing's capacity count).
        Index("ix_pairings_program_mentor_status", "program_id", "mentor_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), index=True
    )
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[PairingStatus] = mapped_column(
        enum_column(PairingStatus), default=PairingStatus.proposed
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_at: Mapped[datetime | None]
    # When both partners were told (approval + the undo window): before it, neither partner
    # sees the pairing or anything in it. NULL while proposed, and again after an undo.
    opens_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(Text)
    # What the matcher said when it proposed the pair: the score (0-100), the three factors
    # that weighed most, and near-misses. Shown to admins only.
    score: Mapped[float | None]
    explanation: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    program: Mapped[Program] = relationship()
    mentor: Mapped[User] = relationship(foreign_keys=[mentor_id])
    mentee: Mapped[User] = relationship(foreign_keys=[mentee_id])

    def __repr__(self) -> str:
        return f"<Pairing {self.mentor_id}->{self.mentee_id} {self.status}>"

    def involves(self, user: User) -> bool:
        return user.id in (self.mentor_id, self.mentee_id)

    def partner_of(self, user: User) -> User:
        """The other person in this pairing."""
        return self.mentee if user.id == self.mentor_id else self.mentor

    def role_of(self, user: User) -> str:
        return "mentor" if user.id == self.mentor_id else "mentee"

    @staticmethod
    def partner_ids(user: User, pairings: list[Pairing], role: str | None = None) -> list[int]:
        """Ids of the user's partners in these pairings; with ``role``, only partners in that
        role ("mentor": the user's mentors). Panels narrow their queries with these; the access
        rule stays in each query, so this can never widen what anyone sees."""
        return [
            p.mentee_id if p.mentor_id == user.id else p.mentor_id
            for p in pairings
            if role is None or p.role_of(user) != role
        ]

    def is_open(self, now: datetime | None = None) -> bool:
        """True once both partners were told, after the undo window."""
        return self.opens_at is not None and self.opens_at <= (now or utcnow())

    def is_readable(self) -> bool:
        """Its partners read what was shared in it: approved, open, ended or not."""
        return self.status in READABLE_STATUSES and self.is_open()

    def is_sharable(self) -> bool:
        """New material may be shared in it: active and open."""
        return self.status is PairingStatus.active and self.is_open()

    @property
    def is_past(self) -> bool:
        return self.status in (PairingStatus.completed, PairingStatus.ended)

    def activate(self) -> None:
        self.status = PairingStatus.active
        self.approved_at = utcnow()

    def end(self, reason: str) -> None:
        self.status = PairingStatus.ended
        self.ended_at = utcnow()
        self.end_reason = reason
