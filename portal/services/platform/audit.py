"""The audit log: every admin decision, with who made it and when."""

from __future__ import annotations

from typing import Any

from sqlalchemy import tuple_
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import Program, User
from portal.models.enrollment import AuditEvent
from portal.services import access
from portal.services.platform.paging import after_key, key_token

# Events on one page of the audit log; older ones are a link away ("older": keyset paging).
LOG_PAGE = 50


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


def _newest_first(viewer: User, program: Program | None):
    query = access.visible_audit_events(viewer).options(
        joinedload(AuditEvent.actor), joinedload(AuditEvent.program)
    )
    if program is not None:
        query = query.where(AuditEvent.program_id == program.id)
    return query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())


def recent(viewer: User, program: Program | None = None, limit: int = 200) -> list[AuditEvent]:
    """The newest decisions the viewer may read (admins only; see services/access.py)."""
    return list(db.session.scalars(_newest_first(viewer, program).limit(limit)))


def log_page(
    viewer: User, program: Program | None = None, older: str = ""
) -> tuple[list[AuditEvent], str | None]:
    """One page of the log, newest first, starting after the key `older` (a malformed key
    means the first page); and the key of the next page, or None at the end.

    Keyset paging over the index (created_at, id): page 1,000 costs what page 1 costs.
    """
    query = _newest_first(viewer, program)
    if key := after_key(older):
        query = query.where(tuple_(AuditEvent.created_at, AuditEvent.id) < key)
    rows = list(db.session.scalars(query.limit(LOG_PAGE + 1)))
    if len(rows) <= LOG_PAGE:
        return rows, None
    last = rows[LOG_PAGE - 1]
    return rows[:LOG_PAGE], key_token(last.created_at, last.id)
