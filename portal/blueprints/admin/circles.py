"""The programme team's circles: form by hand, propose for the cohort, move, approve (with the
undo window of pairs), and circle health as programme-wide aggregates (docs/circles.md)."""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_login import current_user

from portal.blueprints import guards
from portal.blueprints.admin import bp
from portal.blueprints.admin.common import program_or_404
from portal.core.bounds import parse_id
from portal.core.errors import NotVisible
from portal.extensions import db
from portal.rendering import hx_redirect_or, render, wants_fragment
from portal.services.circles import background, formation, health, page
from portal.services.circles import settings as circle_settings
from portal.services.programmes import holds
from portal.templating import localtime

FRAGMENT = "circles-board"


def _board(slug: str, status: int = 200, **extra):
    program = program_or_404(slug)
    members, facilitators = formation.candidates(program)
    found = formation.circles_of(program)
    return render(
        "admin/circles.html",
        "admin/_circles.html",
        fragment_id=FRAGMENT,
        status=status,
        program=program,
        circles=found,
        notes={c.id: page.leave_notes(current_user, c) for c in found},
        health=health.health(program),
        circle_health=health.programme_health(program),
        circle_formula=health.FORMULA,
        circle_states=health.STATE_LABELS,
        settings=formation.settings_of(program),
        circle_settings=circle_settings.current(program),
        settings_errors=extra.pop("settings_errors", {}),
        members=members,
        facilitators=facilitators,
        undoable=holds.undoable(current_user, program.id),
        form=request.form if status == 422 else {},
        **extra,
    )


def _done(slug: str, message: str, category: str = "success", status: int = 200):
    """htmx gets the refreshed board; a plain form goes back to the page (PRG)."""
    if category == "error":
        db.session.rollback()
    flash(message, category)
    if wants_fragment(FRAGMENT) or status == 422:
        return _board(slug, status=status)
    return redirect(url_for("admin.circles", slug=slug), 303)


@bp.get("/programs/<slug>/circles")
@guards.programme_work_required
def circles(slug: str):
    return _board(slug)


@bp.post("/programs/<slug>/circles/propose")
@guards.programme_work_required
def propose_circles(slug: str):
    program = program_or_404(slug)
    if background.runs_in_background(program):
        job = background.start(program, current_user)
        return hx_redirect_or(url_for("admin.job", slug=slug, job_id=job.id))
    proposal = formation.propose_for_cohort(program, current_user)
    solution = proposal.solution
    gap = "proven optimal" if solution.gap == 0 else f"within {solution.gap / 1000:.1f} fit points"
    return _done(
        slug,
        f"Proposed {len(proposal.circles)} circles, {solution.placed} people placed "
        f"({gap}); {len(proposal.unplaced)} not placed. Nobody is told until you approve.",
    )


@bp.post("/programs/<slug>/circles/settings")
@guards.programme_work_required
def circle_settings_save(slug: str):
    program = program_or_404(slug)
    try:
        circle_settings.save(
            program,
            current_user,
            min_size=request.form.get("min_size"),
            max_size=request.form.get("max_size"),
            max_per_department=request.form.get("max_per_department"),
            allow_private_sharing=request.form.get("allow_private_sharing") == "yes",
        )
    except circle_settings.SettingsError as error:
        db.session.rollback()
        return _board(slug, 422, settings_errors={error.field: str(error)})
    db.session.commit()
    return _done(slug, "The circle settings are saved.")


@bp.post("/programs/<slug>/circles/new")
@guards.programme_work_required
def form_circle(slug: str):
    program = program_or_404(slug)
    try:
        facilitator_id = parse_id(request.form.get("facilitator_id"))
        member_ids = [parse_id(v) for v in request.form.getlist("member_ids")]
        circle = formation.form_circle(
            program, facilitator_id, member_ids, request.form.get("theme", ""), current_user
        )
    except ValueError as error:
        message = str(error) if isinstance(error, formation.CircleError) else "Choose people."
        return _done(slug, f"No circle formed: {message}", "error", status=422)
    return _done(slug, f"Proposed the circle “{circle.theme}”. Approve it to tell its people.")


@bp.post("/programs/<slug>/circles/<int:circle_id>/<action>")
@guards.programme_work_required
def circle_action(slug: str, circle_id: int, action: str):
    program = program_or_404(slug)
    if action not in ("approve", "move"):
        raise NotVisible
    try:
        circle = formation.proposed_circle(program, circle_id)
        if action == "approve":
            if request.form.get("confirm") != "yes":
                minutes = max(1, current_app.config["UNDO_WINDOW_SECONDS"] // 60)
                return render(
                    "admin/confirm_circle.html",
                    program=program,
                    circle=circle,
                    undo_minutes=minutes,
                )
            formation.approve(circle, current_user)
            told = localtime(circle.opens_at, "%H:%M")
            return _done(
                slug, f"Approved the circle. Its people are told at {told} unless you undo."
            )
        if action == "move":
            move = formation.move_member(
                program,
                parse_id(request.form.get("stint_id")),
                parse_id(request.form.get("to_circle_id")),
                current_user,
            )
            return _done(
                slug,
                f"Moved {move.name}: fit {move.before:.0f} → {move.after:.0f} "
                f"({move.change:+.0f}).",
            )
    except ValueError as error:
        message = str(error) if isinstance(error, formation.CircleError) else "Choose a circle."
        return _done(slug, f"Not done: {message}", "error", status=422)
    raise NotVisible
