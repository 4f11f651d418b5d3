"""People's data rights: exports of everything Horizon holds about a person, and erasure
requests that wait out a grace period (portal/services/accounts/data_rights.py)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models._time import enum_column, utcnow
from portal.models.platform import Leased


class ExportStatus(StrEnum):
    queued = "queued"
    ready = "ready"
    failed = "failed"


class DataExport(Leased, db.Model):
    """A "download my data" zip, built by the worker and kept in the database (web and worker
    may share no disk) until it expires."""

    __tablename__ = "data_exports"
    __table_args__ = (
        # One export in the making per person: a double click makes one.
        Index(
            "uq_data_exports_one_queued",
            "user_id",
            unique=True,
            sqlite_where=text("status = 'queued'"),
            postgresql_where=text("status = 'queued'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[ExportStatus] = mapped_column(
        enum_column(ExportStatus), default=ExportStatus.queued
    )
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    size: Mapped[int] = mapped_column(default=0)
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    # Why it failed (the worker building it stopped too often), never a participant's text.
    error: Mapped[str | None] = mapped_column(String(500))


class ErasureMode(StrEnum):
    remove = "remove"  # what the person shared goes too
    anonymise = "anonymise"  # what they shared stays for the partner, under "Former participant"


class ErasureStatus(StrEnum):
    pending = "pending"
    cancelled = "cancelled"
    done = "done"


class ErasureRequest(db.Model):
    """ "Delete my account": carried out when `due_at` passes, unless cancelled before."""

    __tablename__ = "erasure_requests"
    __table_args__ = (
        Index(
            "uq_erasure_requests_one_pending",
            "user_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # An admin acting for the person (audited); None when the person asked themselves.
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    mode: Mapped[ErasureMode] = mapped_column(enum_column(ErasureMode))
    status: Mapped[ErasureStatus] = mapped_column(
        enum_column(ErasureStatus), default=ErasureStatus.pending
    )
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
