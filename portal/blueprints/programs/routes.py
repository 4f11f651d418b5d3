"""Public programme pages and the application form."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, url_for
from flask_login import current_user, login_required

from portal.blueprints.programs import bp
from portal.blueprints.programs.forms import application_form, profile_from_form
from portal.core.timezones import canonical_zones
from portal.extensions import db
from portal.rendering import render
from portal.services import access
from portal.services.programmes import enrollment


def _viewer():
    return current_user if current_user.is_authenticated else None


@bp.get("/")
def index():
    programs = db.session.scalars(
        access.visible_programs(_viewer()).order_by(db.text("starts_on DESC"))
    ).all()
    return render("programs/index.html", programs=programs, today=date.today())


@bp.get("/<slug>")
def show(slug: str):
    program = access.visible_program_by_slug(_viewer(), slug)
    membership = enrollment.my_membership(current_user, program) if _viewer() else None
    return render(
        "programs/show.html",
        program=program,
        membership=membership,
        is_open=program.enrollment_open(date.today()),
    )


@bp.route("/<slug>/apply", methods=["GET", "POST"])
@login_required
def apply(slug: str):
    program = access.visible_program_by_slug(current_user, slug)
    if not access.can_apply(current_user, program, date.today()):
        flash("Applications to this programme are closed, or you have already applied.", "info")
        return redirect(url_for("programs.show", slug=slug), 303)
    questions = enrollment.questions_for(program)
    form = application_form(questions, enrollment.pickable_mentors(program))
    if not form.is_submitted() and current_user.timezone in canonical_zones():
        form.timezone.data = current_user.timezone
    if form.validate_on_submit():
        role = form.role.data
        enrollment.apply(current_user, program, role, profile_from_form(form, questions))
        flash(
            f"Thank you. Your application to {program.name} is in; you will hear back here.",
            "success",
        )
        return redirect(url_for("programs.show", slug=slug), 303)
    return render(
        "programs/apply.html",
        form=form,
        program=program,
        questions=questions,
        status=422 if form.errors else 200,
    )
