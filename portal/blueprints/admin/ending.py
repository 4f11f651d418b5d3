"""Ending a pairing: one confirm page (reason and what happens) behind every "end" button.

The matching board, a pair's health page and the request queue each link here or post
here; a POST without `confirm=yes` shows the confirm page, so nothing ends by one click.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, request

from portal.extensions import db
from portal.models import Pairing
from portal.rendering import hx_redirect_or, render

CONFIRM_ID = "confirm-end"


def confirm_page(
    pairing: Pairing,
    action_url: str,
    back_url: str,
    *,
    reason: str = "",
    error: str | None = None,
    status: int = 200,
    **extra,
):
    """The confirm page (or its fragment for htmx), keeping the reason typed so far."""
    return render(
        "admin/confirm_end_pairing.html",
        "admin/_confirm_end_pairing.html",
        fragment_id=CONFIRM_ID,
        status=status,
        pairing=pairing,
        action_url=action_url,
        back_url=back_url,
        reason=(reason or "")[:2000],
        error=error,
        **extra,
    )


def confirmed(
    pairing: Pairing,
    action_url: str,
    back_url: str,
    end: Callable[[str], str],
    **extra,
):
    """Handle a POST: ask first; once confirmed, `end(reason)` ends it and names what it did."""
    reason = request.form.get("reason", "")
    if request.form.get("confirm") != "yes":
        return confirm_page(pairing, action_url, back_url, reason=reason, **extra)
    try:
        message = end(reason)
    except ValueError as error:  # MatchingError, GuideError: the message says why
        db.session.rollback()
        return confirm_page(
            pairing, action_url, back_url, reason=reason, error=str(error), status=422, **extra
        )
    flash(message, "success")
    return hx_redirect_or(back_url)
