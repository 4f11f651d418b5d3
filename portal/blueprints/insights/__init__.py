from flask import Blueprint

bp = Blueprint("insights", __name__, url_prefix="/admin")

from portal.blueprints.insights import routes  # noqa: E402,F401
