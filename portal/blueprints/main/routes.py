"""The front door, a health check and the error pages."""

from flask import redirect, url_for
from flask_login import current_user
from sqlalchemy import text

from portal.blueprints.main import bp
from portal.extensions import db


@bp.get("/")
def index():
    """Signed-in people go to their dashboard; everyone else to the sign-in page."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    return redirect(url_for("auth.login"))


@bp.get("/healthz")
def health():
    """For load balancers: the app answers and the database is reachable."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
