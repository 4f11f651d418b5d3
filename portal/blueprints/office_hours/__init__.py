from flask import Blueprint

bp = Blueprint("office_hours", __name__, url_prefix="/office-hours")

from portal.blueprints.office_hours import routes  # noqa: E402, F401
