"""Mentees choose: a programme's self-service settings, mentor requests, absences, "did you meet?".

The capacity rule has no column of its own: a mentor's places are `mentor_capacity(profile)`
minus their active and proposed pairings in the programme, counted under a row lock on the
mentor's membership (services/choosing/locks.py), so two accepts at once never exceed it.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models._time import enum_column, utcnow

if TYPE_CHECKING:
    from portal.models.pairings import Pairing
    from portal.models.programs import Program
    from portal.models.users import User


class MatchingMode(StrEnum):
    """Who makes the pairs of a programme. Not the solver's objective (MatchingSettings.mode)."""

    admin = "admin"
    self_service = "self_service"
    both = "both"

    @property
    def label(self) -> str:
        return {
            "admin": "Admin-matched",
            "self_service": "Mentees choose",
            "both": "Both: mentees choose, admins match the rest",
        }[self.value]

    @property
    def mentees_choose(self) -> bool:
        return self is not MatchingMode.admin


class ChoosingSettings(db.Model):
    """A programme's self-service settings; no row means admin-matched with the defaults."""

    __tablename__ = "choosing_settings"
    __table_args__ = (
        CheckConstraint("max_open_requests BETWEEN 1 AND 10", name="max_open_range"),
        CheckConstraint("remind_after_days BETWEEN 1 AND 60", name="remind_range"),
        CheckConstraint("expire_after_days BETWEEN 2 AND 90", name="expire_range"),
        CheckConstraint("remind_after_days < expire_after_days", name="remind_before_expiry"),
        CheckConstraint("meet_check_days BETWEEN 7 AND 60", name="meet_check_range"),
    )

    program_id: Mapped[int] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True
    )
    mode: Mapped[MatchingMode] = mapped_column(
        enum_column(MatchingMode), default=MatchingMode.admin, server_default="admin"
    )
    max_open_requests: Mapped[int] = mapped_column(default=3, server_default="3")
    remind_after_days: Mapped[int] = mapped_column(default=7, server_default="7")
    expire_after_days: Mapped[int] = mapped_column(default=14, server_default="14")
    # Accepting proposes the pairing; a lead approves it in the matching board as any other.
    requires_approval: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    office_hours: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    # "Did you meet?" goes to both partners this many days after the pairing opened.
    meet_check_days: Mapped[int] = mapped_column(default=14, server_default="14")
    # Bumped by a database trigger whenever a mentor membership of the programme is added,
    # removed or changes its profile, status or role: discovery caches the encoded mentor
    # side per (programme, listing_version), so a page loads no profile JSON when unchanged.
    listing_version: Mapped[int] = mapped_column(default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    program: Mapped[Program] = relationship()


class MentorRequestStatus(StrEnum):
    open = "open"
    accepted = "accepted"
    declined = "declined"
    withdrawn = "withdrawn"
    expired = "expired"

    @property
    def label(self) -> str:
        return {
            "open": "Waiting for an answer",
            "accepted": "Accepted",
            "declined": "Not accepted",
            "withdrawn": "Withdrawn",
            "expired": "No answer in time",
        }[self.value]


class CloseReason(StrEnum):
    """Why a request closed; the mentee is told in words that never blame (see notices)."""

    accepted = "accepted"
    declined = "declined"  # the mentor said no (with an optional kind message)
    unavailable = "unavailable"  # the mentor marked themselves away
    full = "full"  # the mentor's places filled
    matched = "matched"  # the mentee was paired with someone else
    mentee = "mentee"  # the mentee withdrew it
    expired = "expired"
    team = "team"  # the programme team stepped in (hand-paired, closed)


OPEN_REQUEST = text("status = 'open'")


class MentorRequest(db.Model):
    """A mentee asks a mentor: the note is read by that mentor and the programme team only."""

    __tablename__ = "mentor_requests"
    __table_args__ = (
        CheckConstraint("mentor_id <> mentee_id", name="not_self"),
        # One open request per mentee and mentor in a programme: a double submit meets this.
        Index(
            "uq_mentor_requests_one_open",
            "program_id",
            "mentee_id",
            "mentor_id",
            unique=True,
            sqlite_where=OPEN_REQUEST,
            postgresql_where=OPEN_REQUEST,
        ),
        # The mentor's inbox and the discovery page's "crowded" count.
        Index("ix_mentor_requests_mentor_status", "mentor_id", "status", "program_id"),
        # The mentee's own requests (and the max-open count).
        Index("ix_mentor_requests_mentee_status", "mentee_id", "status", "program_id"),
        # The lead's funnel: one programme's requests by status and age.
        Index("ix_mentor_requests_program_status", "program_id", "status", "created_at"),
        # The reminder/expiry job: open requests by due time, nothing else.
        Index(
            "ix_mentor_requests_open_due",
            "expires_at",
            sqlite_where=OPEN_REQUEST,
            postgresql_where=OPEN_REQUEST,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    mentee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[MentorRequestStatus] = mapped_column(
        enum_column(MentorRequestStatus), default=MentorRequestStatus.open
    )
    reason: Mapped[CloseReason | None] = mapped_column(enum_column(CloseReason))
    # The mentor's optional kind message on declining; read by the mentee and the mentor.
    reply: Mapped[str | None] = mapped_column(Text)
    # The suggestion's score (0-100) when it was sent: the lead's funnel reads it, nobody else.
    score: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Fixed when sent, so a later settings change does not expire requests retroactively.
    remind_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    reminded_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    pairing_id: Mapped[int | None] = mapped_column(ForeignKey("pairings.id", ondelete="SET NULL"))

    program: Mapped[Program] = relationship()
    mentee: Mapped[User] = relationship(foreign_keys=[mentee_id])
    mentor: Mapped[User] = relationship(foreign_keys=[mentor_id])
    pairing: Mapped[Pairing | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.status is MentorRequestStatus.open

    def days_to_answer(self) -> float | None:
        if self.decided_at is None or self.status not in (
            MentorRequestStatus.accepted,
            MentorRequestStatus.declined,
        ):
            return None
        return (self.decided_at - self.created_at).total_seconds() / 86400


class MentorAbsence(db.Model):
    """A mentor away until a date: hidden from discovery, open requests declined politely."""

    __tablename__ = "mentor_absences"
    __table_args__ = (CheckConstraint("away_until >= away_from", name="dates_in_order"),)

    membership_id: Mapped[int] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), primary_key=True
    )
    away_from: Mapped[date]
    away_until: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MeetAnswer(StrEnum):
    yes = "yes"
    no = "no"


class MeetCheck(db.Model):
    """ "Did you meet?": asked of each partner after `meet_check_days`; feeds pair health."""

    __tablename__ = "meet_checks"
    __table_args__ = (UniqueConstraint("pairing_id", "user_id", name="uq_meet_checks_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    answer: Mapped[MeetAnswer] = mapped_column(enum_column(MeetAnswer))
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
