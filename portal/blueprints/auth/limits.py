"""Sign-in limits: failures per account and per client address, and what a breach says.

Device cookies (OWASP "Slow Down Online Guessing Attacks with Device Cookies"): a browser that
signed in to an account before holds a signed cookie naming that account and a random nonce.
Such a browser is limited per device (its nonce), not per account, so a spray against the
account from elsewhere, which fills the account bucket, cannot keep its owner out. A browser
without one (or with one for another account, or with a forged one) meets the account limit.
A device that fails DEVICE_RATE_LIMIT times is limited on its own, like any client.
The cookie also names the account's session version: "sign out everywhere" (and a password
reset, and deactivation) bumps it, so every device cookie issued before stops passing.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app, g, make_response, render_template, request
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeTimedSerializer

from portal.core.signing import signing_keys
from portal.models import User
from portal.services import accounts

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
    from portal.services.accounts.demo_logins import DEMO_ACCOUNTS, demo_accounts_present

    form = LoginForm()
    form.validate()  # keeps what was typed; the password is never echoed
    form.password.errors = [TOO_MANY]
    page = render_template(
        "auth/login.html",
        form=form,
        show_demo=demo_accounts_present(),
        demo_accounts=DEMO_ACCOUNTS,
        rate_limited=True,
    )
    return make_response(page, 429)


DEVICE_COOKIE = "horizon_device"
DEVICE_MAX_AGE = 180 * 24 * 3600  # OWASP suggests a long life; renewed at each sign-in


def _device_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(signing_keys(current_app.config), salt="horizon-device")


def _account_hash(email: str) -> str:
    return hashlib.sha256(User.normalise_email(email).encode()).hexdigest()


def device_nonce() -> str | None:
    """The nonce of a valid device cookie for the account this sign-in names, else None."""
    if "device_nonce" not in g:  # asked three times a request (two limits and a key)
        g.device_nonce = _read_device_cookie()
    return g.device_nonce


def _read_device_cookie() -> str | None:
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        account, version, nonce = _device_signer().loads(raw, max_age=DEVICE_MAX_AGE)
    except (BadSignature, ValueError, TypeError):
        return None
    email = request.form.get("email", "")
    if account != _account_hash(email):
        return None
    # Signed out everywhere since: the cookie is void.
    return nonce if version == accounts.session_version_of(email) else None


def trusted_device() -> bool:
    return device_nonce() is not None


def untrusted_device() -> bool:
    return device_nonce() is None


def device_key() -> str:
    return "device:" + (device_nonce() or "none")


def device_limit() -> str:
    return current_app.config["DEVICE_RATE_LIMIT"]


def remember_device(response, email: str):
    """After a successful sign-in: issue (or renew) this browser's device cookie."""
    version = accounts.session_version_of(email)
    value = _device_signer().dumps([_account_hash(email), version, secrets.token_urlsafe(16)])
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=DEVICE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure or current_app.config.get("FORCE_SECURE_COOKIES", False),
        path="/auth/",
    )
    return response
