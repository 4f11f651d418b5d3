"""The journey journal: entries that are private or shared with the pairing partner."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models._time import enum_column, utcnow

if TYPE_CHECKING:
    from portal.models.users import User


class Visibility(StrEnum):
    private = "private"
    shared = "shared"


class EntryStatus(StrEnum):
    draft = "draft"  # autosaved and never shown to anyone but the author
    published = "published"


SHARED_PUBLISHED = "visibility = 'shared' AND status = 'published'"
# Full-text search lives beside the table, per database (see migration 0009_performance):
# PostgreSQL keeps a generated tsvector column with a GIN index, which the model leaves out
# (no row ever loads it); SQLite keeps an FTS5 table in step by triggers.
FTS_DOCUMENT = "journal_entries.search_vector"
FTS_COLUMN = "search_vector"
FTS_TABLE = "journal_entries_fts"
FTS_INDEX = "ix_journal_entries_fts"


def is_search_structure(name: str | None, type_: str, parent_names: dict) -> bool:
    """False for the full-text objects the models cannot describe, so autogenerate and the
    schema comparison leave them to migration 0009_performance (Alembic's include_name)."""
    if type_ == "table":
        return not (name or "").startswith(FTS_TABLE)
    if type_ == "column":
        return name != FTS_COLUMN
    return name != FTS_INDEX


class JournalEntry(db.Model):
    __tablename__ = "journal_entries"
    __table_args__ = (
        Index("ix_journal_entries_author_created", "author_id", "created_at"),
        # What partners read: published, shared entries by author, newest first (the id
        # breaks ties, so "the newest three" are read in order from the index: 0031).
        Index(
            "ix_journal_entries_shared_author",
            "author_id",
            "published_at",
            "id",
            sqlite_where=text(SHARED_PUBLISHED),
            postgresql_where=text(SHARED_PUBLISHED),
        ),
        # The mentor's unreviewed count, without visiting reviewed entries.
        Index(
            "ix_journal_entries_unreviewed",
            "author_id",
            sqlite_where=text(f"{SHARED_PUBLISHED} AND reviewed_at IS NULL"),
            postgresql_where=text(f"{SHARED_PUBLISHED} AND reviewed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[Visibility] = mapped_column(
        enum_column(Visibility), default=Visibility.private
    )
    status: Mapped[EntryStatus] = mapped_column(
        enum_column(EntryStatus), default=EntryStatus.published
    )
    # The guiding prompt the entry started from, by its key (see the journal prompts).
    prompt_key: Mapped[str | None] = mapped_column(String(60))
    # Bumped on every save; an edit based on an older version is a conflict, not an overwrite.
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Autosaved edits of a published entry wait here, seen by the author only, until saved:
    # a partner never reads half-written changes.
    draft_title: Mapped[str | None] = mapped_column(String(200))
    draft_body: Mapped[str | None] = mapped_column(Text)
    draft_tags: Mapped[str | None] = mapped_column(String(400))
    draft_saved_at: Mapped[datetime | None]

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    comments: Mapped[list[EntryComment]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="EntryComment.created_at"
    )
    tags: Mapped[list[EntryTag]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="EntryTag.name"
    )

    def __repr__(self) -> str:
        return f"<JournalEntry {self.id} by {self.author_id} {self.visibility}>"

    @property
    def is_shared(self) -> bool:
        return self.visibility is Visibility.shared and self.status is EntryStatus.published

    @property
    def is_draft(self) -> bool:
        return self.status is EntryStatus.draft

    @property
    def tag_names(self) -> list[str]:
        return [tag.name for tag in self.tags]

    @property
    def has_pending_draft(self) -> bool:
        """True when autosaved changes of a published entry have not been saved yet."""
        return not self.is_draft and self.draft_saved_at is not None


class EntryComment(db.Model):
    __tablename__ = "entry_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("journal_entries.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The relationship a reader's comment was written in; NULL for the entry author's own.
    pairing_id: Mapped[int | None] = mapped_column(
        ForeignKey("pairings.id", ondelete="CASCADE"), index=True
    )

    entry: Mapped[JournalEntry] = relationship(back_populates="comments")
    author: Mapped[User] = relationship()


class EntryAudience(db.Model):
    """One pairing a shared entry is shared in, fixed when it is shared (see docs/sharing.md)."""

    __tablename__ = "entry_audiences"
    __table_args__ = (Index("ix_entry_audiences_pairing_entry", "pairing_id", "entry_id"),)

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("journal_entries.id", ondelete="CASCADE"), primary_key=True
    )
    pairing_id: Mapped[int] = mapped_column(
        ForeignKey("pairings.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EntryTag(db.Model):
    """A short label the author puts on an entry, lower-case, unique per entry."""

    __tablename__ = "entry_tags"
    __table_args__ = (
        UniqueConstraint("entry_id", "name", name="uq_entry_tags_entry_name"),
        Index("ix_entry_tags_name", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(40))

    entry: Mapped[JournalEntry] = relationship(back_populates="tags")


class JournalDailyCounts(db.Model):
    """Journal activity per UTC day, kept by database triggers: what the admin panels read.

    A published entry counts on its publication day (shared and reviewed too); a comment
    on the day it was written. Triggers on ``journal_entries`` and ``entry_comments``
    (migration 0009_performance) keep every row equal to a direct count.
    """

    __tablename__ = "journal_daily_counts"

    day: Mapped[date] = mapped_column(primary_key=True)
    entries: Mapped[int] = mapped_column(default=0)
    shared: Mapped[int] = mapped_column(default=0)
    reviewed: Mapped[int] = mapped_column(default=0)
    comments: Mapped[int] = mapped_column(default=0)


class JournalAuthorTag(db.Model):
    """How many of an author's entries carry a tag, kept by database triggers on
    ``entry_tags`` and ``journal_entries``: the journal's tag menu reads it."""

    __tablename__ = "journal_author_tags"

    author_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    entries: Mapped[int] = mapped_column(default=0)
