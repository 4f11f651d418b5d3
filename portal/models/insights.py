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
    """A pair's health on one day and the facts behind it, one typed column per fact.

    A rollup: `refresh_pair_health` writes it each night with the formula in `health.assess`
    (status and reasons are stored as that formula gave them), and the pages fill in a pair
    that is missing (approved after the refresh). The pairs list filters, sorts, searches and
    pages these columns in SQL. Rows of the last two weeks are kept, so the dashboard can
    compare today's status with the one seven days ago.
    """

    __tablename__ = "pair_health_snapshots"
    __table_args__ = (
        Index("ix_pair_health_snapshots_program_day", "program_id", "as_of", "status_rank"),
        Index("ix_pair_health_snapshots_day_status", "as_of", "status"),
    )

    pairing_id: Mapped[int] = mapped_column(
        ForeignKey("pairings.id", ondelete="CASCADE"), primary_key=True
    )
    as_of: Mapped[date] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20))
    status_rank: Mapped[int]
    # The reasons in plain words, as `assess` wrote them (about activity, never any text).
    reasons: Mapped[list] = mapped_column(JSON)
    department: Mapped[str] = mapped_column(String(120), default="")
    # Casefolded copies for filtering, searching and sorting in SQL the same on both databases.
    department_key: Mapped[str] = mapped_column(String(120), default="")
    mentor_key: Mapped[str] = mapped_column(String(200), default="")
    mentee_key: Mapped[str] = mapped_column(String(200), default="")
    # PairFacts, one column each.
    approved_on: Mapped[date]
    cadence_days: Mapped[int]
    cadence_label: Mapped[str] = mapped_column(String(40))
    last_met_on: Mapped[date | None]
    next_meeting_on: Mapped[date | None]
    last_planned_on: Mapped[date | None]
    # The day the gap counts from: the last meeting, or approval (the "longest since" sort).
    last_contact_on: Mapped[date]
    mentor_check_ins: Mapped[int] = mapped_column(default=0)
    mentor_entries_shared: Mapped[int] = mapped_column(default=0)
    mentor_comments: Mapped[int] = mapped_column(default=0)
    mentor_agenda_points: Mapped[int] = mapped_column(default=0)
    mentee_check_ins: Mapped[int] = mapped_column(default=0)
    mentee_entries_shared: Mapped[int] = mapped_column(default=0)
    mentee_comments: Mapped[int] = mapped_column(default=0)
    mentee_agenda_points: Mapped[int] = mapped_column(default=0)
    activity: Mapped[int] = mapped_column(default=0)
    agreement_signed: Mapped[bool] = mapped_column(default=False)
    goals: Mapped[int] = mapped_column(default=0)
    lowest_rating: Mapped[int | None]
    concern: Mapped[str | None] = mapped_column(String(20))
    refreshed_at: Mapped[datetime] = mapped_column(default=utcnow)


class InsightFigure(db.Model):
    """One analytics figure's rows for a programme (or all, when program_id is NULL) on a day.

    A rollup like InsightWeek: `refresh_figures` stores what the direct computation in
    `analytics` gives (already suppressed below 5 people), so the page reads one row per figure.
    """

    __tablename__ = "insight_figures"
    __table_args__ = (Index("ix_insight_figures_program_key", "program_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    as_of: Mapped[date]
    # The programmes the figure covers (for "all programmes": a new programme makes it stale).
    program_ids: Mapped[list] = mapped_column(JSON)
    rows: Mapped[list] = mapped_column(JSON)
    # Numbers the page shows beside the figure (the funnel's steps and median).
    extra: Mapped[dict] = mapped_column(JSON, default=dict)
    refreshed_at: Mapped[datetime] = mapped_column(default=utcnow)
