from flask import Blueprint

bp = Blueprint("choosing", __name__, url_prefix="/choose")

from portal.blueprints.choosing import routes  # noqa: E402, F401
