"""Admin work: programmes, the enrollment queue, CSV import, matching, approvals, audit log.

Programme set-up is for portal admins (`access.admin_required`); enrollment, matching,
approval, import, exports and the audit log are also open to a programme's leads
(`access.programme_work_required`, then `program_or_404` checks the programme). Anyone
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

from portal.blueprints.admin import bp, ending
from portal.blueprints.admin.common import apply_program_form, fill_program_form, program_or_404
from portal.blueprints.admin.forms import (
    EndPairingForm,
    ImportForm,
    LeadForm,
    ProgramForm,
    QuestionForm,
)
from portal.extensions import db
from portal.models import Membership, PairingStatus, utcnow
from portal.models.enrollment import ProgramQuestion
from portal.models.leads import ProgramLead
from portal.rendering import hx_redirect_or, is_local_url, render, wants_fragment
from portal.request_guards import allows_upload
from portal.services import access
from portal.services import matching as matcher
from portal.services.dashboard import programs_health
from portal.services.matching import background as matching_background
from portal.services.matching import swaps
from portal.services.matching.board import SORTS, BoardQuery, board_for, pairing_in
from portal.services.platform import audit
from portal.services.programmes import applicants, enrollment, exports, holds, leads, queue
from portal.services.programmes.enrollment import count_words
from portal.templating import localtime, plural
from portal.validation import optional_id, parse_id


@bp.get("/")
@access.programme_work_required
def index():
    return render(
        "admin/index.html",
        health=programs_health(current_user),
        queue_size=queue.waiting_count(current_user),
        events=audit.recent(current_user, limit=8),
        undoable=holds.undoable(current_user),
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
        status=status,
    )


@bp.post("/programs/<slug>/leads")
@access.admin_required
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
@access.admin_required
def remove_lead(slug: str, lead_id: int):
    program = program_or_404(slug)
    lead = db.get_or_404(ProgramLead, lead_id)
    if lead.program_id != program.id:
        abort(404)
    leads.remove(lead, current_user)
    flash("The lead was removed.", "success")
    return redirect(url_for("admin.edit_program", slug=slug) + "#leads", 303)


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
@allows_upload("CSV_MAX_BYTES")
@access.programme_work_required
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
        csv_limit=current_app.config["CSV_MAX_BYTES"],
        status=status,
    )


# --- the enrollment queue --------------------------------------------------------------


def _queue_context() -> dict:
    query = queue.QueueQuery.from_values(request.values)
    program = program_or_404(query.program) if query.program else None
    return {
        "query": query,
        "program": program,
        "applications": queue.page(current_user, query, program),
        "programs": db.session.scalars(access.run_programs(current_user)).all(),
        "statuses": queue.STATUSES,
        "sorts": queue.SORTS,
        "undoable": holds.undoable(current_user),
    }


def _queue_page(status: int = 200):
    return render(
        "admin/enrollment.html",
        "admin/_queue.html",
        fragment_id="enrollment-queue",
        status=status,
        **_queue_context(),
    )


@bp.get("/enrollment")
@access.programme_work_required
def enrollment_queue():
    return _queue_page()


@bp.get("/enrollment/<int:membership_id>")
@access.programme_work_required
def applicant(membership_id: int):
    membership = access.get_visible_or_404(
        access.run_memberships(current_user), membership_id, Membership
    )
    return render("admin/applicant.html", **applicants.applicant_page(current_user, membership))


@bp.route("/enrollment/<int:membership_id>/decide", methods=["GET", "POST"])
@access.programme_work_required
def decide(membership_id: int):
    membership = access.get_visible_or_404(
        access.run_memberships(current_user), membership_id, Membership
    )
    approve = request.values.get("decision") == "approve"
    confirmed = request.method == "POST" and (approve or request.form.get("confirm") == "yes")
    if not confirmed:  # a decline is confirmed first, with an optional reason
        return render("admin/confirm_decision.html", people=[membership], approve=approve)
    try:
        decided = enrollment.decide(
            membership, approve, current_user, reason=request.form.get("reason", "")
        )
    except enrollment.EnrollmentError as error:
        flash(f"Not approved: {error}", "error")
        return _after_decision(None)
    if decided is None:
        flash(holds.ALREADY_DECIDED, "error")
        return _after_decision(None)
    return _after_decision(f"{membership.user.name}: {'approved' if approve else 'declined'}.")


@bp.post("/enrollment/bulk")
@access.programme_work_required
def decide_bulk():
    query = queue.QueueQuery.from_values(request.form)
    program = program_or_404(query.program) if query.program else None
    if request.form.get("all_matching") == "yes":
        ids = queue.matching_ids(current_user, query, program)
    else:
        ticked = [i for i in map(optional_id, request.form.getlist("ids")) if i is not None]
        ids = queue.allowed_ids(current_user, ticked)
    approve = request.form.get("decision") == "approve"
    if not ids:
        flash("Tick at least one application first.", "error")
        return _after_decision(None)
    if request.form.get("confirm") != "yes":
        chosen = queue.chosen(current_user, ids)
        return render("admin/confirm_decision.html", people=chosen, approve=approve, ids=ids)
    staff = enrollment.staff_among(ids) if approve else []
    done = enrollment.decide_many(ids, approve, current_user, request.form.get("reason", ""))
    verb = "approved" if approve else "declined"
    if staff:
        names = ", ".join(m.user.name for m in staff[:5])
        flash(f"Not approved: {names} run that programme and cannot take part in it.", "error")
    return _after_decision(f"{count_words(done, 'application')} {verb}.")


def _after_decision(message: str | None):
    if message:
        flash(message + " Notices wait a few minutes: you can still undo.", "success")
    if wants_fragment("enrollment-queue"):
        return _queue_page()
    query = queue.QueueQuery.from_values(request.values)
    return redirect(url_for("admin.enrollment_queue", **query.args()), 303)


@bp.post("/undo/<key>")
@access.programme_work_required
def undo(key: str):
    try:
        summary = holds.undo(current_user, key)
        flash(f"Undone: {summary}. Nobody was told.", "success")
    except holds.UndoError as error:
        db.session.rollback()
        flash(str(error), "error")
    target = request.form.get("next", "")
    return redirect(target if is_local_url(target) else url_for("admin.enrollment_queue"), 303)


# --- matching and pairing approval -----------------------------------------------------


def _board(slug: str, status: int = 200, **extra):
    program = program_or_404(slug)
    return render(
        "admin/matching.html",
        "admin/_matching_board.html",
        fragment_id="matching-board",
        status=status,
        board=board_for(program, BoardQuery.from_args(request.args)),
        sorts=SORTS,
        undoable=holds.undoable(current_user, program.id),
        end_form=EndPairingForm(formdata=None),
        **extra,
    )


def _done(slug: str, message: str, category: str = "success", status: int = 200):
    """htmx gets the refreshed board; a plain form goes back to the page (PRG)."""
    flash(message, category)
    if wants_fragment("matching-board"):
        return _board(slug, status=status)
    return redirect(url_for("admin.matching", slug=slug, **_board_args()), 303)


def _board_args() -> dict:
    """Where the admin was on the board (search, sort, page), carried through a POST."""
    return BoardQuery.from_args(request.values).args()


@bp.get("/matching/<slug>")
@access.programme_work_required
def matching(slug: str):
    return _board(slug)


@bp.post("/matching/<slug>/propose")
@access.programme_work_required
def propose(slug: str):
    program = program_or_404(slug)
    mode = request.form.get("mode")
    mode = matcher.Mode(mode) if mode in {m.value for m in matcher.Mode} else None
    if matching_background.runs_in_background(program):
        job = matching_background.start(program, mode, current_user)
        return hx_redirect_or(url_for("admin.job", slug=slug, job_id=job.id))
    proposal = matcher.propose(program, mode)
    matcher.save_proposal(program, proposal, current_user)
    return _done(
        slug,
        f"Proposed {len(proposal.pairs)} pairs (total score {proposal.total:.0f}); "
        f"{len(proposal.unmatched)} left unmatched. Nobody is told until you approve.",
    )


@bp.route("/matching/<slug>/approve-all", methods=["GET", "POST"])
@access.programme_work_required
def approve_all(slug: str):
    program = program_or_404(slug)
    count = matcher.proposed_count(program)
    if request.method == "GET" or request.form.get("confirm") != "yes":
        return render("admin/confirm_approve_all.html", program=program, count=count)
    try:
        count = matcher.approve_all(program, current_user)
    except matcher.MatchingError as error:
        return _done(slug, f"Nothing approved: {error}", "error", status=422)
    told = _told_at(holds.tell_time(utcnow()))
    return _done(
        slug,
        f"Approved {count} {plural('pair', count)}. "
        f"Both partners of each will be told at {told} unless you undo.",
    )


def _told_at(when) -> str:
    """HH:MM in the admin's own time zone."""
    return localtime(when, "%H:%M")


@bp.post("/matching/<slug>/pair")
@access.programme_work_required
def hand_pair(slug: str):
    program = program_or_404(slug)
    try:
        mentee_id = parse_id(request.form["mentee_id"])
        mentor_id = parse_id(request.form["mentor_id"])
        pairing = matcher.hand_pair(program, mentee_id, mentor_id, current_user)
    except (KeyError, ValueError) as error:
        message = str(error) if isinstance(error, matcher.MatchingError) else "Choose both people."
        return _done(slug, f"Not paired: {message}", "error", status=422)
    return _done(slug, f"Proposed {pairing.mentee.name} with {pairing.mentor.name}.")


@bp.get("/matching/<slug>/mentees/<int:mentee_id>/mentors")
@access.programme_work_required
def mentor_search(slug: str, mentee_id: int):
    program = program_or_404(slug)
    try:
        choices = swaps.mentor_choices(program, mentee_id, request.args.get("q", ""))
    except matcher.MatchingError:
        abort(404)
    return render(
        "admin/mentor_search.html",
        "admin/_mentor_choices.html",
        fragment_id="mentor-choices",
        found=choices,
        program=program,
    )


@bp.get("/matching/<slug>/pairings/<int:pairing_id>/preview")
@access.programme_work_required
def swap_preview(slug: str, pairing_id: int):
    program = program_or_404(slug)
    pairing = pairing_in(program, pairing_id, PairingStatus.proposed) or _missing()
    check, error = None, None
    try:
        check = matcher.check_pair(
            program, pairing.mentee_id, parse_id(request.args["mentor_id"]), replacing=pairing
        )
    except (KeyError, ValueError) as exc:
        error = str(exc) if isinstance(exc, matcher.MatchingError) else "Choose a mentor."
    return render("admin/_swap_preview.html", pairing=pairing, check=check, error=error)


@bp.post("/matching/<slug>/pairings/<int:pairing_id>/<action>")
@access.programme_work_required
def pairing_action(slug: str, pairing_id: int, action: str):
    program = program_or_404(slug)
    pairing = pairing_in(program, pairing_id) or _missing()
    names = f"{pairing.mentee.name} with {pairing.mentor.name}"
    try:
        if action == "approve":
            matcher.approve(pairing, current_user)
            told = holds.pairing_told(pairing)
            return _done(
                slug,
                f"Approved {names}. Both partners will be told at {_told_at(told.at)} "
                "unless you undo.",
            )
        if action == "reject":
            matcher.reject(pairing, current_user)
            return _done(slug, f"Rejected {names}.")
        if action == "swap":
            pairing = matcher.swap_mentor(
                pairing, parse_id(request.form.get("mentor_id")), current_user
            )
            return _done(slug, f"{pairing.mentee.name} is now proposed with {pairing.mentor.name}.")
        if action == "exchange":
            exchange = swaps.exchange_mentors(
                pairing, parse_id(request.form.get("with_pairing_id")), current_user
            )
            first, second = exchange.first_check, exchange.second_check
            return _done(
                slug,
                f"Exchanged mentors: {first.mentee.name} with {first.mentor.name}, "
                f"{second.mentee.name} with {second.mentor.name}.",
            )
    except (matcher.MatchingError, ValueError) as error:
        return _done(slug, f"Not done: {error}", "error", status=422)
    return _missing()


@bp.route("/matching/<slug>/pairings/<int:pairing_id>/end", methods=["GET", "POST"])
@access.programme_work_required
def end_pairing(slug: str, pairing_id: int):
    """Confirm, with a reason, then end an approved pair (see blueprints/admin/ending.py)."""
    program = program_or_404(slug)
    # Any pair of the programme: one that is not active (ended meanwhile, or only proposed)
    # gets a page that says so, and a POST is refused with the reason, not a 404.
    pairing = pairing_in(program, pairing_id) or _missing()
    action_url = url_for("admin.end_pairing", slug=slug, pairing_id=pairing.id)
    back_url = url_for("admin.matching", slug=slug)
    if request.method == "GET":
        return ending.confirm_page(pairing, action_url, back_url)

    def end(reason: str) -> str:
        matcher.end_pairing(pairing, reason, current_user)
        return f"Ended {pairing.mentee.name} with {pairing.mentor.name}. " + (
            f"{pairing.mentee.name} can be matched again."
        )

    return ending.confirmed(pairing, action_url, back_url, end)


def _missing():
    abort(404)


# --- exports ----------------------------------------------------------------------------


@bp.get("/programs/<slug>/export/<what>.csv")
@access.programme_work_required
def export_csv(slug: str, what: str):
    program = program_or_404(slug)
    if what not in exports.EXPORTS:
        abort(404)
    lines = exports.participants(program) if what == "participants" else exports.pairs(program)
    response = Response(stream_with_context(lines), mimetype="text/csv")
    filename = f"{program.slug}-{what}-{date.today().isoformat()}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- the audit log ---------------------------------------------------------------------


@bp.get("/audit")
@access.programme_work_required
def audit_log():
    slug = request.args.get("program")
    program = program_or_404(slug) if slug else None
    return render(
        "admin/audit.html", events=audit.recent(current_user, program, limit=300), program=program
    )
