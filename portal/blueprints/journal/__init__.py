from flask import Blueprint

bp = Blueprint("journal", __name__, url_prefix="/journal")

from portal.blueprints.journal import routes  # noqa: E402,F401
