from flask import Blueprint

bp = Blueprint("guide", __name__)

from portal.blueprints.guide import admin_routes, routes  # noqa: E402,F401
from portal.services.reminders import tasks
