"""The e-mail outbox: every message is recorded before the worker delivers it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models._time import enum_column, utcnow


class OutboxStatus(StrEnum):
    pending = "pending"
    sending = "sending"  # claimed by a worker, committed before the mail server is asked
    sent = "sent"
    failed = "failed"
    uncertain = "uncertain"  # the worker stopped while sending: it may have arrived


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_status_created", "status", "created_at"),
        Index("ix_outbox_messages_hold_key", "hold_key"),
        Index("ix_outbox_messages_kind", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A retry, a restart or a second worker never sends the same key twice.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    to: Mapped[list[Any]] = mapped_column(JSON)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # Text written by participants may be in the body: admin pages never show it.
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # [{"filename", "mimetype", "content" (base64)}]: a meeting's .ics travels with its e-mail.
    attachments: Mapped[list[Any]] = mapped_column(JSON, default=list)
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column(OutboxStatus), default=OutboxStatus.pending
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    # What the message is, for counts by kind: a reminder or news kind, "invitation", "account".
    kind: Mapped[str | None] = mapped_column(String(40))
    # Held under a decision's undo key until its window closes (None: deliver now); an undo
    # deletes the held message, so nobody hears of a decision taken back.
    deliver_after: Mapped[datetime | None]
    hold_key: Mapped[str | None] = mapped_column(String(40))
