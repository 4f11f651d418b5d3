from flask import Blueprint

bp = Blueprint("practice", __name__, url_prefix="/practice")

from portal.blueprints.practice import library, routes  # noqa: E402,F401
