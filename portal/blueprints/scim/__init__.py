"""/scim/v2: SCIM 2.0 provisioning for the company's directory (bearer tokens, no cookies)."""

from flask import Blueprint

from portal.extensions import csrf

bp = Blueprint("scim", __name__, url_prefix="/scim/v2")
csrf.exempt(bp)  # a bearer-token API: no cookie is ever accepted, so no form token either

from portal.blueprints.scim import routes  # noqa: E402,F401
