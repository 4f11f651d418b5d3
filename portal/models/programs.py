"""Programs and who takes part in them, in which role."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models._time import enum_column, utcnow

if TYPE_CHECKING:
    from portal.models.users import User


class Cadence(StrEnum):
    monthly = "monthly"
    biweekly = "biweekly"

    @property
    def days(self) -> int:
        """How many days may pass between two meetings."""
        return 14 if self is Cadence.biweekly else 31

    @property
    def label(self) -> str:
        return "every two weeks" if self is Cadence.biweekly else "monthly"


class ProgramFormat(StrEnum):
    """How a programme's participants meet: in pairs, in circles (a facilitator with a small
    group), or both (see docs/circles.md)."""

    one_to_one = "one_to_one"
    circles = "circles"
    both = "both"

    @property
    def has_circles(self) -> bool:
        return self is not ProgramFormat.one_to_one


class ProgramStatus(StrEnum):
    draft = "draft"
    enrolling = "enrolling"
    running = "running"
    completed = "completed"


class Role(StrEnum):
    mentor = "mentor"
    mentee = "mentee"


class MembershipStatus(StrEnum):
    applied = "applied"
    active = "active"
    declined = "declined"
    withdrawn = "withdrawn"


class Program(db.Model):
    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    cadence: Mapped[Cadence] = mapped_column(enum_column(Cadence), default=Cadence.monthly)
    status: Mapped[ProgramStatus] = mapped_column(
        enum_column(ProgramStatus), default=ProgramStatus.draft
    )
    format: Mapped[ProgramFormat] = mapped_column(
        enum_column(ProgramFormat),
        default=ProgramFormat.one_to_one,
        server_default=ProgramFormat.one_to_one.value,
    )
    enrollment_opens_on: Mapped[date | None]
    enrollment_closes_on: Mapped[date | None]
    # Months participants' content is kept after the end; None keeps it
    # (portal/services/programmes/retention.py).
    retention_months: Mapped[int | None]
    # Matching settings an admin chooses: factor weights, mode, minimum score, self-selection
    # and cross-department preference (see portal/services/matching/settings.py).
    matching: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="program", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Program {self.slug}>"

    @staticmethod
    def default_end(starts_on: date) -> date:
        """Programs usually run a full year."""
        return starts_on + timedelta(days=364)

    def enrollment_open(self, today: date) -> bool:
        """Whether people may apply on the given day."""
        if self.status is not ProgramStatus.enrolling:
            return False
        opens = self.enrollment_opens_on or date.min
        closes = self.enrollment_closes_on or date.max
        return opens <= today <= closes


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("user_id", "program_id", name="uq_memberships_user_program"),
        # The enrollment queue and its counts: applications by programme, oldest first.
        Index("ix_memberships_status_program_created", "status", "program_id", "created_at"),
        # The queue across every programme, oldest first, one page at a time.
        Index("ix_memberships_status_created", "status", "created_at", "id"),
        # Discovery's listing of a programme's active mentors: an index-only scan (0025).
        Index("ix_memberships_program_role_status", "program_id", "role", "status", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    program_id: Mapped[int] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(enum_column(Role))
    status: Mapped[MembershipStatus] = mapped_column(
        enum_column(MembershipStatus), default=MembershipStatus.applied
    )
    # The application's answers (goals, strengths, values, ...), as the form collected them.
    profile: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    program: Mapped[Program] = relationship(back_populates="memberships")

    @classmethod
    def active_in(cls, program_id: Any, role: Role | None = None) -> Any:
        """The one criterion for "active members of a programme" (in one role, if given):
        ``select(Membership).where(Membership.active_in(program.id, Role.mentor))``."""
        criteria = [cls.program_id == program_id, cls.status == MembershipStatus.active]
        if role is not None:
            criteria.append(cls.role == role)
        return and_(*criteria)

    def __repr__(self) -> str:
        return f"<Membership {self.user_id} {self.role} in {self.program_id}>"


class MembershipCount(db.Model):
    """How many memberships each programme has per role and status, kept by database
    triggers on ``memberships`` (migration 0016_membership_counts) so the admin pages read
    a few rows instead of grouping every membership. No foreign key: a deleted programme's
    rows fall to zero as its memberships go."""

    __tablename__ = "membership_counts"

    program_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    members: Mapped[int] = mapped_column(default=0)
