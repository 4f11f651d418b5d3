"""The one way Horizon sends e-mail: record it in the outbox, let the worker deliver it.

`send_email(message, key=...)` adds an `OutboxMessage` to the caller's transaction; once
that transaction commits, the worker is asked to deliver it, with retries and backoff. A
request therefore never waits for, or fails because of, the mail server, and a message is
never lost: after the last attempt it is marked failed and listed for admins.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from flask_mailman import EmailMessage
from huey import crontab
from sqlalchemy import delete, event, func, insert, select, update
from sqlalchemy.orm import Session

from portal.extensions import db, mail
from portal.models import utcnow
from portal.models.outbox import OutboxMessage, OutboxStatus
from portal.services.platform import counters as metrics
from portal.tasks import periodic_task, task

logger = logging.getLogger(__name__)

_PENDING = "horizon_outbox_pending"
_BATCH = 500
# Retries after the first attempt, 30 s apart and doubling: about 15 minutes in all.
RETRIES, RETRY_DELAY, RETRY_BACKOFF = 5, 30, 2


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an e-mail, built from BASE_URL and never from the request."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, url_scheme=base.scheme or "https", script_name=base.path or "/"
    )
    return adapter.build(endpoint, values, force_external=True)


def _stored_attachments(message: EmailMessage) -> list[dict[str, Any]]:
    """The message's (filename, content, mimetype) attachments, as the outbox keeps them."""
    stored = []
    for filename, content, mimetype in message.attachments:
        raw = content.encode() if isinstance(content, str) else bytes(content)
        stored.append(
            {
                "filename": filename,
                "mimetype": mimetype or "application/octet-stream",
                "content": base64.b64encode(raw).decode("ascii"),
            }
        )
    return stored


def send_email(
    message: EmailMessage,
    *,
    key: str | None = None,
    kind: str = "other",
    hold: str | None = None,
) -> OutboxMessage:
    """Record the message for delivery after the caller's commit; a known key is sent once.

    `kind` names what it is for the outbox counts. With `hold` (a decision's undo key) the
    message waits out the undo window (`release_held`), and an undo deletes it unsent.
    """
    key = key or f"once:{uuid.uuid4()}"
    existing = db.session.scalar(select(OutboxMessage).where(OutboxMessage.key == key))
    if existing is not None:
        return existing
    row = OutboxMessage(
        key=key,
        kind=kind[:40],
        to=list(message.to),
        subject=message.subject,
        body=message.body,
        headers=dict(message.extra_headers or {}),
        attachments=_stored_attachments(message),
    )
    if hold:
        row.hold_key = hold
        row.deliver_after = utcnow() + timedelta(seconds=current_app.config["UNDO_WINDOW_SECONDS"])
    # No savepoint here: SQLite's driver would commit a released savepoint outside a
    # transaction. Two writers racing on one key: the unique index refuses the second at
    # its commit, and a task that retries then finds the message already recorded.
    db.session.add(row)
    db.session.flush()
    if not hold:
        db.session.info.setdefault(_PENDING, []).append(row.id)
    return row


def release_held(now) -> int:
    """Messages whose undo window has closed become deliverable (sent after the commit)."""
    ids = list(
        db.session.scalars(
            update(OutboxMessage)
            .where(OutboxMessage.deliver_after.is_not(None), OutboxMessage.deliver_after <= now)
            .values(deliver_after=None, hold_key=None)
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        )
    )
    db.session.info.setdefault(_PENDING, []).extend(ids)
    return len(ids)


def withdraw_held(hold: str) -> int:
    """An undone decision: delete its messages still held; returns how many."""
    return (
        db.session.execute(
            delete(OutboxMessage)
            .where(OutboxMessage.hold_key == hold, OutboxMessage.deliver_after.is_not(None))
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )


def withdraw_held_to(holds: set[str], addresses: set[str]) -> int:
    """Delete the messages still held under these keys that go to any of these addresses (a
    pairing dropped before anybody was told); returns how many."""
    held = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.hold_key.in_(holds), OutboxMessage.deliver_after.is_not(None)
        )
    ).all()
    going = [row for row in held if addresses & set(row.to or [])]
    for row in going:
        db.session.delete(row)
    return len(going)


def send_emails(messages: list[tuple[EmailMessage, str | None]], kind: str = "other") -> int:
    """`send_email` for many messages at once (an import's invitations), in batched INSERTs.

    Messages whose key is already in the outbox are left out; returns how many were queued.
    """
    keyed = [(message, key or f"once:{uuid.uuid4()}") for message, key in messages]
    known: set[str] = set()
    for start in range(0, len(keyed), _BATCH):
        keys = [key for _, key in keyed[start : start + _BATCH]]
        known.update(
            db.session.scalars(select(OutboxMessage.key).where(OutboxMessage.key.in_(keys)))
        )
    rows = [
        {
            "key": key,
            "kind": kind,
            "to": list(message.to),
            "subject": message.subject,
            "body": message.body,
            "headers": dict(message.extra_headers or {}),
            "attachments": _stored_attachments(message),
            "status": OutboxStatus.pending,
            "attempts": 0,
            "created_at": utcnow(),
            "updated_at": utcnow(),
        }
        for message, key in keyed
        if key not in known
    ]
    pending = db.session.info.setdefault(_PENDING, [])
    for start in range(0, len(rows), _BATCH):
        ids = db.session.scalars(
            insert(OutboxMessage).returning(OutboxMessage.id), rows[start : start + _BATCH]
        )
        pending.extend(ids)
    return len(rows)


@event.listens_for(Session, "after_commit")
def _enqueue_committed(session: Session) -> None:
    """Only committed messages reach the worker, so a rolled-back request sends nothing."""
    if session.in_nested_transaction():
        # A released SAVEPOINT is not the request's commit: the rows are not visible to the
        # worker yet, so they wait for the outermost commit.
        return
    for outbox_id in session.info.pop(_PENDING, []):
        try:
            deliver_email(outbox_id)
        except Exception:  # the queue is down: the work is saved, the sweeper sends it later
            logger.exception("Could not queue e-mail %s; requeue_stalled will retry it", outbox_id)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)


def message_id(key: str) -> str:
    """A Message-ID fixed by the key: a retried message is the same message to mail clients."""
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "horizon.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{host}>"


@task(retries=RETRIES, retry_delay=RETRY_DELAY, retry_backoff=RETRY_BACKOFF)
def deliver_email(outbox_id: int) -> str:
    """Send one outbox message at most once: claim it (committed), send, record the outcome."""
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == outbox_id,
            OutboxMessage.status == OutboxStatus.pending,
            OutboxMessage.deliver_after.is_(None),
        )
        .values(
            status=OutboxStatus.sending, claimed_at=utcnow(), attempts=OutboxMessage.attempts + 1
        )
    ).rowcount
    db.session.commit()
    if not claimed:
        return "skipped"
    row = db.session.get(OutboxMessage, outbox_id)
    try:
        with mail.get_connection() as connection:
            message = EmailMessage(
                subject=row.subject,
                body=row.body,
                to=row.to,
                headers={**(row.headers or {}), "Message-ID": message_id(row.key)},
                connection=connection,
            )
            for part in row.attachments or []:
                content = base64.b64decode(part["content"])
                message.attach(part["filename"], content, part["mimetype"])
            message.send()
    except Exception as error:  # any transport failure: the queue retries it
        row.last_error = f"{type(error).__name__}: {error}"[:500]
        if row.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            row.status = OutboxStatus.failed
            db.session.commit()
            metrics.MAIL_ATTEMPTS.labels("failed").inc()
            return "failed"
        row.status = OutboxStatus.pending
        db.session.commit()
        metrics.MAIL_ATTEMPTS.labels("retry").inc()
        raise
    row.status, row.sent_at, row.last_error = OutboxStatus.sent, utcnow(), None
    db.session.commit()
    metrics.MAIL_ATTEMPTS.labels("sent").inc()
    return "sent"


@periodic_task(crontab(minute="*/10"))
def requeue_stalled() -> int:
    """Queue again messages left pending (a lost enqueue); mark abandoned sends uncertain."""
    now = utcnow()
    stall = timedelta(seconds=current_app.config["OUTBOX_STALL_SECONDS"])
    # A claim older than two mail timeouts belongs to a worker that stopped mid-send.
    abandoned = timedelta(
        seconds=current_app.config.get("OUTBOX_ABANDON_SECONDS")
        or 2 * current_app.config["MAIL_TIMEOUT"] + 60
    )
    db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.sending, OutboxMessage.claimed_at < now - abandoned
        )
        .values(
            status=OutboxStatus.uncertain,
            last_error="The worker stopped while sending; it may have arrived.",
        )
    )
    ids = list(
        db.session.scalars(
            select(OutboxMessage.id).where(
                OutboxMessage.status == OutboxStatus.pending,
                OutboxMessage.deliver_after.is_(None),
                OutboxMessage.updated_at < now - stall,
            )
        )
    )
    db.session.commit()
    for outbox_id in ids:
        deliver_email(outbox_id)
    return len(ids)


RETRYABLE = (OutboxStatus.failed, OutboxStatus.uncertain)


def retry(row: OutboxMessage) -> None:
    """Give a failed or uncertain message a fresh set of attempts (an admin's action).

    An uncertain message may already have arrived; it keeps its Message-ID, so mail clients
    that de-duplicate on it show one copy.
    """
    row.status, row.attempts = OutboxStatus.pending, 0
    db.session.info.setdefault(_PENDING, []).append(row.id)
    db.session.commit()


def status_counts() -> dict[OutboxStatus, int]:
    """How many messages are in each state (pending, sending, sent, failed, uncertain)."""
    rows = db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    )
    counts = dict.fromkeys(OutboxStatus, 0)
    counts.update({status: n for status, n in rows})
    return counts


def counts_by_kind() -> dict[str, dict[OutboxStatus, int]]:
    """How many messages of each kind are in each state (counts only, never subjects)."""
    rows = db.session.execute(
        select(OutboxMessage.kind, OutboxMessage.status, func.count()).group_by(
            OutboxMessage.kind, OutboxMessage.status
        )
    )
    counts: dict[str, dict[OutboxStatus, int]] = {}
    for kind, status, n in rows:
        counts.setdefault(kind or "other", dict.fromkeys(OutboxStatus, 0))[status] = n
    return dict(sorted(counts.items()))


def held_count() -> int:
    """Messages waiting out an undo window."""
    return (
        db.session.scalar(select(func.count()).where(OutboxMessage.deliver_after.is_not(None))) or 0
    )


def failed_messages(limit: int = 100) -> list[OutboxMessage]:
    """The newest messages that failed or may not have arrived (recipients and subjects only)."""
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status.in_(RETRYABLE))
            .order_by(OutboxMessage.updated_at.desc())
            .limit(limit)
        )
    )
