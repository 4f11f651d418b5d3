"""The undo window: an admin's decision tells people only after a short wait.

A decision writes its audit events with an undo key and queues its notices held under
that key (`notify(..., hold=key)`). Until the window closes the admin may undo it: the
decision is reverted and the held notices are withdrawn, so nobody was told anything.
Undoing a pairing's approval also reopens the mentee's requests that it closed.
`release_due_notifications()` is the one call a worker job makes to deliver what is due.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from huey import crontab
from sqlalchemy import delete, func, select, update

from portal.extensions import db
from portal.models import (
    Membership,
    MembershipStatus,
    Notification,
    Pairing,
    PairingStatus,
    User,
    utcnow,
)
from portal.models.circles import Circle, CircleStatus
from portal.models.enrollment import AuditEvent
from portal.services.choosing.closing import reopen
from portal.services.platform import audit, mail
from portal.services.platform.notifications import held_until, undo_window
from portal.services.reminders import news
from portal.tasks import periodic_task

UNDOABLE = {
    "enrollment.approved",
    "enrollment.declined",
    "pairing.approved",
    "programme.messaged",
    "circle.approved",
}
# What the second of two people deciding the same thing at once is told; nothing is recorded.
ALREADY_DECIDED = "This was already decided."
ALREADY_UNDONE = f"{ALREADY_DECIDED} It can no longer be undone."


class UndoError(ValueError):
    """The decision cannot be undone any more; the message says why."""


def new_undo_key() -> str:
    return f"undo-{secrets.token_hex(8)}"


def window() -> timedelta:
    return undo_window()


def window_minutes() -> int:
    """The undo window in whole minutes, as the confirmation pages say it (at least 1)."""
    return max(1, -(-int(window().total_seconds()) // 60))


def tell_time(decided_at: datetime) -> datetime:
    """When the people a decision concerns are told: as its undo window closes (UTC)."""
    return held_until(decided_at)


@dataclass
class Told:
    """Who was told about a pairing, and when (or when they will be, unless it is undone)."""

    people: list[User]
    at: datetime | None
    done: bool


def pairing_told(pairing: Pairing, now: datetime | None = None) -> Told:
    """The one answer to "who was told about this pairing, and when".

    Nobody is told about a proposal. Once approved, both partners are told when the undo
    window closes (their held notices become visible then); before that, nobody was.
    The approval flash, the undo panel and the notices all read this.
    """
    if pairing.approved_at is None or pairing.status is PairingStatus.proposed:
        return Told([], None, False)
    # The pairing opens to its partners as they are told (set at approval: Pairing.opens_at).
    at = pairing.opens_at or tell_time(pairing.approved_at)
    done = (now or utcnow()) >= at
    return Told([pairing.mentee, pairing.mentor] if done else [], at, done)


@periodic_task(crontab(minute="*"))
def release_due_notifications_every_minute() -> int:
    """The worker clears the hold of every notice whose undo window has passed."""
    return release_due_notifications()


def release_due_notifications(now: datetime | None = None) -> int:
    """Deliver every held notice (and e-mail) whose undo window has passed; returns how many
    notices. Both are released in one transaction, so an undo finds both held or neither."""
    now = now or utcnow()
    result = db.session.execute(
        update(Notification)
        .where(Notification.deliver_after.is_not(None), Notification.deliver_after <= now)
        .values(deliver_after=None, hold_key=None)
    )
    mail.release_held(now)
    db.session.commit()
    return result.rowcount or 0


@dataclass
class Undoable:
    """One of the viewer's own recent decisions that can still be taken back."""

    key: str
    summary: str
    count: int
    until: datetime
    program_id: int | None
    action: str = ""


def undoable(viewer: User, program_id: int | None = None) -> list[Undoable]:
    """The viewer's decisions still inside the undo window, newest first (one row each)."""
    key = AuditEvent.detail["undo"].as_string()
    query = (
        select(
            key,
            func.count(AuditEvent.id),
            func.min(AuditEvent.summary),
            func.min(AuditEvent.action),
            func.min(AuditEvent.created_at),
            func.min(AuditEvent.program_id),
        )
        .where(
            AuditEvent.actor_id == viewer.id,
            AuditEvent.created_at >= utcnow() - window(),
            AuditEvent.action.in_(UNDOABLE),
            key.is_not(None),
            AuditEvent.detail["undone"].as_string().is_(None),
        )
        .group_by(key)
        .order_by(func.min(AuditEvent.created_at).desc())
        .limit(10)
    )
    if program_id is not None:
        query = query.where(AuditEvent.program_id == program_id)
    found = []
    for undo_key, count, summary, action, created_at, program in db.session.execute(query):
        if count > 1:
            verb = summary.split(" ", 1)[0]
            noun = {"pairing.": "pairs", "circle.": "circles"}.get(
                action.split(".", 1)[0] + ".", "applications"
            )
            summary = f"{verb} {count} {noun}"
        found.append(Undoable(undo_key, summary, count, tell_time(created_at), program, action))
    return found


def undo(viewer: User, key: str) -> str:
    """Take back one of the viewer's decisions inside its window; returns what was undone."""
    found = [
        e
        for e in db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.actor_id == viewer.id,
                AuditEvent.created_at >= utcnow() - window(),
                AuditEvent.action.in_(UNDOABLE),
            )
        )
        if (e.detail or {}).get("undo") == key
    ]
    events = [e for e in found if not e.detail.get("undone")]
    if found and not events:
        raise UndoError(ALREADY_UNDONE)
    if not events:
        raise UndoError("This decision can no longer be undone: its window has closed.")
    told = select(func.count(Notification.id)).where(
        Notification.hold_key == key, Notification.deliver_after.is_(None)
    )
    if db.session.scalar(told):
        raise UndoError("Too late to undo: the people concerned were already told.")
    held = db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.hold_key == key, Notification.deliver_after.is_not(None)
        )
    )
    for event in events:
        _revert(event)
        event.detail = {**event.detail, "undone": True}
    # Withdraw exactly the notices still held; if the worker released one meanwhile (it
    # clears the hold), fewer rows go and the undo is refused: somebody was told.
    withdrawn = db.session.execute(
        delete(Notification)
        .where(Notification.hold_key == key, Notification.deliver_after.is_not(None))
        .execution_options(synchronize_session=False)
    )
    if withdrawn.rowcount != held:
        raise UndoError("Too late to undo: the people concerned were already told.")
    mail.withdraw_held(key)
    news.withdraw(key)
    summary = events[0].summary if len(events) == 1 else f"{len(events)} decisions"
    audit.record(viewer, "decision.undone", f"Undid: {summary}", events[0].program)
    db.session.commit()
    return summary


def _revert(event: AuditEvent) -> None:
    """Put the decided row back, claimed by a conditional UPDATE on its decided status: of two
    undos at once, the second finds the row already back and records nothing."""
    detail = event.detail or {}
    if event.action == "programme.messaged":
        return  # a message changes no row: withdrawing its held notices and e-mails undoes it
    if event.action.startswith("enrollment."):
        membership = db.session.get(Membership, detail.get("membership_id"))
        expected = (
            MembershipStatus.active
            if event.action == "enrollment.approved"
            else MembershipStatus.declined
        )
        if membership is None or membership.status is not expected:
            raise UndoError("The application changed since; it cannot be undone here.")
        if expected is MembershipStatus.active and _is_paired(membership):
            raise UndoError(f"{membership.user.name} is already in a pair; reject that first.")
        claimed = db.session.execute(
            update(Membership)
            .where(Membership.id == membership.id, Membership.status == expected)
            .values(status=MembershipStatus.applied, decided_at=None)
            .execution_options(synchronize_session=False)
        )
        row = membership
    elif event.action == "circle.approved":
        row, claimed = _back_to_proposed(
            Circle, detail.get("circle_id"), CircleStatus.active, CircleStatus.proposed, "circle"
        )
    else:
        if db.session.get(Pairing, detail.get("pairing_id")) is None:
            return  # it went, unopened, with a partner who left (accounts.deactivation)
        row, claimed = _back_to_proposed(
            Pairing,
            detail.get("pairing_id"),
            PairingStatus.active,
            PairingStatus.proposed,
            "pairing",
        )
    if claimed.rowcount != 1:
        raise UndoError(ALREADY_UNDONE)
    # The mentee's requests the approval closed wait again; their mentors' closing notices
    # were held under the same key and are withdrawn with the undo, so nobody hears either.
    reopen(detail.get("closed_requests") or [])
    db.session.expire(row)


def _back_to_proposed(model: Any, row_id: Any, active: Any, proposed: Any, noun: str):
    """An approved pairing or circle back to a proposal, claimed by a conditional UPDATE on its
    active status; returns the row and the UPDATE's result."""
    row = db.session.get(model, row_id)
    if row is None or row.status is not active:
        raise UndoError(f"The {noun} changed since; it cannot be undone here.")
    claimed = db.session.execute(
        update(model)
        .where(model.id == row.id, model.status == active)
        .values(status=proposed, approved_at=None, opens_at=None)
        .execution_options(synchronize_session=False)
    )
    return row, claimed


def withdraw_held_notices(pairing: Pairing) -> int:
    """Withdraw the notices and e-mails still held for a pairing's two people under its
    approval's undo key (the pairing goes before anybody was told); returns how many notices."""
    keys = {
        (e.detail or {}).get("undo")
        for e in db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "pairing.approved",
                AuditEvent.created_at >= utcnow() - window(),
            )
        )
        if (e.detail or {}).get("pairing_id") == pairing.id
    } - {None}
    if not keys:
        return 0
    mail.withdraw_held_to(keys, {pairing.mentor.email, pairing.mentee.email})
    return (
        db.session.execute(
            delete(Notification)
            .where(
                Notification.hold_key.in_(keys),
                Notification.deliver_after.is_not(None),
                Notification.user_id.in_([pairing.mentor_id, pairing.mentee_id]),
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )


def _is_paired(membership: Membership) -> bool:
    return (
        db.session.scalar(
            select(Pairing.id)
            .where(
                Pairing.program_id == membership.program_id,
                Pairing.status.in_([PairingStatus.active, PairingStatus.proposed]),
                (Pairing.mentee_id == membership.user_id)
                | (Pairing.mentor_id == membership.user_id),
            )
            .limit(1)
        )
        is not None
    )
