"""Sending one scheduled message exactly once: in-app and by e-mail, as the person chose.

The `GuideDispatch` row, the notification and the outbox message are written in one
transaction; the dispatch key is unique, so a second worker, a retry or a restart that
reaches the same message meets the constraint and sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from flask import current_app, render_template
from flask_mailman import EmailMessage
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import User
from portal.models.guide import GuideDispatch
from portal.services.platform.mail import external_url, send_email
from portal.services.platform.notifications import notify
from portal.services.reminders import preferences


@dataclass
class Message:
    """One message for one person: what the notice says, and the e-mail around it."""

    kind: str
    key: str
    recipient: User
    subject: str
    # The in-app notice: names what it is about, never private text.
    notice: str
    # The endpoint and values the message links to (built from BASE_URL for e-mail).
    endpoint: str
    values: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    pairing_id: int | None = None
    attachment: tuple[str, bytes, str] | None = None
    # The day of the event the message is about (held, due): with the kind's `window`, when
    # it is too late to send.
    event_on: date | None = None

    @property
    def path(self) -> str:
        """The link for the in-app notice (a path on this site)."""
        return current_app.url_map.bind("localhost").build(self.endpoint, self.values)


def render_email(message: Message) -> EmailMessage:
    """The plain-text e-mail, with its one-click unsubscribe link and List-Unsubscribe header."""
    token = preferences.unsubscribe_token(message.recipient, message.kind)
    unsubscribe_url = external_url("main.unsubscribe", token=token)
    body = render_template(
        f"reminders/email/{message.kind}.txt",
        recipient=message.recipient,
        link=external_url(message.endpoint, **message.values),
        unsubscribe_url=unsubscribe_url,
        **message.context,
    )
    email = EmailMessage(
        subject=message.subject,
        body=body,
        to=[message.recipient.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    if message.attachment:
        email.attach(*message.attachment)
    return email


def already_sent(key: str) -> bool:
    return db.session.scalar(select(GuideDispatch.id).where(GuideDispatch.key == key)) is not None


def dispatch(message: Message, now: datetime, *, email_allowed: bool = True) -> bool:
    """Send the message unless its key was sent before; commits. True when it went out.

    Over the person's daily e-mail cap (`email_allowed=False`) it goes in the app only.
    """
    chosen = preferences.channels(message.recipient, message.kind)
    if chosen.email and not email_allowed:
        chosen = replace(chosen, in_app=True, email=False)
    if not (chosen.in_app or chosen.email) or already_sent(message.key):
        return False
    row = GuideDispatch(
        key=message.key,
        user_id=message.recipient.id,
        kind=message.kind,
        pairing_id=message.pairing_id,
        emailed=chosen.email,
        created_at=now,
    )
    try:
        db.session.add(row)
        db.session.flush()
    except IntegrityError:  # another worker recorded the same key a moment ago
        db.session.rollback()
        return False
    if chosen.in_app:
        notify(message.recipient, message.kind, message.notice, message.path)
    if chosen.email:
        send_email(render_email(message), key=f"guide:{message.key}", kind=message.kind)
    try:
        db.session.commit()
    except IntegrityError:  # lost the race at commit time (SQLite serialises here)
        db.session.rollback()
        return False
    return True
