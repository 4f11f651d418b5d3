"""Every kick-off e-mail leaves through `_deliver`, which hands it to the outbox and the worker."""

from __future__ import annotations

from flask import current_app, render_template
from flask_mailman import EmailMessage

from portal.models import User
from portal.services.platform.mail import send_email


def base_url() -> str:
    """Links in e-mails come from configuration, never from the request."""
    return current_app.config["BASE_URL"].rstrip("/")


def _deliver(message: EmailMessage, key: str | None) -> None:
    """Record the message in the outbox; the worker sends it once the caller commits."""
    send_email(message, key=key)


def send(
    to: User,
    subject: str,
    template: str,
    *,
    attachment: tuple[str, bytes, str] | None = None,
    key: str | None = None,
    **context,
) -> None:
    """Render a plain-text e-mail for one person, with an optional attachment, and deliver it.

    `key` names the message once (e.g. a meeting's UID, SEQUENCE and event), so sending
    the same news twice records it once.
    """
    body = render_template(template, recipient=to, base_url=base_url(), **context)
    message = EmailMessage(subject=subject, body=body, to=[to.email])
    if attachment:
        message.attach(*attachment)
    _deliver(message, key)
