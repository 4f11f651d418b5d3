"""Participants' guide pages: preferences, unsubscribe, surveys, ratings, closing, review."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from portal.blueprints.common import saving, today
from portal.blueprints.surveys import bp
from portal.blueprints.surveys.forms import (
    SurveyForm,
)
from portal.models.guide import SurveyRound
from portal.rendering import render
from portal.services import access, surveys
from portal.services.reminders.settings import questions


@bp.route("/<slug>/<round_name>", methods=["GET", "POST"])
@login_required
def survey(slug: str, round_name: str):
    program = access.survey_program_or_404(current_user, slug[:80])
    try:
        round_ = SurveyRound(round_name)
    except ValueError:
        abort(404)
    answered = surveys.response_of(current_user, program, round_)
    circle = surveys.circle_of(current_user, program)
    form = SurveyForm()
    if request.method == "POST" and answered is None and form.validate():
        answers = surveys.Answers(
            form.satisfaction.data,
            form.recommend.data,
            form.progress.data,
            form.comment.data or "",
            form.circle_usefulness.data,
        )
        with saving(form) as saved:
            surveys.submit(current_user, program, round_, answers, today())
        if saved:
            flash("Thank you: your answers are with the programme team.", "success")
            return redirect(url_for("surveys.survey", slug=program.slug, round_name=round_), 303)
    return render(
        "surveys/survey.html",
        "surveys/_survey_form.html",
        fragment_id="survey-form",
        status=422 if form.errors else 200,
        form=form,
        program=program,
        round=round_,
        answered=answered,
        circle=circle,
        circle_answered=surveys.circle_answered(answered),
        is_open=surveys.open_round(program, today()) is round_,
        today_local=today(),
        opens=surveys.window(program, round_),
        questions=answered.questions if answered else questions(program),
    )
