"""The journey journal: entries that are private or shared with the pairing partner."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
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


class JournalEntry(db.Model):
    __tablename__ = "journal_entries"
    __table_args__ = (Index("ix_journal_entries_author_created", "author_id", "created_at"),)

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

    entry: Mapped[JournalEntry] = relationship(back_populates="comments")
    author: Mapped[User] = relationship()


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
