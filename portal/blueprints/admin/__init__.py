from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from portal.blueprints.admin import (  # noqa: E402,F401  (each module adds its routes)
    choosing,
    circles,
    enrollment,
    guide,
    identity,
    insights,
    jobs,
    kickoff,
    matching,
    messages,
    overview,
    people,
    programs,
    requests,
)
