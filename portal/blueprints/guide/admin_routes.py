"""Programme admins: nudge settings, survey questions, message previews, the request queue."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from portal.blueprints.admin import ending
from portal.blueprints.guide import bp
from portal.blueprints.guide.forms import GuideSettingsForm
from portal.extensions import db
from portal.models import utcnow
from portal.models.guide import PairingRequest, SurveyRound
from portal.rendering import render
from portal.services import access, surveys
from portal.services.pairings import requests as pairing_requests
from portal.services.reminders import GuideError, settings
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


@bp.route("/admin/programs/<slug>/guide", methods=["GET", "POST"])
@access.admin_required
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
        try:
            settings.save(program, chosen, texts, utcnow().date())
            db.session.commit()
            flash("The programme's reminders and survey are saved.", "success")
            return redirect(url_for("guide.program_guide", slug=program.slug), 303)
        except GuideError as error:
            db.session.rollback()
            form[error.field].errors = [*form[error.field].errors, str(error)]
    summaries = [surveys.summary(program, round_) for round_ in SurveyRound]
    return render(
        "guide/admin_settings.html",
        status=422 if form.errors else 200,
        form=form,
        program=program,
        kinds=KINDS,
        summaries=summaries,
        ratings=surveys.meeting_rating_summary(program),
        windows={r: surveys.window(program, r) for r in SurveyRound},
        questions_locked=surveys.open_round(program, utcnow().date()) is not None,
    )


@bp.get("/admin/programs/<slug>/surveys/<round_name>/comments")
@access.admin_required
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
        "guide/admin_comments.html",
        program=program,
        summary=summary,
        comments=surveys.comments(program, round_),
    )


@bp.get("/admin/programs/<slug>/guide/preview/<kind>")
@access.admin_required
def preview_message(slug: str, kind: str):
    program = access.visible_program_by_slug(current_user, slug[:80])
    if kind not in KINDS:
        abort(404)
    subject, body = preview(program, kind, utcnow().date())
    return render(
        "guide/admin_preview.html", program=program, kind=KINDS[kind], subject=subject, body=body
    )


@bp.get("/admin/requests")
@access.admin_required
def request_queue():
    return render("guide/admin_requests.html", requests=pairing_requests.queue())


@bp.post("/admin/requests/<int:request_id>/resolve")
@access.admin_required
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
    return redirect(url_for("guide.request_queue"), 303)


@bp.route("/admin/requests/<int:request_id>/end", methods=["GET", "POST"])
@access.admin_required
def end_request_pairing(request_id: int):
    """End the pairing a request is about: the shared confirm page, then resolve the request."""
    row = _request_or_404(request_id)
    action_url = url_for("guide.end_request_pairing", request_id=row.id)
    back_url = url_for("guide.request_queue")
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
