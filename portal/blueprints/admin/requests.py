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
    return _end(_request_or_404(request_id), rematch=False)


@bp.route("/requests/<int:request_id>/rematch", methods=["GET", "POST"])
@guards.admin_required
def rematch_request_pairing(request_id: int):
    """End it and go to the matching board to propose a new mentor for the mentee."""
    return _end(_request_or_404(request_id), rematch=True)


def _end(row: PairingRequest, rematch: bool):
    urls = {
        name: url_for(f"admin.{name}_request_pairing", request_id=row.id)
        for name in ("end", "rematch")
    }
    action_url = urls["rematch" if rematch else "end"]
    back_url = url_for("admin.request_queue")
    if request.method == "GET" or request.form.get("action") == "end":
        return ending.confirm_page(row.pairing, action_url, back_url, rematch_url=urls["rematch"])

    def end(reason: str) -> str:
        pairing_requests.resolve(row, current_user, end_pairing=True, reason=reason)
        db.session.commit()
        if rematch:
            return f"The pairing has ended. Propose a new mentor for {row.pairing.mentee.name}."
        return "The pairing has ended and the request is resolved."

    if rematch:
        back_url = url_for("admin.matching", slug=row.pairing.program.slug)
    return ending.confirmed(row.pairing, action_url, back_url, end, rematch_url=urls["rematch"])


def _request_or_404(request_id: int) -> PairingRequest:
    return access.get_visible_or_404(
        access.visible_pairing_requests(current_user), request_id, PairingRequest
    )
