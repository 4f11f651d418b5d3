from flask import Blueprint

bp = Blueprint("pairings", __name__, url_prefix="/pairings")

from portal.blueprints.pairings import routes  # noqa: E402,F401
