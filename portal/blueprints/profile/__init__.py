from flask import Blueprint

bp = Blueprint("profile", __name__, url_prefix="/profile")

from portal.blueprints.profile import reminders, routes  # noqa: E402,F401
