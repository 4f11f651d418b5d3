"""Server-side sessions: a signed cookie is only good while its row exists."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models._time import utcnow


class UserSession(db.Model):
    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the cookie's token: a copy of this table opens no session.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Which company sign-in opened it (OIDC issuer and `sid`), so that a back-channel
    # logout ends exactly this session.
    sso_issuer: Mapped[str | None] = mapped_column(String(300))
    sso_sid: Mapped[str | None] = mapped_column(String(255), index=True)
