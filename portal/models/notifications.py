"""In-app notifications, shown in the header badge and on the dashboard."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models._time import utcnow


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    # Plain text: a notification names what happened, never a private entry's text.
    message: Mapped[str] = mapped_column(String(300))
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None]
    # Held for an admin's undo window: invisible until this time (None: delivered).
    deliver_after: Mapped[datetime | None] = mapped_column(index=True)
    # Which decision holds it, so undoing that decision withdraws exactly these notices.
    hold_key: Mapped[str | None] = mapped_column(String(80), index=True)
    # How many events this notice stands for: repeated events (check-ins) are grouped.
    repeats: Mapped[int] = mapped_column(default=1, server_default="1")

    @property
    def is_unread(self) -> bool:
        return self.read_at is None
