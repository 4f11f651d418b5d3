from flask import Blueprint

bp = Blueprint("profile", __name__, url_prefix="/profile")

from portal.blueprints.profile import data_rights, reminders, routes  # noqa: E402,F401
