from flask import Blueprint

bp = Blueprint("pairings", __name__, url_prefix="/pairings")

from portal.blueprints.pairings import (  # noqa: E402,F401  (each module adds its routes)
    agreement,
    closing,
    goals,
    meetings,
    partner,
    requests,
    schedule,
)
