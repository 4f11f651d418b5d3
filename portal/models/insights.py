"""What programme insights read beyond activity: HR outcomes from an uploaded file.

Survey answers, meeting ratings and confidential requests belong to the guide
(portal/models/guide.py); health and analytics read them as counts, kinds and numbers.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models._time import enum_column, utcnow
from portal.models.journal import EntryComment
from portal.models.practice import PracticeComment


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
