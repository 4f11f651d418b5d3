from flask import Blueprint

bp = Blueprint("circles", __name__, url_prefix="/circles")

from portal.blueprints.circles import routes  # noqa: E402, F401
