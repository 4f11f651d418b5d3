"""Accounts: finding, authenticating and creating people, and the session loader."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from flask import current_app, render_template
from flask import session as flask_session
from flask_login import login_user, logout_user
from flask_mailman import EmailMessage
from huey import crontab
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import IntegrityError

from portal.core.bounds import MAX_DB_INT
from portal.core.signing import signing_keys
from portal.extensions import db, login_manager
from portal.models import Program, User, utcnow
from portal.models.sessions import UserSession
from portal.models.users import password_hasher
from portal.services.platform.mail import external_url, send_email, send_emails
from portal.tasks import periodic_task


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == User.normalise_email(email)))


def session_version_of(email: str) -> int | None:
    """The account's session version (bumped by "sign out everywhere"), None if unknown."""
    return db.session.scalar(
        select(User.session_version).where(User.email == User.normalise_email(email))
    )


def email_taken(email: str) -> bool:
    return find_by_email(email) is not None


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None; both failures cost the same time."""
    user = find_by_email(email or "")
    if user is None:
        User.spend_password_check_time(password or "")
        return None
    if not user.check_password(password or ""):
        return None
    return user if user.deactivated_at is None else None


def create_user(
    email: str, name: str, password: str, *, admin: bool = False, timezone: str = "UTC"
) -> User:
    """Add a user to the session; the caller commits."""
    user = User(
        email=User.normalise_email(email), name=name, timezone=timezone, is_portal_admin=admin
    )
    user.set_password(password)
    db.session.add(user)
    return user


# --- server-side sessions ----------------------------------------------------------------

SESSION_TOKEN_KEY = "_horizon_sid"  # noqa: S105 (a session key name, not a secret)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User, *, sso_issuer: str | None = None, sso_sid: str | None = None) -> None:
    """Begin a fresh session: a new cookie whose token has a row on the server.

    A company sign-in records its provider's issuer and session id (`sid`), so that the
    provider's back-channel logout can end exactly this session.
    """
    user = getattr(user, "_get_current_object", lambda: user)()  # survives logout_user()
    end_session()
    flask_session.clear()
    flask_session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME
    token = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            user_id=user.id,
            token_hash=_token_hash(token),
            sso_issuer=sso_issuer,
            sso_sid=(sso_sid or None) and str(sso_sid)[:255],
        )
    )
    db.session.commit()
    flask_session[SESSION_TOKEN_KEY] = token
    login_user(user)


def end_session() -> None:
    """Sign out here: the cookie's token no longer opens anything, even if copied."""
    token = flask_session.get(SESSION_TOKEN_KEY)
    if isinstance(token, str):
        db.session.execute(delete(UserSession).where(UserSession.token_hash == _token_hash(token)))
        db.session.commit()
    logout_user()
    flask_session.clear()


def end_all_sessions(user: User) -> int:
    """Sign a person out on every device; returns how many sessions were ended."""
    ended = db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    user.session_version = (user.session_version or 0) + 1  # also ends password links
    db.session.commit()
    logout_user()
    flask_session.clear()
    return ended.rowcount or 0


def end_sessions_of(user: User) -> int:
    """End every session of a person from outside their own request (SCIM, back-channel).

    Unlike end_all_sessions() it leaves the caller's cookie alone. The caller commits.
    """
    ended = db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    user.session_version = (user.session_version or 0) + 1  # also ends password links
    return ended.rowcount or 0


def delete_expired_sessions() -> int:
    """Remove session rows older than the session lifetime; returns how many."""
    cutoff = utcnow() - current_app.config["PERMANENT_SESSION_LIFETIME"]
    result = db.session.execute(delete(UserSession).where(UserSession.created_at < cutoff))
    db.session.commit()
    return result.rowcount or 0


@periodic_task(crontab(minute="17"))
def clean_expired_sessions() -> int:
    """Hourly on the worker: forget sessions that can no longer open anything."""
    return delete_expired_sessions()


# Every signed-in request runs this: built once, the values as parameters.
_SESSION_USER = (
    select(User)
    .join(UserSession, UserSession.user_id == User.id)
    .where(
        User.id == bindparam("user_id"),
        User.session_version == bindparam("version"),
        UserSession.token_hash == bindparam("token_hash"),
        UserSession.created_at >= bindparam("cutoff"),
        User.deactivated_at.is_(None),
    )
)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """A session opens only while its token's row exists and the session version matches."""
    user_id, _, version = session_id.partition(":")
    token = flask_session.get(SESSION_TOKEN_KEY)
    if not user_id.isdigit() or not version.isdigit() or not isinstance(token, str):
        return None
    if int(user_id) > MAX_DB_INT:
        return None
    cutoff = utcnow() - current_app.config["PERMANENT_SESSION_LIFETIME"]
    return db.session.scalar(
        _SESSION_USER,
        {
            "user_id": int(user_id),
            "version": int(version),
            "token_hash": _token_hash(token),
            "cutoff": cutoff,
        },
    )


# --- setting a password by e-mail (forgotten passwords and invitations) -----------------

RESET_MAX_AGE = 24 * 3600  # seconds a link stays valid


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(signing_keys(current_app.config), salt="horizon-password-reset")


def password_reset_token(user: User) -> str:
    """A signed link token; it carries the session version, so it works only once."""
    return _reset_serializer().dumps({"user": user.id, "version": user.session_version})


def user_for_reset_token(token: str, max_age: int = RESET_MAX_AGE) -> User | None:
    """The person a valid, unused, unexpired token belongs to, or None."""
    try:
        claims = _reset_serializer().loads(token, max_age=max_age)
    except BadSignature:  # includes an expired signature
        return None
    user = db.session.get(User, claims.get("user")) if isinstance(claims, dict) else None
    if user is None or user.session_version != claims.get("version"):
        return None
    return user if user.deactivated_at is None else None


def password_link_message(user: User, *, invitation: bool = False) -> EmailMessage:
    """The e-mail with a link to set a password: after "forgot password", or an invitation."""
    link = external_url("auth.reset_password", token=password_reset_token(user))
    subject = "You are invited to Horizon" if invitation else "Set a new Horizon password"
    body = render_template(
        "auth/email/password_link.txt", user=user, link=link, invitation=invitation
    )
    return EmailMessage(subject=subject, body=body, to=[user.email])


def send_password_links(users: list[User], *, invitation: bool = False) -> int:
    """Queue each person's link (delivered after the caller commits); returns how many."""
    # An invitation goes once per account; each "forgot password" is a new message.
    return send_emails(
        [
            (
                password_link_message(user, invitation=invitation),
                f"invitation:{user.id}:{user.session_version}" if invitation else None,
            )
            for user in users
        ]
    )


# --- invitations: an imported person is told of the programme, with a link for 7 days -------

INVITATION_MAX_AGE = 7 * 24 * 3600


def _invitation_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(signing_keys(current_app.config), salt="horizon-invitation")


def invitation_token(user: User, program: Program) -> str:
    """A signed invitation: works once (it carries the session version), for 7 days."""
    return _invitation_serializer().dumps(
        {"user": user.id, "version": user.session_version, "program": program.id}
    )


@dataclass
class Invitation:
    user: User
    program: Program | None
    expired: bool


def read_invitation(token: str) -> Invitation | None:
    """The invitation a token names: expired (still signed by us, unused) or valid; None when
    it is forged, already used, or names nobody."""
    serializer = _invitation_serializer()
    try:
        claims, expired = serializer.loads(token, max_age=INVITATION_MAX_AGE), False
    except SignatureExpired:
        try:
            claims, expired = serializer.loads(token), True
        except BadSignature:
            return None
    except BadSignature:
        return None
    if not isinstance(claims, dict) or not isinstance(claims.get("user"), int):
        return None
    user = db.session.get(User, claims["user"])
    if user is None or user.session_version != claims.get("version") or user.deactivated_at:
        return None
    program_id = claims.get("program")
    program = db.session.get(Program, program_id) if isinstance(program_id, int) else None
    return Invitation(user, program, expired)


def invitation_message(user: User, program: Program) -> EmailMessage:
    """The invitation e-mail: names the programme; the link chooses a password, for 7 days."""
    link = external_url("auth.accept_invitation", token=invitation_token(user, program))
    body = render_template("auth/email/invitation.txt", user=user, program=program, link=link)
    return EmailMessage(
        subject=f"You are invited to {program.name} on Horizon", body=body, to=[user.email]
    )


def send_invitations(users: list[User], program: Program) -> int:
    """Queue each person's invitation to the programme, once per account; returns how many."""
    return send_emails(
        [
            (
                invitation_message(user, program),
                f"invitation:{program.id}:{user.id}:{user.session_version}",
            )
            for user in users
        ],
        kind="invitation",
    )


def renew_invitation(invitation: Invitation) -> None:
    """An expired invitation asks for a new one: sent to the account's own address, at most
    once a day (the key), so a copied link cannot flood anyone. The caller commits."""
    if not invitation.expired or invitation.program is None:
        return
    user, program = invitation.user, invitation.program
    send_email(
        invitation_message(user, program),
        key=f"invitation:{program.id}:{user.id}:{user.session_version}:{utcnow():%Y-%m-%d}",
        kind="invitation",
    )


# --- registration that never says whether an address has an account ----------------------

REGISTER_MAX_AGE = 24 * 3600


def _register_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(signing_keys(current_app.config), salt="horizon-register")


def start_registration(
    email: str, name: str, timezone: str, password: str, next_page: str | None
) -> None:
    """E-mail the address: a link that creates the account, or a note that it already has one.

    The account is created only when its owner follows the link, so neither the page nor a
    later sign-in attempt tells a stranger whether the address was known. The link carries
    the argon2 hash (never the password), signed and valid for 24 hours.
    """
    email = User.normalise_email(email)
    existing = find_by_email(email)
    if existing is not None:
        body = render_template(
            "auth/email/already_registered.txt",
            user=existing,
            login=external_url("auth.login"),
            forgot=external_url("auth.forgot_password"),
        )
        subject = "You already have a Horizon account"
    else:
        claims = {
            "email": email,
            "name": name.strip()[:120],
            "timezone": timezone,
            "hash": password_hasher().hash(password),
            "next": next_page,
        }
        link = external_url("auth.confirm_registration", token=_register_serializer().dumps(claims))
        body = render_template(
            "auth/email/confirm_registration.txt", name=claims["name"], link=link
        )
        subject = "Confirm your Horizon account"
    send_email(EmailMessage(subject=subject, body=body, to=[email]))


def finish_registration(token: str) -> tuple[User | None, str | None]:
    """Create the account a valid registration link describes (once); None when invalid."""
    try:
        claims = _register_serializer().loads(token, max_age=REGISTER_MAX_AGE)
    except BadSignature:
        return None, None
    if not isinstance(claims, dict) or find_by_email(claims.get("email", "")) is not None:
        return None, None
    user = User(email=claims["email"], name=claims["name"], timezone=claims["timezone"])
    user.password_hash = claims["hash"]
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:  # the same link followed twice at once
        db.session.rollback()
        return None, None
    return user, claims.get("next")
