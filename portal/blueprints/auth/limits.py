"""Sign-in limits: failures per account and per client address, and what a breach says."""

from __future__ import annotations

import hashlib

from flask import current_app, make_response, render_template, request
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address

from portal.models import User

TOO_MANY = (
    "Too many attempts. Please wait a minute before trying again, or choose "
    "“Forgot your password?” to set a new one."
)


def account_key() -> str:
    """The account a sign-in names, whatever address it comes from (hashed, never stored)."""
    email = User.normalise_email(request.form.get("email", ""))
    return "account:" + hashlib.sha256(email.encode()).hexdigest()


def address_key() -> str:
    return "address:" + get_remote_address()


def account_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def address_limit() -> str:
    return current_app.config["LOGIN_ADDRESS_RATE_LIMIT"]


def failed(response) -> bool:
    """Only failures count: a successful sign-in redirects (303)."""
    return response.status_code != 303


def login_breached(limit: RequestLimit):
    """The sign-in page, with the reason next to the form (also for an htmx-boosted form)."""
    from portal.blueprints.auth.forms import LoginForm
    from portal.services.accounts.demo_logins import demo_accounts_present

    form = LoginForm()
    form.validate()  # keeps what was typed; the password is never echoed
    form.password.errors = [TOO_MANY]
    page = render_template(
        "auth/login.html", form=form, show_demo=demo_accounts_present(), rate_limited=True
    )
    return make_response(page, 429)
