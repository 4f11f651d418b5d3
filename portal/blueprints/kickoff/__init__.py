from flask import Blueprint

# Routes sit under /pairings/<id>/... beside the meeting log, and under /admin/programs/...
bp = Blueprint("kickoff", __name__)

from portal.blueprints.kickoff import routes  # noqa: E402,F401
