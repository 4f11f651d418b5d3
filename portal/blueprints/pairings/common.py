"""Meet your partner, the agreement, goals and meeting planning, under /pairings/<id>/."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user

from portal.models import Pairing
from portal.rendering import wants_fragment
from portal.services import access

AGREEMENT_ID, GOALS_ID, PROGRESS_ID, SCHEDULE_ID = "agreement", "goals", "goal-progress", "schedule"


def pairing_or_404(pairing_id: int, write: bool = False) -> Pairing:
    """A pairing the current user is a partner in (404 otherwise); writes need it active (403)."""
    pairing = access.kickoff_pairing_or_404(current_user, pairing_id)
    if write and not access.can_work_in_pairing(current_user, pairing):
        abort(403)
    return pairing


def done(endpoint: str, fragment_id: str, page, message: str, **values):
    """After a good POST: the fragment for htmx, otherwise a flash and a 303 (Post/Redirect/Get)."""
    if wants_fragment(fragment_id):
        return page()
    flash(message, "success")
    return redirect(url_for(endpoint, **values), 303)


def small_int(value) -> int | None:
    return int(value) if str(value or "").isdigit() and len(str(value)) < 10 else None
