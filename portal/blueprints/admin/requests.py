"""Programme admins: nudge settings, survey questions, message previews, the request queue."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user

from portal.blueprints import guards
from portal.blueprints.admin import bp, ending
from portal.extensions import db
from portal.models.guide import PairingRequest
from portal.rendering import render
from portal.services import access
from portal.services.pairings import requests as pairing_requests
from portal.services.reminders import GuideError


@bp.get("/requests")
@guards.admin_required
def request_queue():
    return render("admin/requests.html", requests=pairing_requests.queue())


@bp.post("/requests/<int:request_id>/resolve")
@guards.admin_required
def resolve_request(request_id: int):
    row = _request_or_404(request_id)
    if request.form.get("action") == "end":  # ending is confirmed first, with a reason
        return end_request_pairing(request_id)
    try:
        pairing_requests.resolve(row, current_user, end_pairing=False)
        db.session.commit()
        flash("The request is resolved.", "success")
    except GuideError as error:
        db.session.rollback()
        flash(str(error), "error")
    return redirect(url_for("admin.request_queue"), 303)


@bp.route("/requests/<int:request_id>/end", methods=["GET", "POST"])
@guards.admin_required
def end_request_pairing(request_id: int):
    """End the pairing a request is about: the shared confirm page, then resolve the request."""
    row = _request_or_404(request_id)
    action_url = url_for("admin.end_request_pairing", request_id=row.id)
    back_url = url_for("admin.request_queue")
    if request.method == "GET" or request.form.get("action") == "end":
        return ending.confirm_page(row.pairing, action_url, back_url)

    def end(reason: str) -> str:
        pairing_requests.resolve(row, current_user, end_pairing=True, reason=reason)
        db.session.commit()
        return "The pairing has ended and the request is resolved."

    return ending.confirmed(row.pairing, action_url, back_url, end)


def _request_or_404(request_id: int) -> PairingRequest:
    return access.get_visible_or_404(
        access.visible_pairing_requests(current_user), request_id, PairingRequest
    )
