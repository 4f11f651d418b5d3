"""A circle's page for its facilitator and members, and leaving it (docs/circles.md)."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required

from portal.blueprints.circles import bp
from portal.rendering import render
from portal.services.circles import page as circles


def _page(circle_id: int, status: int = 200, **extra):
    return render(
        "circles/circle.html",
        "circles/_circle.html",
        fragment_id="circle",
        status=status,
        circle_page=circles.circle_page(current_user, circle_id),
        **extra,
    )


@bp.get("/<int:circle_id>")
@login_required
def circle(circle_id: int):
    return _page(circle_id)


@bp.post("/<int:circle_id>/leave")
@login_required
def leave(circle_id: int):
    note = request.form.get("note", "")
    if request.form.get("confirm") != "yes":
        return _page(circle_id, leaving=True, note=note[: circles.NOTE_LIMIT])
    try:
        circles.leave(current_user, circle_id, note)
    except circles.CircleError as error:
        return _page(circle_id, 422, leaving=True, note=note[: circles.NOTE_LIMIT], error=error)
    flash("You left the circle. What was shared while you were in it stays with you.", "success")
    return redirect(url_for("circles.circle", circle_id=circle_id), 303)
