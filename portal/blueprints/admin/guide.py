"""Programme admins: nudge settings, survey questions, message previews, the request queue."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from portal.blueprints import guards
from portal.blueprints.admin import bp
from portal.blueprints.admin.forms import GuideSettingsForm
from portal.blueprints.common import saving
from portal.models import utcnow
from portal.models.guide import SurveyRound
from portal.rendering import render
from portal.services import access, surveys
from portal.services.reminders import settings
from portal.services.reminders.kinds import KINDS
from portal.services.reminders.preview import preview


def _settings_data(program) -> dict:
    data = {}
    for key, nudge in settings.nudges(program).items():
        data[f"on_{key}"] = nudge.on
        if nudge.days is not None:
            data[f"days_{key}"] = nudge.days
    data.update({f"q_{key}": text for key, text in settings.questions(program).items()})
    return data


@bp.route("/programs/<slug>/guide", methods=["GET", "POST"])
@guards.admin_required
def program_guide(slug: str):
    program = access.visible_program_by_slug(current_user, slug[:80])
    if request.method == "GET":
        form = GuideSettingsForm(data=_settings_data(program))
    else:
        form = GuideSettingsForm()
    if request.method == "POST" and form.validate():
        chosen = {
            key: settings.Nudge(
                on=form[f"on_{key}"].data,
                days=form[f"days_{key}"].data if kind.days is not None else None,
            )
            for key, kind in KINDS.items()
        }
        texts = {key: form[f"q_{key}"].data or "" for key in settings.DEFAULT_QUESTIONS}
        with saving(form) as saved:
            survey_open = surveys.open_round(program, utcnow().date()) is not None
            settings.save(program, chosen, texts, survey_open)
        if saved:
            flash("The programme's reminders and survey are saved.", "success")
            return redirect(url_for("admin.program_guide", slug=program.slug), 303)
    summaries = [surveys.summary(program, round_) for round_ in SurveyRound]
    return render(
        "admin/guide/settings.html",
        status=422 if form.errors else 200,
        form=form,
        program=program,
        kinds=KINDS,
        summaries=summaries,
        ratings=surveys.meeting_rating_summary(program),
        windows={r: surveys.window(program, r) for r in SurveyRound},
        questions_locked=surveys.open_round(program, utcnow().date()) is not None,
    )


@bp.get("/programs/<slug>/surveys/<round_name>/comments")
@guards.admin_required
def survey_comments(slug: str, round_name: str):
    program = access.visible_program_by_slug(current_user, slug[:80])
    try:
        round_ = SurveyRound(round_name)
    except ValueError:
        abort(404)
    summary = surveys.summary(program, round_)
    if not access.survey_comments_visible(current_user, summary.answered):
        abort(404)
    return render(
        "admin/guide/survey_comments.html",
        program=program,
        summary=summary,
        comments=surveys.comments(program, round_),
    )


@bp.get("/programs/<slug>/guide/preview/<kind>")
@guards.admin_required
def preview_message(slug: str, kind: str):
    program = access.visible_program_by_slug(current_user, slug[:80])
    if kind not in KINDS:
        abort(404)
    subject, body = preview(program, kind, utcnow().date())
    return render(
        "admin/guide/preview.html", program=program, kind=KINDS[kind], subject=subject, body=body
    )
