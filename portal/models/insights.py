"""What programme insights read beyond activity: HR outcomes from an uploaded file.

Survey answers, meeting ratings and confidential requests belong to the guide
(portal/models/guide.py); health and analytics read them as counts, kinds and numbers.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models._time import enum_column, utcnow
from portal.models.journal import EntryComment, JournalEntry
from portal.models.practice import CheckIn, PracticeComment


class OutcomeGroup(StrEnum):
    participant = "participant"
    comparison = "comparison"


class OutcomeRecord(db.Model):
    """One employee's HR dates from an uploaded outcomes file (participant or comparison)."""

    __tablename__ = "outcome_records"
    __table_args__ = (Index("ix_outcome_records_program_group", "program_id", "group"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    group: Mapped[OutcomeGroup] = mapped_column(enum_column(OutcomeGroup))
    hired_on: Mapped[date]
    promoted_on: Mapped[date | None]
    left_on: Mapped[date | None]
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)


# Health and analytics count each author's comments in a time window; these indexes live
# here, beside the feature that needs them, so the journal and practice modules stay as they are.
Index("ix_entry_comments_author_created", EntryComment.author_id, EntryComment.created_at)
Index("ix_practice_comments_author_created", PracticeComment.author_id, PracticeComment.created_at)
# The last 30 days of everyone's check-ins and shared entries, for pair health.
Index("ix_practice_check_ins_day", CheckIn.day, CheckIn.practice_id)
Index("ix_journal_entries_created", JournalEntry.created_at)


class InsightWeek(db.Model):
    """One week of engagement counts for a programme (or all, when program_id is NULL).

    A rollup: `portal.services.insights.rollups.refresh_rollups` rewrites it from the
    direct computation (the background worker runs it; `flask refresh-insights` by hand).
    """

    __tablename__ = "insight_weeks"
    __table_args__ = (Index("ix_insight_weeks_program_week", "program_id", "week_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    week_start: Mapped[date]
    meetings: Mapped[int] = mapped_column(default=0)
    active_pairs: Mapped[int] = mapped_column(default=0)
    live_pairs: Mapped[int] = mapped_column(default=0)
    mentee_people: Mapped[int] = mapped_column(default=0)
    mentee_check_ins: Mapped[int] = mapped_column(default=0)
    mentee_entries: Mapped[int] = mapped_column(default=0)
    mentee_comments: Mapped[int] = mapped_column(default=0)
    mentor_people: Mapped[int] = mapped_column(default=0)
    mentor_check_ins: Mapped[int] = mapped_column(default=0)
    mentor_entries: Mapped[int] = mapped_column(default=0)
    mentor_comments: Mapped[int] = mapped_column(default=0)
    refreshed_at: Mapped[datetime] = mapped_column(default=utcnow)


class PairHealthSnapshot(db.Model):
    """A pair's health and the facts behind it on one day (a rollup, like InsightWeek)."""

    __tablename__ = "pair_health_snapshots"
    __table_args__ = (Index("ix_pair_health_snapshots_program_day", "program_id", "as_of"),)

    pairing_id: Mapped[int] = mapped_column(
        ForeignKey("pairings.id", ondelete="CASCADE"), primary_key=True
    )
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    as_of: Mapped[date]
    status: Mapped[str] = mapped_column(String(20))
    # The PairFacts the status came from, as JSON (dates ISO), and the department shown.
    facts: Mapped[dict] = mapped_column(JSON)
    department: Mapped[str] = mapped_column(String(120), default="")
    refreshed_at: Mapped[datetime] = mapped_column(default=utcnow)
