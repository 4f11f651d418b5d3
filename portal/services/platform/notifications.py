"""Creating and reading in-app notifications."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from portal.extensions import db
from portal.models import Notification, User, utcnow
from portal.services import access
from portal.services.access import visible_notifications

GROUP_WINDOW = timedelta(days=7)


def undo_window() -> timedelta:
    """The undo window (config UNDO_WINDOW_SECONDS): the one place that reads it."""
    return timedelta(seconds=current_app.config["UNDO_WINDOW_SECONDS"])


def held_until(decided_at: datetime | None = None) -> datetime:
    """When a notice held by a decision taken at `decided_at` (default now) becomes visible."""
    return (decided_at or utcnow()) + undo_window()


def notify(
    user: User | int,
    kind: str,
    message: str,
    link: str | None = None,
    hold: str | None = None,
    *,
    group: bool = False,
) -> Notification:
    """Queue a notification for a person; the caller commits with its own change.

    With `hold` (a decision's undo key) the notice waits out the undo window first.
    With `group`, an unread notice of the same kind about the same thing (its link) from
    the last week is updated instead, so five check-ins make one notice, not five.
    """
    user_id = user if isinstance(user, int) else user.id
    if group:
        earlier = db.session.scalar(
            select(Notification)
            .where(
                Notification.user_id == user_id,
                Notification.kind == kind,
                Notification.link == link,
                Notification.read_at.is_(None),
                Notification.created_at >= utcnow() - GROUP_WINDOW,
            )
            .order_by(Notification.created_at.desc())
            .limit(1)
        )
        if earlier is not None:
            earlier.repeats += 1
            suffix = f" ({earlier.repeats} updates)"
            earlier.message = message[: 300 - len(suffix)] + suffix
            earlier.created_at = utcnow()
            return earlier
    notification = Notification(user_id=user_id, kind=kind, message=message[:300], link=link)
    if hold:
        notification.deliver_after = held_until()
        notification.hold_key = hold
    db.session.add(notification)
    return notification


def _unread_count(viewer: User):
    query = visible_notifications(viewer).where(Notification.read_at.is_(None))
    return select(func.count()).select_from(query.subquery())


def unread_count(user: User) -> int:
    """The header's badge, on every page: the statement is built once (`access.prebuilt`)."""
    query = access.prebuilt("notifications.unread_count", _unread_count)
    return db.session.scalar(query, access.viewer_params(user)) or 0


def latest(user: User, limit: int = 20) -> list[Notification]:
    query = access.prebuilt(
        ("notifications.latest", limit),
        lambda viewer: (
            visible_notifications(viewer)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        ),
    )
    return list(db.session.scalars(query, access.viewer_params(user)))


def mark_all_read(user: User) -> None:
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
