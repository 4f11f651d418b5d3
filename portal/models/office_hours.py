"""Office hours: one-off conversations a mentor offers in slots; one booking per slot."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models._time import enum_column, utcnow

if TYPE_CHECKING:
    from portal.models.programs import Program
    from portal.models.users import User


class SlotStatus(StrEnum):
    open = "open"
    withdrawn = "withdrawn"  # the mentor took it back (its booking, if any, was cancelled)


class OfficeHourSlot(db.Model):
    """A time a mentor offers, stored in UTC; `zone` is the mentor's zone when they offered it."""

    __tablename__ = "office_hour_slots"
    __table_args__ = (
        CheckConstraint("minutes BETWEEN 15 AND 120", name="minutes_range"),
        # A programme's upcoming slots, soonest first (the booking page).
        Index("ix_office_hour_slots_program_starts", "program_id", "status", "starts_at"),
        Index("ix_office_hour_slots_mentor_starts", "mentor_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    minutes: Mapped[int] = mapped_column(default=30)
    zone: Mapped[str] = mapped_column(String(64), default="UTC")
    # The stated topics, comma-separated (analytics count them, suppressed below 5 people).
    topics: Mapped[str] = mapped_column(String(300), default="")
    place: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[SlotStatus] = mapped_column(enum_column(SlotStatus), default=SlotStatus.open)
    uid: Mapped[str] = mapped_column(String(120), unique=True)
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    program: Mapped[Program] = relationship()
    mentor: Mapped[User] = relationship()

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)

    def topic_list(self) -> list[str]:
        return [t.strip() for t in self.topics.split(",") if t.strip()]


class BookingStatus(StrEnum):
    booked = "booked"
    cancelled = "cancelled"
    held = "held"  # it took place (either side said so, or a rating came in)
    missed = "missed"  # booked, and one side did not come


LIVE_BOOKING = text("status <> 'cancelled'")


class OfficeHourBooking(db.Model):
    """A booking; the one-line question is read by the booker and the mentor, nobody else."""

    __tablename__ = "office_hour_bookings"
    __table_args__ = (
        # One live booking per slot: two people booking at once meet this index.
        Index(
            "uq_office_hour_bookings_one_per_slot",
            "slot_id",
            unique=True,
            sqlite_where=LIVE_BOOKING,
            postgresql_where=LIVE_BOOKING,
        ),
        Index("ix_office_hour_bookings_booker", "booker_id", "status"),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("office_hour_slots.id", ondelete="CASCADE"))
    booker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[BookingStatus] = mapped_column(
        enum_column(BookingStatus), default=BookingStatus.booked
    )
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    missed_by: Mapped[str | None] = mapped_column(String(10))  # "booker" | "mentor"
    rating: Mapped[int | None]  # the booker's one question: how useful was it? (1-5)
    # Both ask to continue as a pairing; when both have, choosing.requests pairs them.
    booker_wants_pairing: Mapped[bool] = mapped_column(default=False)
    mentor_wants_pairing: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]

    slot: Mapped[OfficeHourSlot] = relationship()
    booker: Mapped[User] = relationship(foreign_keys=[booker_id])
