"""Participants' guide pages: preferences, unsubscribe, surveys, ratings, closing, review."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from portal.blueprints.guide import bp
from portal.blueprints.guide.forms import (
    PreferencesForm,
    RatingForm,
    ReflectionForm,
    RequestForm,
    SurveyForm,
)
from portal.extensions import csrf, db
from portal.models import utcnow
from portal.models.guide import SurveyRound
from portal.models.journal import Visibility
from portal.rendering import render
from portal.services import access, surveys
from portal.services.pairings import closing
from portal.services.pairings import requests as pairing_requests
from portal.services.pairings.review import year_in_review
from portal.services.reminders import GuideError, preferences
from portal.services.reminders.due import local_now
from portal.services.reminders.kinds import KINDS
from portal.services.reminders.settings import questions


def _today() -> date:
    """The person's own date: surveys and the closing open by their calendar."""
    return local_now(current_user, utcnow()).date()


def _error(form, error: GuideError) -> None:
    db.session.rollback()
    form[error.field].errors = [*form[error.field].errors, str(error)]


# --- preferences and unsubscribe ----------------------------------------------------------


@bp.route("/profile/reminders", methods=["GET", "POST"])
@login_required
def reminder_preferences():
    chosen = preferences.all_channels(current_user)
    data = {f"in_app_{k}": c.in_app for k, c in chosen.items()}
    data.update({f"email_{k}": c.email for k, c in chosen.items()})
    form = PreferencesForm(data=data) if request.method == "GET" else PreferencesForm()
    if request.method == "POST" and form.validate():
        for key in KINDS:
            preferences.set_channels(
                current_user,
                key,
                in_app=form[f"in_app_{key}"].data,
                email=form[f"email_{key}"].data,
            )
        db.session.commit()
        flash("Your reminder preferences are saved.", "success")
        return redirect(url_for("guide.reminder_preferences"), 303)
    status = 422 if form.errors else 200
    return render("guide/preferences.html", form=form, kinds=KINDS, status=status)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058 one-click: the mail client POSTs without a session; the token is signed
def unsubscribe(token: str):
    """GET asks (link scanners change nothing); POST switches the kind's e-mails off."""
    try:
        user, kind = preferences.read_unsubscribe_token(token[:500])
    except preferences.UnsubscribeError as error:
        return render("guide/unsubscribe.html", problem=str(error), status=400)
    done = request.method == "POST"
    if done:
        preferences.unsubscribe(user, kind)
        db.session.commit()
    return render("guide/unsubscribe.html", kind=KINDS[kind], done=done, token=token, user=user)


# --- pulse surveys and meeting ratings ----------------------------------------------------


@bp.route("/surveys/<slug>/<round_name>", methods=["GET", "POST"])
@login_required
def survey(slug: str, round_name: str):
    program = access.survey_program_or_404(current_user, slug[:80])
    try:
        round_ = SurveyRound(round_name)
    except ValueError:
        abort(404)
    answered = surveys.response_of(current_user, program, round_)
    form = SurveyForm()
    if request.method == "POST" and answered is None and form.validate():
        answers = surveys.Answers(
            form.satisfaction.data, form.recommend.data, form.progress.data, form.comment.data or ""
        )
        try:
            surveys.submit(current_user, program, round_, answers, _today())
            db.session.commit()
            flash("Thank you: your answers are with the programme team.", "success")
            return redirect(url_for("guide.survey", slug=program.slug, round_name=round_), 303)
        except GuideError as error:
            _error(form, error)
    return render(
        "guide/survey.html",
        "guide/_survey_form.html",
        fragment_id="survey-form",
        status=422 if form.errors else 200,
        form=form,
        program=program,
        round=round_,
        answered=answered,
        is_open=surveys.open_round(program, _today()) is round_,
        today_local=_today(),
        opens=surveys.window(program, round_),
        questions=answered.questions if answered else questions(program),
    )


@bp.route("/pairings/<int:pairing_id>/meetings/<int:meeting_id>/rating", methods=["GET", "POST"])
@login_required
def rate_meeting(pairing_id: int, meeting_id: int):
    meeting = access.rateable_meeting_or_404(current_user, pairing_id, meeting_id)
    form = RatingForm()
    if request.method == "POST" and form.validate():
        try:
            surveys.rate_meeting(current_user, meeting, form.rating.data)
            db.session.commit()
            flash("Thank you for your answer.", "success")
            return redirect(
                url_for("guide.rate_meeting", pairing_id=pairing_id, meeting_id=meeting_id), 303
            )
        except GuideError as error:
            _error(form, error)
    return render(
        "guide/rating.html",
        "guide/_rating_form.html",
        fragment_id="meeting-rating",
        status=422 if form.errors else 200,
        form=form,
        meeting=meeting,
        pairing=meeting.pairing,
        current=surveys.my_rating(current_user, meeting),
    )


# --- closing the year -----------------------------------------------------------------------


@bp.route("/pairings/<int:pairing_id>/closing", methods=["GET", "POST"], endpoint="closing")
@login_required
def closing_page(pairing_id: int):
    pairing = access.guide_pairing_or_404(current_user, pairing_id)
    form = ReflectionForm()
    if request.method == "POST" and form.validate():
        answers = {key: form[key].data or "" for key in closing.PROMPTS}
        try:
            closing.write_reflection(
                pairing, current_user, answers, Visibility(form.visibility.data), _today()
            )
            flash("Your closing reflection is saved in your journal.", "success")
            return redirect(url_for("guide.closing", pairing_id=pairing.id), 303)
        except GuideError as error:
            _error(form, error)
    return render(
        "guide/closing.html",
        status=422 if form.errors else 200,
        form=form,
        pairing=pairing,
        partner=pairing.partner_of(current_user),
        state=closing.state(pairing, current_user, _today()),
    )


@bp.get("/pairings/<int:pairing_id>/review")
@login_required
def review(pairing_id: int):
    pairing = access.guide_pairing_or_404(current_user, pairing_id)
    return render(
        "guide/review.html", review=year_in_review(current_user, pairing), viewer=current_user
    )


@bp.route("/pairings/<int:pairing_id>/request", methods=["GET", "POST"])
@login_required
def pairing_request(pairing_id: int):
    """Ask the programme team, in confidence, to end early or be re-matched."""
    pairing = access.guide_pairing_or_404(current_user, pairing_id)
    form = RequestForm()
    if request.method == "POST" and form.validate():
        try:
            pairing_requests.ask(pairing, current_user, form.kind.data, form.reason.data or "")
            db.session.commit()
            flash("Your request is with the programme team. Your partner is not told.", "success")
            return redirect(url_for("guide.pairing_request", pairing_id=pairing.id), 303)
        except GuideError as error:
            _error(form, error)
    return render(
        "guide/request.html",
        status=422 if form.errors else 200,
        form=form,
        pairing=pairing,
        pending=pairing_requests.open_request(pairing, current_user),
    )
