"""Admin work: programmes, the enrollment queue, CSV import, matching, approvals, audit log.

Programme set-up is for portal admins (`guards.admin_required`); enrollment, matching,
approval, import, exports and the audit log are also open to a programme's leads
(`guards.programme_work_required`, then `program_or_404` checks the programme). Anyone
else gets 404.
"""

from __future__ import annotations

from flask import (
    flash,
    redirect,
    request,
    url_for,
)
from flask_login import current_user

from portal.blueprints import guards
from portal.blueprints.admin import bp
from portal.blueprints.admin.common import program_or_404
from portal.core.bounds import optional_id
from portal.core.text import count_words
from portal.extensions import db
from portal.models import Membership
from portal.rendering import is_local_url, render, wants_fragment
from portal.services import access
from portal.services.programmes import applicants, enrollment, holds, queue


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
@guards.programme_work_required
def enrollment_queue():
    return _queue_page()


@bp.get("/enrollment/<int:membership_id>")
@guards.programme_work_required
def applicant(membership_id: int):
    membership = access.get_visible_or_404(
        access.run_memberships(current_user), membership_id, Membership
    )
    return render("admin/applicant.html", **applicants.applicant_page(current_user, membership))


@bp.route("/enrollment/<int:membership_id>/decide", methods=["GET", "POST"])
@guards.programme_work_required
def decide(membership_id: int):
    membership = access.get_visible_or_404(
        access.run_memberships(current_user), membership_id, Membership
    )
    approve = request.values.get("decision") == "approve"
    confirmed = request.method == "POST" and (approve or request.form.get("confirm") == "yes")
    if not confirmed:  # a decline is confirmed first, with an optional reason
        return render(
            "admin/confirm_decision.html",
            people=[membership],
            approve=approve,
            undo_minutes=holds.window_minutes(),
        )
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
@guards.programme_work_required
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
        return render(
            "admin/confirm_decision.html",
            people=chosen,
            approve=approve,
            ids=ids,
            undo_minutes=holds.window_minutes(),
        )
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
@guards.programme_work_required
def undo(key: str):
    try:
        summary = holds.undo(current_user, key)
        flash(f"Undone: {summary}. Nobody was told.", "success")
    except holds.UndoError as error:
        db.session.rollback()
        flash(str(error), "error")
    target = request.form.get("next", "")
    return redirect(target if is_local_url(target) else url_for("admin.enrollment_queue"), 303)
