"""Participants' guide pages: preferences, unsubscribe, surveys, ratings, closing, review."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required

from portal.blueprints.common import field_error, saving, today
from portal.blueprints.pairings import bp
from portal.blueprints.pairings.forms import (
    ReflectionForm,
)
from portal.blueprints.surveys.forms import MeetingRatingForm
from portal.models.journal import Visibility
from portal.rendering import render
from portal.services import access, surveys
from portal.services.pairings import closing
from portal.services.pairings.review import year_in_review
from portal.services.reminders import GuideError


@bp.route("/<int:pairing_id>/meetings/<int:meeting_id>/rating", methods=["GET", "POST"])
@login_required
def rate_meeting(pairing_id: int, meeting_id: int):
    meeting = access.rateable_meeting_or_404(current_user, pairing_id, meeting_id)
    form = MeetingRatingForm()
    if request.method == "POST" and form.validate():
        with saving(form) as saved:
            surveys.rate_meeting(current_user, meeting, form.rating.data)
        if saved:
            flash("Thank you for your answer.", "success")
            return redirect(
                url_for("pairings.rate_meeting", pairing_id=pairing_id, meeting_id=meeting_id), 303
            )
    return render(
        "pairings/rating.html",
        "pairings/_rating_form.html",
        fragment_id="meeting-rating",
        status=422 if form.errors else 200,
        form=form,
        meeting=meeting,
        pairing=meeting.pairing,
        current=surveys.my_rating(current_user, meeting),
    )


@bp.route("/<int:pairing_id>/closing", methods=["GET", "POST"], endpoint="closing")
@login_required
def closing_page(pairing_id: int):
    pairing = access.guide_pairing_or_404(current_user, pairing_id)
    form = ReflectionForm()
    if request.method == "POST" and form.validate():
        answers = {key: form[key].data or "" for key in closing.PROMPTS}
        try:
            closing.write_reflection(
                pairing, current_user, answers, Visibility(form.visibility.data), today()
            )
            flash("Your closing reflection is saved in your journal.", "success")
            return redirect(url_for("pairings.closing", pairing_id=pairing.id), 303)
        except GuideError as error:
            field_error(form, error)
    return render(
        "pairings/closing.html",
        status=422 if form.errors else 200,
        form=form,
        pairing=pairing,
        partner=pairing.partner_of(current_user),
        state=closing.state(pairing, current_user, today()),
    )


@bp.get("/<int:pairing_id>/review")
@login_required
def review(pairing_id: int):
    pairing = access.guide_pairing_or_404(current_user, pairing_id)
    return render(
        "pairings/review.html", review=year_in_review(current_user, pairing), viewer=current_user
    )
