"""Accounts: finding, authenticating and creating people, and the session loader."""

from __future__ import annotations

from flask import (
    Response,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_mailman import EmailMessage
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from portal.extensions import db, login_manager, mail
from portal.models import User


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == User.normalise_email(email)))


def email_taken(email: str) -> bool:
    return find_by_email(email) is not None


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None; both failures cost the same time."""
    user = find_by_email(email or "")
    if user is None:
        User.spend_password_check_time(password or "")
        return None
    return user if user.check_password(password or "") else None


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


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Session ids carry the user's session version, so a password change ends old sessions."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version):
        return None
    return user


@login_manager.unauthorized_handler
def unauthorized() -> Response:
    """Send the visitor to sign in; an htmx call gets HX-Redirect, never a swapped login page."""
    login_url = url_for("auth.login", next=request.full_path.rstrip("?"))
    if getattr(request, "htmx", None):
        current_url = request.headers.get("HX-Current-URL")
        if current_url:
            from urllib.parse import urlsplit

            parts = urlsplit(current_url)
            page = parts.path + (f"?{parts.query}" if parts.query else "")
            login_url = url_for("auth.login", next=page)
        response = make_response("", 401)
        response.headers["HX-Redirect"] = login_url
        return response
    flash(current_app.login_manager.login_message, "info")
    return redirect(login_url)


# --- setting a password by e-mail (forgotten passwords and invitations) -----------------

RESET_MAX_AGE = 24 * 3600  # seconds a link stays valid


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="horizon-password-reset")


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
    return user


def password_link_message(user: User, *, invitation: bool = False) -> EmailMessage:
    """The e-mail with a link to set a password: after "forgot password", or an invitation."""
    link = url_for("auth.reset_password", token=password_reset_token(user), _external=True)
    subject = "You are invited to Horizon" if invitation else "Set a new Horizon password"
    body = render_template(
        "auth/email/password_link.txt", user=user, link=link, invitation=invitation
    )
    return EmailMessage(subject=subject, body=body, to=[user.email])


def send_password_links(users: list[User], *, invitation: bool = False) -> int:
    """Send each person their link over one mail connection; returns how many were sent."""
    if not users:
        return 0
    messages = [password_link_message(user, invitation=invitation) for user in users]
    with mail.get_connection() as connection:
        return connection.send_messages(messages) or 0
