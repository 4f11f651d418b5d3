"""/scim/v2: SCIM 2.0 provisioning for the company's directory (bearer tokens, no cookies)."""

import hashlib

from flask import Blueprint, current_app, request
from flask_limiter.util import get_remote_address

from portal.extensions import csrf, limiter

bp = Blueprint("scim", __name__, url_prefix="/scim/v2")
csrf.exempt(bp)  # a bearer-token API: no cookie is ever accepted, so no form token either


def token_key() -> str:
    """One bucket per bearer token (hashed, never stored), whatever address it comes from."""
    presented = request.headers.get("Authorization", "")
    return "scim-token:" + hashlib.sha256(presented.encode()).hexdigest()


def address_key() -> str:
    """One bucket per client address, whatever tokens it tries (guessing stays slow)."""
    return "scim-address:" + get_remote_address()


# Every call counts, answered or refused; a breach answers 429 in SCIM's error format (routes).
limiter.limit(lambda: current_app.config["SCIM_RATE_LIMIT"], key_func=token_key)(bp)
limiter.limit(lambda: current_app.config["SCIM_ADDRESS_RATE_LIMIT"], key_func=address_key)(bp)

from portal.blueprints.scim import routes  # noqa: E402,F401
