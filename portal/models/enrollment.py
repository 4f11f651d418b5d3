"""Programme questions admins add to the application form, and the audit log of decisions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models._time import enum_column, utcnow

if TYPE_CHECKING:
    from portal.models.programs import Program
    from portal.models.users import User


class QuestionAudience(StrEnum):
    everyone = "everyone"
    mentor = "mentor"
    mentee = "mentee"


class ProgramQuestion(db.Model):
    """An extra question on a programme's application form; answers go in the profile."""

    __tablename__ = "program_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(200))
    audience: Mapped[QuestionAudience] = mapped_column(
        enum_column(QuestionAudience), default=QuestionAudience.everyone
    )
    required: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    program: Mapped[Program] = relationship()

    @property
    def key(self) -> str:
        return f"q{self.id}"

    def asks(self, role: str) -> bool:
        return self.audience is QuestionAudience.everyone or self.audience.value == role


class AuditEvent(db.Model):
    """Who decided what, and when: every admin decision on enrollment and pairings."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_program_created", "program_id", "created_at"),
        # The log newest first, paged by key (created_at, id): services/platform/audit.py.
        Index("ix_audit_events_created_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(60))
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id", ondelete="SET NULL"))
    # Plain words for the log ("Approved Ana Lopez with Ben Ito"); never private text.
    summary: Mapped[str] = mapped_column(String(300))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()
    program: Mapped[Program | None] = relationship()
