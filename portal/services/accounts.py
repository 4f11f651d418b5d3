"""Accounts: finding, authenticating and creating people, and the session loader."""

from __future__ import annotations

from flask import Response, current_app, flash, make_response, redirect, request, url_for
from sqlalchemy import select

from portal.extensions import db, login_manager
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
