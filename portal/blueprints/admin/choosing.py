"""A programme's matching mode and the mentees-choose funnel (leads of the programme too)."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from portal.blueprints import guards
from portal.blueprints.admin import bp
from portal.blueprints.admin.forms import ChoosingSettingsForm
from portal.blueprints.common import saving
from portal.extensions import db
from portal.models import utcnow
from portal.models.choosing import MentorRequest
from portal.rendering import render
from portal.services import access
from portal.services.choosing import funnel, settings
from portal.services.choosing.requests import settings_for
from portal.services.insights import office_hours


def _page(program, form, status=200):
    return render(
        "admin/choosing.html",
        status=status,
        program=program,
        form=form,
        funnel=funnel.funnel(program, utcnow()),
        figures=office_hours.figures([program]),
    )


@bp.route("/programs/<slug>/choosing", methods=["GET", "POST"])
@guards.programme_work_required
def program_choosing(slug: str):
    program = access.run_program_by_slug(current_user, slug[:80])
    current = settings_for(program)
    form = ChoosingSettingsForm(obj=None if request.method == "POST" else current)
    if request.method == "POST" and form.validate():
        with saving(form) as saved:
            settings.save(
                program,
                mode=form.mode.data,
                max_open_requests=form.max_open_requests.data,
                remind_after_days=form.remind_after_days.data,
                expire_after_days=form.expire_after_days.data,
                meet_check_days=form.meet_check_days.data,
                requires_approval=form.requires_approval.data,
                office_hours=form.office_hours.data,
            )
        if saved:
            flash("The programme's matching settings are saved.", "success")
            return redirect(url_for("admin.program_choosing", slug=program.slug), 303)
    return _page(program, form, 422 if form.errors else 200)


@bp.post("/programs/<slug>/choosing/requests/<int:request_id>/nudge")
@guards.programme_work_required
def nudge_request(slug: str, request_id: int):
    program = access.run_program_by_slug(current_user, slug[:80])
    found = db.session.scalar(
        access.visible_mentor_requests(current_user).where(
            MentorRequest.id == request_id, MentorRequest.program_id == program.id
        )
    )
    if found is None or not found.is_open:
        abort(404)
    if funnel.nudge(found, utcnow()):
        flash("The mentor is reminded.", "success")
    else:
        flash("The mentor was already reminded today.", "info")
    return redirect(url_for("admin.program_choosing", slug=program.slug), 303)
