"""Programme leads: people who run enrollment, matching and approval for one programme."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models._time import utcnow
from portal.models.programs import Program
from portal.models.users import User


class ProgramLead(db.Model):
    """A programme-level role, assigned by a portal admin; it grants nothing elsewhere."""

    __tablename__ = "program_leads"
    __table_args__ = (UniqueConstraint("program_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The company group that granted the role (None: a portal admin assigned it by hand).
    granted_by_group: Mapped[str | None] = mapped_column(String(200))

    program: Mapped[Program] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
