"""Circles: one facilitator with a small group of members, a relationship like a pairing.

A circle's members are stints (``CircleMember``): a person joined at one time and may have
left at another. What is shared with a circle is read by the people whose stint covered the
moment it was shared, and by the facilitator (docs/circles.md, docs/sharing.md).
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
from portal.models.programs import Cadence

if TYPE_CHECKING:
    from portal.models.journal import JournalEntry
    from portal.models.practice import Practice
    from portal.models.programs import Membership, Program
    from portal.models.users import User


class CircleStatus(StrEnum):
    proposed = "proposed"
    active = "active"
    completed = "completed"
    ended = "ended"


# A circle whose members read what was shared in it (once it is open, see opens_at).
CIRCLE_READABLE_STATUSES = (CircleStatus.active, CircleStatus.completed, CircleStatus.ended)
# The sizes a programme may set for its circles (members, the facilitator not counted).
SMALLEST_CIRCLE = 2
LARGEST_CIRCLE = 20


class Circle(db.Model):
    __tablename__ = "circles"
    __table_args__ = (
        CheckConstraint(
            f"min_size BETWEEN {SMALLEST_CIRCLE} AND {LARGEST_CIRCLE}", name="circle_min_size"
        ),
        CheckConstraint(
            f"max_size BETWEEN {SMALLEST_CIRCLE} AND {LARGEST_CIRCLE}", name="circle_max_size"
        ),
        CheckConstraint("min_size <= max_size", name="circle_size_order"),
        Index("ix_circles_program_status", "program_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    # The facilitator's membership in the programme (a mentor, or a peer facilitator).
    facilitator_membership_id: Mapped[int] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    facilitator_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    theme: Mapped[str] = mapped_column(String(200))
    cadence: Mapped[Cadence] = mapped_column(enum_column(Cadence), default=Cadence.monthly)
    min_size: Mapped[int] = mapped_column(default=3)
    max_size: Mapped[int] = mapped_column(default=8)
    status: Mapped[CircleStatus] = mapped_column(
        enum_column(CircleStatus), default=CircleStatus.proposed
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_at: Mapped[datetime | None]
    # As for pairings: members see the circle only once everyone was told (approval plus
    # the undo window); NULL while proposed and again after an undo.
    opens_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    # What the circle matcher said (total fit, per-member reasons); shown to the team only.
    score: Mapped[float | None]
    explanation: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    program: Mapped[Program] = relationship()
    facilitator: Mapped[User] = relationship(foreign_keys=[facilitator_id])
    facilitator_membership: Mapped[Membership] = relationship()
    stints: Mapped[list[CircleMember]] = relationship(
        back_populates="circle", cascade="all, delete-orphan", order_by="CircleMember.joined_at"
    )

    def __repr__(self) -> str:
        return f"<Circle {self.id} {self.theme!r} {self.status}>"

    def is_open(self, now: datetime | None = None) -> bool:
        return self.opens_at is not None and self.opens_at <= (now or utcnow())

    def is_readable(self) -> bool:
        return self.status in CIRCLE_READABLE_STATUSES and self.is_open()

    def is_sharable(self) -> bool:
        return self.status is CircleStatus.active and self.is_open()

    @property
    def is_past(self) -> bool:
        return self.status in (CircleStatus.completed, CircleStatus.ended)

    @property
    def current_stints(self) -> list[CircleMember]:
        return [s for s in self.stints if s.left_at is None]


class CircleMember(db.Model):
    """One stint of a person in a circle: joined, and perhaps left (with a confidential note
    to the programme team that nobody in the circle reads)."""

    __tablename__ = "circle_members"
    __table_args__ = (
        # One current stint per person and circle.
        Index(
            "uq_circle_members_current",
            "circle_id",
            "user_id",
            unique=True,
            sqlite_where=text("left_at IS NULL"),
            postgresql_where=text("left_at IS NULL"),
        ),
        Index("ix_circle_members_user_circle", "user_id", "circle_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    membership_id: Mapped[int] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None]
    leave_note: Mapped[str | None] = mapped_column(Text)
    # The matcher's fit for this member in this circle (0-100) and its reasons.
    score: Mapped[float | None]
    explanation: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    circle: Mapped[Circle] = relationship(back_populates="stints")
    user: Mapped[User] = relationship()
    membership: Mapped[Membership] = relationship()

    @property
    def is_current(self) -> bool:
        return self.left_at is None


class EntryCircleAudience(db.Model):
    """A circle a shared entry is shared in; ``created_at`` is the moment it was shared."""

    __tablename__ = "entry_circle_audiences"
    __table_args__ = (Index("ix_entry_circle_audiences_circle_entry", "circle_id", "entry_id"),)

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("journal_entries.id", ondelete="CASCADE"), primary_key=True
    )
    circle_id: Mapped[int] = mapped_column(
        ForeignKey("circles.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PracticeCircleAudience(db.Model):
    """A circle a shared practice (and its check-ins) is shared in."""

    __tablename__ = "practice_circle_audiences"
    __table_args__ = (
        Index("ix_practice_circle_audiences_circle_practice", "circle_id", "practice_id"),
    )

    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practices.id", ondelete="CASCADE"), primary_key=True
    )
    circle_id: Mapped[int] = mapped_column(
        ForeignKey("circles.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GoalCircleAudience(db.Model):
    """A circle a member's goal is shared in (read by the circle, not only the pairing)."""

    __tablename__ = "goal_circle_audiences"
    __table_args__ = (Index("ix_goal_circle_audiences_circle_goal", "circle_id", "goal_id"),)

    goal_id: Mapped[int] = mapped_column(
        ForeignKey("goals.id", ondelete="CASCADE"), primary_key=True
    )
    circle_id: Mapped[int] = mapped_column(
        ForeignKey("circles.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CircleMeeting(db.Model):
    """A circle meeting in everyone's calendar: one iCalendar event whose UID never changes."""

    __tablename__ = "circle_meetings"
    __table_args__ = (
        Index("ix_circle_meetings_circle_starts", "circle_id", "starts_at"),
        CheckConstraint("minutes BETWEEN 15 AND 240", name="circle_minutes_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    uid: Mapped[str] = mapped_column(String(120), unique=True)
    sequence: Mapped[int] = mapped_column(default=0)
    starts_at: Mapped[datetime]  # naive UTC
    minutes: Mapped[int] = mapped_column(default=60)
    place: Mapped[str] = mapped_column(String(300), default="")
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    circle: Mapped[Circle] = relationship()
    attendance: Mapped[list[CircleAttendance]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan"
    )

    @property
    def ends_at(self) -> datetime:
        from datetime import timedelta

        return self.starts_at + timedelta(minutes=self.minutes)


class CircleAttendance(db.Model):
    """Whether a member came to a circle meeting, recorded by the facilitator."""

    __tablename__ = "circle_attendance"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("circle_meetings.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    attended: Mapped[bool] = mapped_column(default=False)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    meeting: Mapped[CircleMeeting] = relationship(back_populates="attendance")


class CircleAgreement(db.Model):
    """The circle's working agreement; `version` moves on with every save (docs/circles.md)."""

    __tablename__ = "circle_agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(
        ForeignKey("circles.id", ondelete="CASCADE"), unique=True
    )
    version: Mapped[int] = mapped_column(default=1)
    text: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    circle: Mapped[Circle] = relationship()
    versions: Mapped[list[CircleAgreementVersion]] = relationship(
        back_populates="agreement",
        order_by="CircleAgreementVersion.version.desc()",
        cascade="all, delete-orphan",
    )


class CircleAgreementVersion(db.Model):
    """One saved text of the circle agreement; its signatures are for exactly that text."""

    __tablename__ = "circle_agreement_versions"
    __table_args__ = (
        UniqueConstraint("agreement_id", "version", name="uq_circle_agreement_versions_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("circle_agreements.id", ondelete="CASCADE")
    )
    version: Mapped[int]
    text: Mapped[str] = mapped_column(Text, default="")
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)

    agreement: Mapped[CircleAgreement] = relationship(back_populates="versions")
    signatures: Mapped[list[CircleAgreementSignature]] = relationship(
        back_populates="version", cascade="all, delete-orphan"
    )


class CircleAgreementSignature(db.Model):
    """Someone signed one version; one signature per person and version (the primary key)."""

    __tablename__ = "circle_agreement_signatures"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("circle_agreement_versions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)

    version: Mapped[CircleAgreementVersion] = relationship(back_populates="signatures")


class CircleReflection(db.Model):
    """A person's closing reflection on a circle: kept private, or shared with the circle
    (then read under the stint rules at `shared_at`, docs/circles.md). One per person."""

    __tablename__ = "circle_reflections"
    __table_args__ = (
        UniqueConstraint("circle_id", "user_id", name="uq_circle_reflections_person"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    shared_at: Mapped[datetime | None]  # None: private to its writer
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    circle: Mapped[Circle] = relationship()
    user: Mapped[User] = relationship()


class CircleAgendaPoint(db.Model):
    """A topic someone in the circle wants to talk about at the next meeting; open until the
    facilitator marks it covered at a meeting (an open point is carried over to the next)."""

    __tablename__ = "circle_agenda_points"
    __table_args__ = (
        Index("ix_circle_agenda_points_circle_meeting", "circle_id", "covered_meeting_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(300))
    covered_meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("circle_meetings.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship()

    @property
    def is_open(self) -> bool:
        return self.covered_meeting_id is None


class CircleComment(db.Model):
    """A comment written in a circle on an entry or a practice shared with it: it belongs to
    (item, circle) and is read under the circle's stint rules (access.circle_comments)."""

    __tablename__ = "circle_comments"
    __table_args__ = (
        CheckConstraint(
            "(entry_id IS NULL) <> (practice_id IS NULL)", name="circle_comment_one_item"
        ),
        Index("ix_circle_comments_circle_entry", "circle_id", "entry_id"),
        Index("ix_circle_comments_circle_practice", "circle_id", "practice_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("journal_entries.id", ondelete="CASCADE")
    )
    practice_id: Mapped[int | None] = mapped_column(ForeignKey("practices.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship()
    entry: Mapped[JournalEntry | None] = relationship()
    practice: Mapped[Practice | None] = relationship()


class CircleIntroduction(db.Model):
    """A person's introduction to their circle (kick-off); one per person and circle, saving
    again rewrites it. Read under access.readable_introductions."""

    __tablename__ = "circle_introductions"
    __table_args__ = (
        UniqueConstraint("circle_id", "user_id", name="uq_circle_introductions_person"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


# --- shared with one person of a circle (where the programme allows it) ---------------
# A member (or the facilitator) may share a journal entry, a practice (with its check-ins) or
# a goal with ONE other person of their circle instead of the whole circle. The row records
# the circle it was shared through and the moment (``created_at``): ``portal.services.access``
# lets the chosen reader read it only if both were in that circle then.
# The programme setting (``programs.matching["circles"]``) that lets members share this way.
PRIVATE_SHARING_KEY = "allow_private_sharing"


def allows_private_sharing(matching: dict[str, Any] | None) -> bool:
    """Whether a programme's circle settings allow sharing with one person; off unless set
    to a true value (True, 1, "true", "on", "yes"): anything else, or no setting, is off."""
    raw = ((matching or {}).get("circles") or {}).get(PRIVATE_SHARING_KEY, False)
    if isinstance(raw, str):
        return raw.strip().lower() in ("1", "true", "on", "yes")
    return raw is True or (isinstance(raw, int) and raw == 1)


class EntryPrivateShare(db.Model):
    """A journal entry shared with one person of a circle."""

    __tablename__ = "entry_private_shares"
    __table_args__ = (Index("ix_entry_private_shares_reader_entry", "reader_id", "entry_id"),)

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("journal_entries.id", ondelete="CASCADE"), primary_key=True
    )
    reader_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PracticePrivateShare(db.Model):
    """A practice (and its check-ins) shared with one person of a circle."""

    __tablename__ = "practice_private_shares"
    __table_args__ = (
        Index("ix_practice_private_shares_reader_practice", "reader_id", "practice_id"),
    )

    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practices.id", ondelete="CASCADE"), primary_key=True
    )
    reader_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GoalPrivateShare(db.Model):
    """A goal shared with one person of a circle (besides the pairing it belongs to)."""

    __tablename__ = "goal_private_shares"
    __table_args__ = (Index("ix_goal_private_shares_reader_goal", "reader_id", "goal_id"),)

    goal_id: Mapped[int] = mapped_column(
        ForeignKey("goals.id", ondelete="CASCADE"), primary_key=True
    )
    reader_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
