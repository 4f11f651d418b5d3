"""The template library: admins add, edit and retire templates, per programme or for all."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for

from portal.blueprints import guards
from portal.blueprints.practice import bp
from portal.blueprints.practice.forms import TemplateForm
from portal.extensions import db
from portal.models.practice import PracticeTemplate
from portal.rendering import render
from portal.services import practice as service


def _template_form(template: PracticeTemplate | None = None) -> TemplateForm:
    form = TemplateForm(obj=template)
    form.program_id.choices = service.program_choices()
    return form


@bp.route("/library", methods=["GET", "POST"])
@guards.admin_required
def library():
    form = _template_form()
    if form.validate_on_submit():
        template = PracticeTemplate()
        service.save_template(template, form.data)
        db.session.commit()
        flash(f"“{template.title}” is in the library.", "success")
        return redirect(url_for("practice.library"), 303)
    return render(
        "practice/library.html",
        form=form,
        templates=service.all_templates(),
        status=422 if form.errors else 200,
    )


@bp.route("/library/<int:template_id>", methods=["GET", "POST"])
@guards.admin_required
def edit_template(template_id: int):
    template = db.session.get(PracticeTemplate, template_id) or abort(404)
    form = _template_form(template)
    if form.validate_on_submit():
        service.save_template(template, form.data)
        db.session.commit()
        flash(f"“{template.title}” was updated.", "success")
        return redirect(url_for("practice.library"), 303)
    status = 422 if form.errors else 200
    return render("practice/template_edit.html", form=form, template=template, status=status)


@bp.post("/library/<int:template_id>/archive")
@guards.admin_required
def archive_template(template_id: int):
    """Retire a template, or bring a retired one back; practices made from it stay."""
    template = db.session.get(PracticeTemplate, template_id) or abort(404)
    template.archived = not template.archived
    db.session.commit()
    flash(f"“{template.title}” {'retired' if template.archived else 'is back'}.", "info")
    return redirect(url_for("practice.library"), 303)
