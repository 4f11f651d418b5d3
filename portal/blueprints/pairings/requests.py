"""Participants' guide pages: preferences, unsubscribe, surveys, ratings, closing, review."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required

from portal.blueprints.common import saving
from portal.blueprints.pairings import bp
from portal.blueprints.pairings.forms import (
    RequestForm,
)
from portal.rendering import render
from portal.services import access
from portal.services.pairings import requests as pairing_requests


@bp.route("/<int:pairing_id>/request", methods=["GET", "POST"])
@login_required
def pairing_request(pairing_id: int):
    """Ask the programme team, in confidence, to end early or be re-matched."""
    pairing = access.guide_pairing_or_404(current_user, pairing_id)
    form = RequestForm()
    if request.method == "POST" and form.validate():
        with saving(form) as saved:
            pairing_requests.ask(pairing, current_user, form.kind.data, form.reason.data or "")
        if saved:
            flash("Your request is with the programme team. Your partner is not told.", "success")
            return redirect(url_for("pairings.pairing_request", pairing_id=pairing.id), 303)
    return render(
        "pairings/request.html",
        status=422 if form.errors else 200,
        form=form,
        pairing=pairing,
        pending=pairing_requests.open_request(pairing, current_user),
    )
