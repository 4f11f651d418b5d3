"""Guiding a pair through the year: sent reminders, preferences, surveys, closing, requests.

The survey, rating and request tables are read by analytics as aggregates; docs/reminders.md
describes their columns.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models._time import enum_column, utcnow

if TYPE_CHECKING:
    from portal.models.journal import JournalEntry
    from portal.models.pairings import Pairing
    from portal.models.users import User


class GuideDispatch(db.Model):
    """One scheduled message that went out; its key makes a second send impossible."""

    __tablename__ = "guide_dispatches"
    __table_args__ = (Index("ix_guide_dispatches_user_kind", "user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # e.g. "meeting_tomorrow:<uid>:<sequence>:<user>": two workers, a retry or a restart
    # meet this unique constraint instead of sending again.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    pairing_id: Mapped[int | None] = mapped_column(ForeignKey("pairings.id", ondelete="CASCADE"))
    emailed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReminderPreference(db.Model):
    """How one kind of message reaches a person; no row means the kind's default."""

    __tablename__ = "reminder_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    in_app: Mapped[bool] = mapped_column(default=True)
    email: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ProgramGuide(db.Model):
    """A programme's nudge settings ({kind: {"on", "days"}}) and its survey questions."""

    __tablename__ = "program_guides"

    program_id: Mapped[int] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True
    )
    nudges: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    questions: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SurveyRound(StrEnum):
    midpoint = "midpoint"
    close = "close"

    @property
    def label(self) -> str:
        return "Midpoint survey" if self is SurveyRound.midpoint else "Closing survey"


class SurveyResponse(db.Model):
    """One participant's answers to a programme's pulse survey (read as aggregates only)."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        UniqueConstraint("program_id", "user_id", "round", name="uq_survey_responses_once"),
        Index("ix_survey_responses_program_round", "program_id", "round"),
        CheckConstraint("satisfaction BETWEEN 1 AND 5", name="satisfaction_range"),
        CheckConstraint("recommend BETWEEN 0 AND 10", name="recommend_range"),
        CheckConstraint("progress BETWEEN 1 AND 5", name="progress_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    round: Mapped[SurveyRound] = mapped_column(enum_column(SurveyRound))
    satisfaction: Mapped[int]
    recommend: Mapped[int]
    progress: Mapped[int]
    # Optional; the form says plainly that the programme team reads it.
    comment: Mapped[str] = mapped_column(Text, default="")
    # The question texts as the person saw them (admins may reword before a round opens).
    questions: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)


class SurveyCircleAnswer(db.Model):
    """The circle a survey response is about: the circle the person was in when they answered
    (facilitator or current member), with their answer to "how useful is your circle?" (1-5).
    Read only as aggregates over a programme's circles, never per circle (docs/circles.md)."""

    __tablename__ = "survey_circle_answers"
    __table_args__ = (
        CheckConstraint("usefulness BETWEEN 1 AND 5", name="circle_usefulness_range"),
        Index("ix_survey_circle_answers_circle", "circle_id"),
    )

    response_id: Mapped[int] = mapped_column(
        ForeignKey("survey_responses.id", ondelete="CASCADE"), primary_key=True
    )
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    usefulness: Mapped[int]


class MeetingRating(db.Model):
    """ "How useful was this meeting?" (1-5), one per partner per logged meeting."""

    __tablename__ = "meeting_ratings"
    __table_args__ = (
        UniqueConstraint("meeting_id", "user_id", name="uq_meeting_ratings_once"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    rating: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ClosingReflection(db.Model):
    """Links a person's closing reflection (a journal entry) to the pairing it closes."""

    __tablename__ = "closing_reflections"
    __table_args__ = (
        UniqueConstraint("pairing_id", "user_id", name="uq_closing_reflections_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entry: Mapped[JournalEntry] = relationship()


class RequestKind(StrEnum):
    end_early = "end_early"
    rematch = "rematch"

    @property
    def label(self) -> str:
        return "End the pairing early" if self is RequestKind.end_early else "Be re-matched"


class RequestStatus(StrEnum):
    open = "open"
    resolved = "resolved"


class PairingRequest(db.Model):
    """A confidential request to the programme team; the partner never sees it."""

    __tablename__ = "pairing_requests"
    __table_args__ = (
        Index("ix_pairing_requests_status_created", "status", "created_at"),
        # One open request per person and pairing: two tabs sending it at once make one.
        Index(
            "uq_pairing_requests_one_open",
            "pairing_id",
            "requester_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(
        ForeignKey("pairings.id", ondelete="CASCADE"), index=True
    )
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[RequestKind] = mapped_column(enum_column(RequestKind))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus), default=RequestStatus.open
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    pairing: Mapped[Pairing] = relationship()
    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
