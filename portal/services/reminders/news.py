"""News by e-mail: a person is told as it happens when something is decided about them.

Paired (after the undo window, so both partners hear of it at the same moment, or nobody
does), a pairing ended, a mentor's answer to a request, an application decided, a message
from the programme team. The in-app notice is written by the deciding service as before;
this adds the e-mail, as the person chose (`reminders.preferences`, one-click unsubscribe).
Each e-mail is recorded as a `GuideDispatch` (emailed), so it counts towards the daily cap
that paces the scheduled reminders, and its key names the event, so it goes once.
Subjects name the programme only (`Kind.subject`, SUBJECT_FIELDS); links come from BASE_URL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from portal.extensions import db
from portal.models import Program, User, utcnow
from portal.models.guide import GuideDispatch
from portal.services.platform.mail import send_email
from portal.services.reminders import preferences
from portal.services.reminders.dispatch import Message, already_sent, render_email
from portal.services.reminders.kinds import NEWS


def tell(
    recipient: User,
    kind: str,
    event: str,
    *,
    program: Program,
    endpoint: str,
    values: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
    hold: str | None = None,
    pairing_id: int | None = None,
) -> bool:
    """E-mail one piece of news to one person unless they switched it off; the caller commits.

    `event` names what happened (a pairing and its undo key, a request, a decision), so the
    same news is sent once. With `hold`, the e-mail waits out that decision's undo window.
    """
    if recipient.deactivated_at is not None or not preferences.channels(recipient, kind).email:
        return False
    key = f"news:{kind}:{event}:{recipient.id}"
    if already_sent(key):
        return False
    message = Message(
        kind=kind,
        key=key,
        recipient=recipient,
        subject=NEWS[kind].subject_for(program=program.name),
        notice="",
        endpoint=endpoint,
        values=values or {},
        context={"program": program, **(context or {})},
        pairing_id=pairing_id,
    )
    db.session.add(
        GuideDispatch(
            key=key,
            user_id=recipient.id,
            kind=kind,
            pairing_id=pairing_id,
            emailed=True,
            created_at=utcnow(),
        )
    )
    send_email(render_email(message), key=f"guide:{key}", kind=kind, hold=hold)
    return True


def withdraw(hold: str) -> None:
    """An undone decision: forget its news (the held e-mails go with `mail.withdraw_held`)."""
    db.session.execute(
        delete(GuideDispatch)
        .where(GuideDispatch.key.like(f"news:%:{hold}:%"))
        .execution_options(synchronize_session=False)
    )
