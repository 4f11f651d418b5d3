"""Every kick-off e-mail leaves through `_deliver`, the one place the lead points at the worker."""

from __future__ import annotations

from flask import current_app, render_template
from flask_mailman import EmailMessage

from portal.models import User


def base_url() -> str:
    """Links in e-mails come from configuration, never from the request."""
    return current_app.config["BASE_URL"].rstrip("/")


def _deliver(message: EmailMessage) -> None:
    """Send one message now (the background worker takes over at merge)."""
    message.send()


def send(
    to: User,
    subject: str,
    template: str,
    *,
    attachment: tuple[str, bytes, str] | None = None,
    **context,
) -> None:
    """Render a plain-text e-mail for one person, with an optional attachment, and deliver it."""
    body = render_template(template, recipient=to, base_url=base_url(), **context)
    message = EmailMessage(subject=subject, body=body, to=[to.email])
    if attachment:
        message.attach(*attachment)
    _deliver(message)
