"""A pairing's meeting log, its next meeting date, and the agenda both partners build."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models._time import utcnow

if TYPE_CHECKING:
    from portal.models.pairings import Pairing
    from portal.models.users import User


class Meeting(db.Model):
    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_pairing_held", "pairing_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id", ondelete="CASCADE"))
    held_on: Mapped[date]
    happened: Mapped[bool] = mapped_column(default=True)
    # Short notes both partners see; never shown to admins.
    notes: Mapped[str] = mapped_column(Text, default="")
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    pairing: Mapped[Pairing] = relationship()
    logged_by: Mapped[User | None] = relationship()


class MeetingPlan(db.Model):
    """The next meeting's date for a pairing (one row per pairing, kept beside `pairings`)."""

    __tablename__ = "meeting_plans"

    pairing_id: Mapped[int] = mapped_column(
        ForeignKey("pairings.id", ondelete="CASCADE"), primary_key=True
    )
    next_meeting_on: Mapped[date | None]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AgendaPoint(db.Model):
    """A point one partner wants to talk about; open until a logged meeting takes it up."""

    __tablename__ = "agenda_points"
    __table_args__ = (Index("ix_agenda_points_pairing_meeting", "pairing_id", "meeting_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(300))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship()

    @property
    def is_open(self) -> bool:
        return self.meeting_id is None
