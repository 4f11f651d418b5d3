"""A pairing's start and rhythm: profiles for partners, the agreement, goals, planned meetings."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models._time import enum_column, utcnow
from portal.models.journal import Visibility

if TYPE_CHECKING:
    from portal.models.pairings import Pairing
    from portal.models.users import User


class PartnerProfile(db.Model):
    """What a person tells partners about themselves, and their private calendar feed token."""

    __tablename__ = "partner_profiles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    bio: Mapped[str] = mapped_column(Text, default="")
    hopes: Mapped[str] = mapped_column(Text, default="")
    offers: Mapped[str] = mapped_column(Text, default="")
    show_bio: Mapped[bool] = mapped_column(default=True)
    show_hopes: Mapped[bool] = mapped_column(default=True)
    show_offers: Mapped[bool] = mapped_column(default=True)
    # A capability URL for calendar apps; NULL means the feed is off (revoked or never made).
    feed_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- the mentoring agreement --------------------------------------------------------------

AGREEMENT_SECTIONS = ("seeking", "meeting", "sharing", "feedback", "ending")


class AgreementTemplate(db.Model):
    """A programme's starting text for each agreement section, edited by an admin."""

    __tablename__ = "agreement_templates"

    program_id: Mapped[int] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True
    )
    sections: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Agreement(db.Model):
    """The pair's working agreement; `version` moves on with every save, as the journal's does."""

    __tablename__ = "agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(
        ForeignKey("pairings.id", ondelete="CASCADE"), unique=True
    )
    version: Mapped[int] = mapped_column(default=1)
    sections: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    meeting_minutes: Mapped[int] = mapped_column(default=60)
    meeting_format: Mapped[str] = mapped_column(String(20), default="video")
    meeting_place: Mapped[str] = mapped_column(String(300), default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    pairing: Mapped[Pairing] = relationship()
    versions: Mapped[list[AgreementVersion]] = relationship(
        back_populates="agreement",
        order_by="AgreementVersion.version.desc()",
        cascade="all, delete-orphan",
    )

    def snapshot(self) -> dict[str, Any]:
        """The agreement's text and meeting terms, as a version keeps them."""
        return {
            **{key: self.sections.get(key, "") for key in AGREEMENT_SECTIONS},
            "meeting_minutes": self.meeting_minutes,
            "meeting_format": self.meeting_format,
            "meeting_place": self.meeting_place,
        }


class AgreementVersion(db.Model):
    """One saved text of the agreement and who signed exactly that text, and when."""

    __tablename__ = "agreement_versions"
    __table_args__ = (
        UniqueConstraint("agreement_id", "version", name="uq_agreement_versions_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"))
    version: Mapped[int]
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
    mentor_signed_at: Mapped[datetime | None]
    mentee_signed_at: Mapped[datetime | None]

    agreement: Mapped[Agreement] = relationship(back_populates="versions")
    saved_by: Mapped[User | None] = relationship()

    @property
    def signed_at(self) -> datetime | None:
        """When the second partner signed; None until both have."""
        if self.mentor_signed_at and self.mentee_signed_at:
            return max(self.mentor_signed_at, self.mentee_signed_at)
        return None


# --- goals -----------------------------------------------------------------------------------


class GoalProgress(StrEnum):
    not_started = "not_started"
    started = "started"
    halfway = "halfway"
    nearly = "nearly"
    reached = "reached"

    @property
    def label(self) -> str:
        return GOAL_PROGRESS_LABELS[self]

    @property
    def step(self) -> int:
        """0 (not started) to 4 (reached), for the progress line."""
        return list(GoalProgress).index(self)


GOAL_PROGRESS_LABELS = {
    GoalProgress.not_started: "Not started",
    GoalProgress.started: "Started",
    GoalProgress.halfway: "Halfway",
    GoalProgress.nearly: "Nearly there",
    GoalProgress.reached: "Reached",
}


class Goal(db.Model):
    """What the mentee (or mentor) wants to reach in the pairing, why, and how they will know."""

    __tablename__ = "goals"
    __table_args__ = (Index("ix_goals_pairing_owner", "pairing_id", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id", ondelete="CASCADE"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    why: Mapped[str] = mapped_column(Text, default="")
    measure: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[Visibility] = mapped_column(
        enum_column(Visibility), default=Visibility.shared
    )
    progress: Mapped[GoalProgress] = mapped_column(
        enum_column(GoalProgress), default=GoalProgress.not_started
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner: Mapped[User] = relationship()
    ratings: Mapped[list[GoalRating]] = relationship(
        back_populates="goal",
        order_by="GoalRating.rated_on, GoalRating.id",
        cascade="all, delete-orphan",
    )

    @property
    def is_shared(self) -> bool:
        return self.visibility is Visibility.shared


class GoalRating(db.Model):
    """A dated self-rating of a goal's progress: the history draws the year's line."""

    __tablename__ = "goal_ratings"
    __table_args__ = (Index("ix_goal_ratings_goal_day", "goal_id", "rated_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"))
    progress: Mapped[GoalProgress] = mapped_column(enum_column(GoalProgress))
    note: Mapped[str] = mapped_column(Text, default="")
    rated_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    goal: Mapped[Goal] = relationship(back_populates="ratings")


class GoalPractice(db.Model):
    """Which goal a practice serves (at most one per practice)."""

    __tablename__ = "goal_practices"

    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practices.id", ondelete="CASCADE"), primary_key=True
    )
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)


# --- planned meetings ---------------------------------------------------------------------------


class MeetingStatus(StrEnum):
    proposed = "proposed"
    accepted = "accepted"
    cancelled = "cancelled"


class PlannedMeeting(db.Model):
    """A meeting in both calendars: one iCalendar event, whose UID never changes."""

    __tablename__ = "planned_meetings"
    __table_args__ = (
        Index("ix_planned_meetings_pairing_starts", "pairing_id", "starts_at"),
        CheckConstraint("minutes BETWEEN 5 AND 480", name="minutes_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id", ondelete="CASCADE"))
    uid: Mapped[str] = mapped_column(String(120), unique=True)
    # RFC 5545 SEQUENCE: raised on every change a calendar must apply (time, place, cancel).
    sequence: Mapped[int] = mapped_column(default=0)
    starts_at: Mapped[datetime]  # naive UTC
    minutes: Mapped[int] = mapped_column(default=60)
    place: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[MeetingStatus] = mapped_column(
        enum_column(MeetingStatus), default=MeetingStatus.proposed
    )
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    pairing: Mapped[Pairing] = relationship()
    proposed_by: Mapped[User | None] = relationship()

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)

    @property
    def is_video(self) -> bool:
        return self.place.startswith(("https://", "http://"))
