"""The front door, a health check and the error pages."""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_login import current_user
from sqlalchemy import text

from portal.blueprints.main import bp
from portal.extensions import csrf, db
from portal.rendering import render
from portal.services.reminders import preferences
from portal.services.reminders.kinds import MESSAGE_KINDS


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


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058 one-click: the mail client POSTs without a session; the token is signed
def unsubscribe(token: str):
    """GET asks (link scanners change nothing); POST switches the kind's e-mails off."""
    try:
        user, kind = preferences.read_unsubscribe_token(token[:500])
    except preferences.UnsubscribeError as error:
        return render("main/unsubscribe.html", problem=str(error), status=400)
    done = request.method == "POST"
    if done:
        preferences.unsubscribe(user, kind)
        db.session.commit()
    return render(
        "main/unsubscribe.html", kind=MESSAGE_KINDS[kind], done=done, token=token, user=user
    )
