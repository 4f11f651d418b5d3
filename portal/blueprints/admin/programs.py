"""Admin work: programmes, the enrollment queue, CSV import, matching, approvals, audit log.

Programme set-up is for portal admins (`guards.admin_required`); enrollment, matching,
approval, import, exports and the audit log are also open to a programme's leads
(`guards.programme_work_required`, then `program_or_404` checks the programme). Anyone
else gets 404.
"""

from __future__ import annotations

from datetime import date

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user

from portal.blueprints import guards
from portal.blueprints.admin import bp
from portal.blueprints.admin.common import apply_program_form, fill_program_form, program_or_404
from portal.blueprints.admin.forms import (
    ImportForm,
    LeadForm,
    ProgramForm,
    QuestionForm,
)
from portal.extensions import db
from portal.models.enrollment import ProgramQuestion
from portal.models.leads import ProgramLead
from portal.rendering import render
from portal.request_guards import allows_upload
from portal.services.dashboard import programs_health
from portal.services.programmes import enrollment, exports, leads, retention


@bp.get("/programs")
@guards.admin_required
def programs():
    return render("admin/programs.html", health=programs_health(current_user))


@bp.route("/programs/new", methods=["GET", "POST"])
@guards.admin_required
def new_program():
    form = ProgramForm()
    if request.method == "GET":
        form.process(data=enrollment.default_dates(date.today()))
    if form.validate_on_submit():
        program = enrollment.save_program(None, apply_program_form(form, None), current_user)
        flash(f"{program.name} was created.", "success")
        return redirect(url_for("admin.edit_program", slug=program.slug), 303)
    status = 422 if form.errors else 200
    return render("admin/program_form.html", form=form, program=None, status=status)


@bp.route("/programs/<slug>/edit", methods=["GET", "POST"])
@guards.admin_required
def edit_program(slug: str):
    program = program_or_404(slug)
    form = ProgramForm(obj=program) if request.method == "POST" else fill_program_form(program)
    if form.validate_on_submit():
        enrollment.save_program(program, apply_program_form(form, program), current_user)
        flash("The programme was saved.", "success")
        return redirect(url_for("admin.edit_program", slug=program.slug), 303)
    return _program_page(program, form, status=422 if form.errors else 200)


def _program_page(program, form, lead_form=None, status: int = 200):
    return render(
        "admin/program_form.html",
        form=form,
        program=program,
        questions=enrollment.questions_for(program),
        question_form=QuestionForm(formdata=None),
        leads=leads.leads_of(program),
        lead_form=lead_form or LeadForm(formdata=None),
        retention=retention.preview(program),
        retention_labels=retention.LABELS,
        removal=retention.removal_date(program),
        today=date.today(),
        status=status,
    )


@bp.post("/programs/<slug>/leads")
@guards.admin_required
def add_lead(slug: str):
    program = program_or_404(slug)
    lead_form = LeadForm()
    if lead_form.validate_on_submit():
        try:
            lead = leads.assign(program, lead_form.email.data, current_user)
        except leads.LeadError as error:
            lead_form.email.errors.append(str(error))
        else:
            flash(f"{lead.user.name} now leads {program.name}.", "success")
            return redirect(url_for("admin.edit_program", slug=slug) + "#leads", 303)
    return _program_page(program, fill_program_form(program), lead_form, status=422)


@bp.post("/programs/<slug>/leads/<int:lead_id>/delete")
@guards.admin_required
def remove_lead(slug: str, lead_id: int):
    program = program_or_404(slug)
    lead = db.get_or_404(ProgramLead, lead_id)
    if lead.program_id != program.id:
        abort(404)
    leads.remove(lead, current_user)
    flash("The lead was removed.", "success")
    return redirect(url_for("admin.edit_program", slug=slug) + "#leads", 303)


@bp.post("/programs/<slug>/questions")
@guards.admin_required
def add_question(slug: str):
    program = program_or_404(slug)
    form = QuestionForm()
    if form.validate_on_submit():
        enrollment.add_question(
            program, form.label.data, form.audience.data, form.required.data, current_user
        )
        flash("The question was added to the application form.", "success")
    else:
        flash("Write the question first.", "error")
    return redirect(url_for("admin.edit_program", slug=slug) + "#questions", 303)


@bp.post("/programs/<slug>/questions/<int:question_id>/delete")
@guards.admin_required
def remove_question(slug: str, question_id: int):
    program = program_or_404(slug)
    question = db.get_or_404(ProgramQuestion, question_id)
    if question.program_id != program.id:
        abort(404)
    enrollment.remove_question(question, current_user)
    flash("The question was removed.", "success")
    return redirect(url_for("admin.edit_program", slug=slug) + "#questions", 303)


@bp.route("/programs/<slug>/import", methods=["GET", "POST"])
@allows_upload("CSV_MAX_BYTES")
@guards.programme_work_required
def import_participants(slug: str):
    program = program_or_404(slug)
    form = ImportForm()
    result = None
    if form.validate_on_submit():
        text = form.file.data.read().decode("utf-8-sig", errors="replace")
        result, job = enrollment.start_import(program, text, current_user)
        if job is not None:
            return redirect(url_for("admin.job", slug=slug, job_id=job.id), 303)
    status = 422 if form.errors or (result and not result.ok) else 200
    return render(
        "admin/import.html",
        form=form,
        program=program,
        result=result,
        columns=enrollment.CSV_COLUMNS,
        column_help=enrollment.CSV_HELP,
        csv_limit=current_app.config["CSV_MAX_BYTES"],
        status=status,
    )


@bp.get("/programs/<slug>/import/sample.csv")
@guards.programme_work_required
def import_sample(slug: str):
    program_or_404(slug)
    response = Response(enrollment.sample_csv(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="horizon-import-sample.csv"'
    return response


@bp.get("/programs/<slug>/export/<what>.csv")
@guards.programme_work_required
def export_csv(slug: str, what: str):
    program = program_or_404(slug)
    if what not in exports.EXPORTS:
        abort(404)
    lines = exports.participants(program) if what == "participants" else exports.pairs(program)
    response = Response(stream_with_context(lines), mimetype="text/csv")
    filename = f"{program.slug}-{what}-{date.today().isoformat()}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
