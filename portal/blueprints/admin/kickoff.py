"""Meet your partner, the agreement, goals and meeting planning, under /pairings/<id>/."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user

from portal.blueprints import guards
from portal.blueprints.admin import bp
from portal.blueprints.admin.forms import (
    TemplateForm,
)
from portal.extensions import db
from portal.models import utcnow
from portal.rendering import render
from portal.services import access
from portal.services.pairings import agreement as agreement_service
from portal.services.pairings import overview as overview_service


@bp.route("/programs/<slug>/agreement", methods=["GET", "POST"])
@guards.admin_required
def agreement_template(slug: str):
    """The programme's agreement template, which every new pair starts from."""
    program = access.visible_program_by_slug(current_user, slug)
    form = (
        TemplateForm()
        if request.method == "POST"
        else TemplateForm(formdata=None, data=agreement_service.template_for(program))
    )
    if request.method == "POST" and form.validate():
        agreement_service.save_template(
            program, {k: form[k].data or "" for k in form.data if k != "csrf_token"}
        )
        db.session.commit()
        flash("The agreement template is saved. New pairs start from it.", "success")
        return redirect(url_for("admin.agreement_template", slug=slug), 303)
    status = 422 if request.method == "POST" else 200
    return render("admin/kickoff/template.html", status=status, program=program, form=form)


@bp.get("/programs/<slug>/kickoff")
@guards.admin_required
def overview(slug: str):
    """Per pair: signed on <date> or not yet, how many goals, when they next meet."""
    program = access.visible_program_by_slug(current_user, slug)
    rows = overview_service.program_overview(current_user, program, utcnow())
    return render("admin/kickoff/overview.html", program=program, rows=rows)
