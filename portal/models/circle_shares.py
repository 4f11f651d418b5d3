"""Items shared with one person of a circle, where the programme allows it (docs/circles.md).

A member (or the facilitator) may share a journal entry, a practice (with its check-ins) or
a goal with ONE other person of their circle instead of the whole circle. The row records
the circle it was shared through and the moment (``created_at``): ``portal.services.access``
lets the chosen reader read it only if both were in that circle then.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models._time import utcnow

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
