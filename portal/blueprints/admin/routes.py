"""Admin work: programmes, the enrollment queue, CSV import, matching, approvals, audit log.

Every view is for portal admins only (`access.admin_required`: 404 for anyone else).
"""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from portal.blueprints.admin import bp
from portal.blueprints.admin.forms import (
    EndPairingForm,
    ImportForm,
    ProgramForm,
    QuestionForm,
)
from portal.extensions import db
from portal.models import Membership, PairingStatus
from portal.models.enrollment import ProgramQuestion
from portal.rendering import render, wants_fragment
from portal.services import access, audit, enrollment
from portal.services import matching as matcher
from portal.services.admin_views import (
    apply_program_form,
    fill_program_form,
    program_or_404,
)
from portal.services.dashboard import programs_health
from portal.services.matching.board import board_for, pairing_in


@bp.get("/")
@access.admin_required
def index():
    return render(
        "admin/index.html",
        health=programs_health(current_user),
        queue_size=enrollment.queue_size(),
        events=audit.recent(current_user, limit=8),
    )


# --- programmes ------------------------------------------------------------------------


@bp.get("/programs")
@access.admin_required
def programs():
    return render("admin/programs.html", health=programs_health(current_user))


@bp.route("/programs/new", methods=["GET", "POST"])
@access.admin_required
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
@access.admin_required
def edit_program(slug: str):
    program = program_or_404(slug)
    form = ProgramForm(obj=program) if request.method == "POST" else fill_program_form(program)
    if form.validate_on_submit():
        enrollment.save_program(program, apply_program_form(form, program), current_user)
        flash("The programme was saved.", "success")
        return redirect(url_for("admin.edit_program", slug=program.slug), 303)
    return render(
        "admin/program_form.html",
        form=form,
        program=program,
        questions=enrollment.questions_for(program),
        question_form=QuestionForm(formdata=None),
        status=422 if form.errors else 200,
    )


@bp.post("/programs/<slug>/questions")
@access.admin_required
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
@access.admin_required
def remove_question(slug: str, question_id: int):
    program = program_or_404(slug)
    question = db.get_or_404(ProgramQuestion, question_id)
    if question.program_id != program.id:
        abort(404)
    enrollment.remove_question(question, current_user)
    flash("The question was removed.", "success")
    return redirect(url_for("admin.edit_program", slug=slug) + "#questions", 303)


@bp.route("/programs/<slug>/import", methods=["GET", "POST"])
@access.admin_required
def import_participants(slug: str):
    program = program_or_404(slug)
    form = ImportForm()
    result = None
    if form.validate_on_submit():
        text = form.file.data.read().decode("utf-8-sig", errors="replace")
        result = enrollment.import_csv(program, text, current_user)
        if result.ok:
            flash(
                f"Imported {result.imported} participants into {program.name}; "
                f"{result.invited} new accounts were e-mailed a link to choose a password.",
                "success",
            )
            return redirect(url_for("admin.matching", slug=slug), 303)
    status = 422 if form.errors or (result and not result.ok) else 200
    return render(
        "admin/import.html",
        form=form,
        program=program,
        result=result,
        columns=enrollment.CSV_COLUMNS,
        status=status,
    )


# --- the enrollment queue --------------------------------------------------------------


def _queue_page(status: int = 200):
    slug = request.values.get("program") or None
    program = program_or_404(slug) if slug else None
    return render(
        "admin/enrollment.html",
        "admin/_queue.html",
        fragment_id="enrollment-queue",
        status=status,
        applications=enrollment.queue(program),
        program=program,
        health=programs_health(current_user),
    )


@bp.get("/enrollment")
@access.admin_required
def enrollment_queue():
    return _queue_page()


@bp.post("/enrollment/<int:membership_id>/decide")
@access.admin_required
def decide(membership_id: int):
    membership = access.get_visible_or_404(
        access.visible_memberships(current_user), membership_id, Membership
    )
    approve = request.form.get("decision") == "approve"
    enrollment.decide(membership, approve, current_user)
    return _after_decision(f"{membership.user.name}: {'approved' if approve else 'declined'}.")


@bp.post("/enrollment/bulk")
@access.admin_required
def decide_bulk():
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()]
    approve = request.form.get("decision") == "approve"
    if not ids:
        flash("Tick at least one application first.", "error")
        return _after_decision(None)
    done = enrollment.decide_many(ids, approve, current_user)
    return _after_decision(f"{done} applications {'approved' if approve else 'declined'}.")


def _after_decision(message: str | None):
    if message:
        flash(message, "success")
    if wants_fragment("enrollment-queue"):
        return _queue_page()
    target = url_for("admin.enrollment_queue", program=request.values.get("program") or None)
    return redirect(target, 303)


# --- matching and pairing approval -----------------------------------------------------


def _board(slug: str, status: int = 200, **extra):
    program = program_or_404(slug)
    return render(
        "admin/matching.html",
        "admin/_matching_board.html",
        fragment_id="matching-board",
        status=status,
        board=board_for(program),
        end_form=EndPairingForm(formdata=None),
        **extra,
    )


def _done(slug: str, message: str, category: str = "success", status: int = 200):
    """htmx gets the refreshed board; a plain form goes back to the page (PRG)."""
    flash(message, category)
    if wants_fragment("matching-board"):
        return _board(slug, status=status)
    return redirect(url_for("admin.matching", slug=slug), 303)


@bp.get("/matching/<slug>")
@access.admin_required
def matching(slug: str):
    return _board(slug)


@bp.post("/matching/<slug>/propose")
@access.admin_required
def propose(slug: str):
    program = program_or_404(slug)
    mode = request.form.get("mode")
    proposal = matcher.propose(
        program, matcher.Mode(mode) if mode in {m.value for m in matcher.Mode} else None
    )
    matcher.save_proposal(program, proposal, current_user)
    return _done(
        slug,
        f"Proposed {len(proposal.pairs)} pairs (total score {proposal.total:.0f}); "
        f"{len(proposal.unmatched)} left unmatched. Nobody is told until you approve.",
    )


@bp.post("/matching/<slug>/approve-all")
@access.admin_required
def approve_all(slug: str):
    count = matcher.approve_all(program_or_404(slug), current_user)
    return _done(slug, f"Approved {count} pairs. Both partners of each pair were notified.")


@bp.post("/matching/<slug>/pair")
@access.admin_required
def hand_pair(slug: str):
    program = program_or_404(slug)
    try:
        mentee_id, mentor_id = int(request.form["mentee_id"]), int(request.form["mentor_id"])
        pairing = matcher.hand_pair(program, mentee_id, mentor_id, current_user)
    except (KeyError, ValueError) as error:
        message = str(error) if isinstance(error, matcher.MatchingError) else "Choose both people."
        return _done(slug, f"Not paired: {message}", "error", status=422)
    return _done(slug, f"Proposed {pairing.mentee.name} with {pairing.mentor.name}.")


@bp.get("/matching/<slug>/pairings/<int:pairing_id>/preview")
@access.admin_required
def swap_preview(slug: str, pairing_id: int):
    program = program_or_404(slug)
    pairing = pairing_in(program, pairing_id, PairingStatus.proposed) or _missing()
    check, error = None, None
    try:
        check = matcher.check_pair(
            program, pairing.mentee_id, int(request.args["mentor_id"]), replacing=pairing
        )
    except (KeyError, ValueError) as exc:
        error = str(exc) if isinstance(exc, matcher.MatchingError) else "Choose a mentor."
    return render("admin/_swap_preview.html", pairing=pairing, check=check, error=error)


@bp.post("/matching/<slug>/pairings/<int:pairing_id>/<action>")
@access.admin_required
def pairing_action(slug: str, pairing_id: int, action: str):
    program = program_or_404(slug)
    pairing = pairing_in(program, pairing_id) or _missing()
    names = f"{pairing.mentee.name} with {pairing.mentor.name}"
    try:
        if action == "approve":
            matcher.approve(pairing, current_user)
            return _done(slug, f"Approved {names}. Both were notified.")
        if action == "reject":
            matcher.reject(pairing, current_user)
            return _done(slug, f"Rejected {names}.")
        if action == "swap":
            pairing = matcher.swap_mentor(
                pairing, int(request.form.get("mentor_id", 0)), current_user
            )
            return _done(slug, f"{pairing.mentee.name} is now proposed with {pairing.mentor.name}.")
        if action == "end":
            matcher.end_pairing(pairing, request.form.get("reason", ""), current_user)
            return _done(slug, f"Ended {names}. {pairing.mentee.name} can be matched again.")
    except (matcher.MatchingError, ValueError) as error:
        return _done(slug, f"Not done: {error}", "error", status=422)
    return _missing()


def _missing():
    abort(404)


# --- the audit log ---------------------------------------------------------------------


@bp.get("/audit")
@access.admin_required
def audit_log():
    slug = request.args.get("program")
    program = program_or_404(slug) if slug else None
    return render(
        "admin/audit.html", events=audit.recent(current_user, program, limit=300), program=program
    )
