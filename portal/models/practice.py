"""Working the idea: practices, their check-ins, the partner's encouragement, and templates.

A practice belongs to one person. It is private (its owner only) or shared with the
owner's pairing partners, exactly like a journal entry. Check-ins and comments inherit
the practice's visibility; see the practice section of `portal/services/access.py`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models._time import enum_column, utcnow
from portal.models.journal import Visibility

if TYPE_CHECKING:
    from portal.models.journal import JournalEntry
    from portal.models.meetings import Meeting
    from portal.models.programs import Program
    from portal.models.users import User


class PracticeStatus(StrEnum):
    open = "open"  # planned before its start date, active from then on
    done = "done"
    dropped = "dropped"


class PracticeTemplate(db.Model):
    """A ready-made practice; `program_id` NULL means the built-in library every programme sees."""

    __tablename__ = "practice_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int | None] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str | None] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    idea: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(Text, default="")
    weeks: Mapped[int] = mapped_column(default=3)
    per_week: Mapped[int] = mapped_column(default=3)
    position: Mapped[int] = mapped_column(default=0)
    archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    program: Mapped[Program | None] = relationship()

    def __repr__(self) -> str:
        return f"<PracticeTemplate {self.id} {self.title!r}>"


class Practice(db.Model):
    __tablename__ = "practices"
    __table_args__ = (
        CheckConstraint("per_week BETWEEN 1 AND 14", name="per_week_range"),
        CheckConstraint("ends_on >= starts_on", name="window_order"),
        Index("ix_practices_owner_status", "owner_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    # The idea it came from: free text, and optionally a journal entry or a meeting.
    idea: Mapped[str] = mapped_column(Text, default="")
    source_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("journal_entries.id", ondelete="SET NULL")
    )
    source_meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL")
    )
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("practice_templates.id", ondelete="SET NULL")
    )
    action: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    per_week: Mapped[int] = mapped_column(default=3)
    visibility: Mapped[Visibility] = mapped_column(
        enum_column(Visibility), default=Visibility.shared
    )
    status: Mapped[PracticeStatus] = mapped_column(
        enum_column(PracticeStatus), default=PracticeStatus.open
    )
    reflection: Mapped[str] = mapped_column(Text, default="")
    # The private journal entry the reflection was turned into, if any.
    reflection_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("journal_entries.id", ondelete="SET NULL")
    )
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner: Mapped[User] = relationship()
    source_entry: Mapped[JournalEntry | None] = relationship(foreign_keys=[source_entry_id])
    source_meeting: Mapped[Meeting | None] = relationship(foreign_keys=[source_meeting_id])
    check_ins: Mapped[list[CheckIn]] = relationship(
        back_populates="practice",
        cascade="all, delete-orphan",
        order_by="(CheckIn.day.desc(), CheckIn.id.desc())",
    )
    comments: Mapped[list[PracticeComment]] = relationship(
        back_populates="practice", cascade="all, delete-orphan", order_by="PracticeComment.id"
    )

    def __repr__(self) -> str:
        return f"<Practice {self.id} by {self.owner_id} {self.visibility} {self.status}>"

    @property
    def is_shared(self) -> bool:
        return self.visibility is Visibility.shared

    @property
    def is_closed(self) -> bool:
        return self.status is not PracticeStatus.open

    def phase(self, today: date) -> str:
        """planned, active, ended (window over, not yet closed), done or dropped."""
        if self.status is not PracticeStatus.open:
            return self.status.value
        if today < self.starts_on:
            return "planned"
        if today > self.ends_on:
            return "ended"
        return "active"

    @staticmethod
    def default_window(start: date, weeks: int = 3) -> tuple[date, date]:
        """Two to six weeks; the end is the last day of the final week."""
        weeks = min(max(weeks, 2), 6)
        return start, start + timedelta(days=7 * weeks - 1)


class PracticeAudience(db.Model):
    """One pairing a shared practice is shared in (its check-ins follow it)."""

    __tablename__ = "practice_audiences"
    __table_args__ = (Index("ix_practice_audiences_pairing_practice", "pairing_id", "practice_id"),)

    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practices.id", ondelete="CASCADE"), primary_key=True
    )
    pairing_id: Mapped[int] = mapped_column(
        ForeignKey("pairings.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CheckIn(db.Model):
    """One time the owner practised, on a day in their own time zone, with what they noticed."""

    __tablename__ = "practice_check_ins"
    __table_args__ = (Index("ix_practice_check_ins_practice_day", "practice_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id", ondelete="CASCADE"))
    # The local date of the practice in its author's time zone, not a UTC date.
    day: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    practice: Mapped[Practice] = relationship(back_populates="check_ins")


class CommentKind(StrEnum):
    comment = "comment"
    encouragement = "encouragement"


class PracticeComment(db.Model):
    """A short encouragement or comment on a practice, optionally on one of its check-ins."""

    __tablename__ = "practice_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practices.id", ondelete="CASCADE"), index=True
    )
    check_in_id: Mapped[int | None] = mapped_column(
        ForeignKey("practice_check_ins.id", ondelete="CASCADE")
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[CommentKind] = mapped_column(enum_column(CommentKind), default=CommentKind.comment)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The relationship a reader's comment was written in; NULL for the owner's own.
    pairing_id: Mapped[int | None] = mapped_column(
        ForeignKey("pairings.id", ondelete="CASCADE"), index=True
    )

    practice: Mapped[Practice] = relationship(back_populates="comments")
    author: Mapped[User] = relationship()
