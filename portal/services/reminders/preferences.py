"""What reaches each person, and the signed one-click unsubscribe links in every e-mail."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from portal.core.signing import signing_keys
from portal.extensions import db
from portal.models import User
from portal.models.guide import ReminderPreference
from portal.services.reminders.kinds import MESSAGE_KINDS

_SALT = "horizon-guide-unsubscribe"


@dataclass
class Channels:
    in_app: bool
    email: bool


def _default(kind: str) -> Channels:
    on = not MESSAGE_KINDS[kind].opt_in
    return Channels(in_app=on, email=on)


def channels(user: User, kind: str) -> Channels:
    """How messages of this kind reach the person (their choice, else the kind's default)."""
    row = db.session.get(ReminderPreference, (user.id, kind))
    return Channels(row.in_app, row.email) if row else _default(kind)


def all_channels(user: User) -> dict[str, Channels]:
    """Every kind's channels for the preferences page, in one query."""
    rows = db.session.scalars(
        select(ReminderPreference).where(ReminderPreference.user_id == user.id)
    )
    chosen = {row.kind: Channels(row.in_app, row.email) for row in rows}
    return {kind: chosen.get(kind, _default(kind)) for kind in MESSAGE_KINDS}


def set_channels(user: User, kind: str, *, in_app: bool, email: bool) -> None:
    """Remember the person's choice for one kind; the caller commits."""
    row = db.session.get(ReminderPreference, (user.id, kind))
    if row is None:
        row = ReminderPreference(user_id=user.id, kind=kind)
        db.session.add(row)
    row.in_app, row.email = in_app, email


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(signing_keys(current_app.config), salt=_SALT)


def unsubscribe_token(user: User, kind: str) -> str:
    """A signed, dated token that switches off one kind of e-mail for one person."""
    return _serializer().dumps({"u": user.id, "k": kind})


class UnsubscribeError(ValueError):
    """The link is tampered with, expired, or names nobody."""


def read_unsubscribe_token(token: str) -> tuple[User, str]:
    """The person and kind a token names; UnsubscribeError when it is not valid (any more)."""
    max_age = current_app.config["UNSUBSCRIBE_MAX_AGE_DAYS"] * 86400
    try:
        payload = _serializer().loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise UnsubscribeError("This link has expired.") from error
    except BadSignature as error:
        raise UnsubscribeError("This link is not valid.") from error
    if not isinstance(payload, dict) or payload.get("k") not in MESSAGE_KINDS:
        raise UnsubscribeError("This link is not valid.")
    user_id = payload.get("u")
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None:
        raise UnsubscribeError("This link is not valid.")
    return user, payload["k"]


def unsubscribe(user: User, kind: str) -> None:
    """Stop e-mails of one kind (in-app notices stay as they were); the caller commits."""
    set_channels(user, kind, in_app=channels(user, kind).in_app, email=False)
