"""The audit log: every admin decision, with who made it and when."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import Program, User
from portal.models.enrollment import AuditEvent
from portal.services import access


def record(
    actor: User | None,
    action: str,
    summary: str,
    program: Program | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add an audit event to the session; the caller commits it with the decision itself."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        program_id=program.id if program is not None else None,
        summary=summary[:300],
        detail=detail,
    )
    db.session.add(event)
    return event


def recent(viewer: User, program: Program | None = None, limit: int = 200) -> list[AuditEvent]:
    """The newest decisions the viewer may read (admins only; see services/access.py)."""
    query = access.visible_audit_events(viewer).options(
        joinedload(AuditEvent.actor), joinedload(AuditEvent.program)
    )
    if program is not None:
        query = query.where(AuditEvent.program_id == program.id)
    query = query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(limit)
    return list(db.session.scalars(query))
