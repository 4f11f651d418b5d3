"""Shared helpers for the guide tests: run the worker's real task at a chosen moment."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.models import Notification
from portal.models.guide import GuideDispatch
from portal.services.reminders.tasks import send_due_reminders


def run_at(moment: datetime) -> int:
    """The worker's task, run inline (immediate mode) at a naive-UTC moment."""
    result = send_due_reminders(at=moment.isoformat())
    db.session.expire_all()
    return result() if callable(result) else result


def emails() -> list:
    return list(getattr(current_app.extensions["mailman"], "outbox", []))


def emails_to(user) -> list:
    return [m for m in emails() if user.email in m.to]


def keys(kind: str | None = None) -> list[str]:
    query = select(GuideDispatch.key).order_by(GuideDispatch.id)
    if kind:
        query = query.where(GuideDispatch.kind == kind)
    return list(db.session.scalars(query))


def notices(user) -> list[str]:
    return list(
        db.session.scalars(select(Notification.message).where(Notification.user_id == user.id))
    )
