"""Admin work: programmes, the enrollment queue, CSV import, matching, approvals, audit log.

Programme set-up is for portal admins (`guards.admin_required`); enrollment, matching,
approval, import, exports and the audit log are also open to a programme's leads
(`guards.programme_work_required`, then `program_or_404` checks the programme). Anyone
else gets 404.
"""

from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    request,
    url_for,
)
from flask_login import current_user

from portal.blueprints import guards
from portal.blueprints.admin import bp, ending
from portal.blueprints.admin.common import program_or_404
from portal.blueprints.admin.forms import (
    EndPairingForm,
)
from portal.core.bounds import parse_id
from portal.core.text import plural
from portal.models import PairingStatus, utcnow
from portal.rendering import hx_redirect_or, render, wants_fragment
from portal.services import matching as matcher
from portal.services.matching import background as matching_background
from portal.services.matching import swaps
from portal.services.matching.board import SORTS, BoardQuery, board_for, pairing_in
from portal.services.programmes import holds
from portal.templating import localtime


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
@guards.programme_work_required
def matching(slug: str):
    return _board(slug)


@bp.post("/matching/<slug>/propose")
@guards.programme_work_required
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
@guards.programme_work_required
def approve_all(slug: str):
    program = program_or_404(slug)
    count = matcher.proposed_count(program)
    if request.method == "GET" or request.form.get("confirm") != "yes":
        return render(
            "admin/confirm_approve_all.html",
            program=program,
            count=count,
            undo_minutes=holds.window_minutes(),
        )
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
@guards.programme_work_required
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
@guards.programme_work_required
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
@guards.programme_work_required
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
@guards.programme_work_required
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
@guards.programme_work_required
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
