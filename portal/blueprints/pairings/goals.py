"""Meet your partner, the agreement, goals and meeting planning, under /pairings/<id>/."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from portal.blueprints.common import saving
from portal.blueprints.pairings import bp
from portal.blueprints.pairings.common import (
    GOALS_ID,
    PROGRESS_ID,
    done,
    pairing_or_404,
    small_int,
)
from portal.blueprints.pairings.forms import (
    GoalForm,
    GoalRatingForm,
    LinkPracticeForm,
)
from portal.core.time import local_today
from portal.extensions import db
from portal.models import Pairing
from portal.models.kickoff import Goal
from portal.rendering import render
from portal.services import access
from portal.services.pairings import KickoffError
from portal.services.pairings import goals as goal_service


def _goals_page(pairing: Pairing, status: int = 200, form: GoalForm | None = None):
    form = form or GoalForm(formdata=None)
    form.circle.choices = [("", "No circle"), *goal_service.circle_choices(current_user)]
    return render(
        "pairings/goals.html",
        "pairings/_goals.html",
        fragment_id=GOALS_ID,
        status=status,
        pairing=pairing,
        goals=goal_service.goals_of(current_user, pairing),
        form=form,
        can_write=access.can_work_in_pairing(current_user, pairing),
    )


@bp.get("/<int:pairing_id>/goals")
@login_required
def goals(pairing_id: int):
    return _goals_page(pairing_or_404(pairing_id))


@bp.post("/<int:pairing_id>/goals")
@login_required
def add_goal(pairing_id: int):
    pairing = pairing_or_404(pairing_id, write=True)
    form = GoalForm()
    if form.validate():
        with saving(form) as saved:
            goal_service.add_goal(
                pairing,
                current_user,
                title=form.title.data,
                why=form.why.data or "",
                measure=form.measure.data or "",
                visibility=form.visibility.data,
                today=local_today(current_user),
                circle=(form.circle.data or "")[:40],
            )
        if saved:
            page = lambda: _goals_page(pairing)  # noqa: E731
            return done(
                "pairings.goals", GOALS_ID, page, "The goal is added.", pairing_id=pairing_id
            )
    return _goals_page(pairing, 422, form)


def _goal(pairing: Pairing, goal_id: int, edit: bool = False) -> Goal:
    goal = access.get_visible_or_404(
        access.visible_goals(current_user).where(Goal.pairing_id == pairing.id), goal_id, Goal
    )
    if edit and not (
        access.can_edit_goal(current_user, goal)
        and access.can_work_in_pairing(current_user, pairing)
    ):
        abort(403)
    return goal


def _edit_form(goal: Goal, form: GoalForm | None) -> GoalForm | None:
    """The goal's edit form, with the same circle choices as the add form (its current one
    chosen); only its owner gets one."""
    if not access.can_edit_goal(current_user, goal):
        return form
    if form is None:
        circle = goal_service.circle_choice_of(goal, current_user)
        form = GoalForm(formdata=None, obj=goal, visibility=goal.visibility.value, circle=circle)
    form.circle.choices = [("", "No circle"), *goal_service.circle_choices(current_user)]
    return form


def _goal_page(pairing: Pairing, goal: Goal, status: int = 200, **forms):
    detail = goal_service.goal_detail(current_user, goal)
    link_form = forms.pop("link_form", None) or LinkPracticeForm(formdata=None)
    link_form.practice_id.choices = [
        (p.id, p.title) for p in goal_service.linkable_practices(current_user, goal)
    ]
    return render(
        "pairings/goal.html",
        "pairings/_goal_progress.html",
        fragment_id=PROGRESS_ID,
        status=status,
        pairing=pairing,
        detail=detail,
        points=goal_service.progress_points(detail.ratings),
        rating_form=forms.get("rating_form")
        or GoalRatingForm(formdata=None, progress=goal.progress.value),
        edit_form=_edit_form(goal, forms.get("edit_form")),
        link_form=link_form,
        circle_line=goal_service.circle_line(goal)
        if access.can_edit_goal(current_user, goal)
        else "",
        can_edit=access.can_edit_goal(current_user, goal)
        and access.can_work_in_pairing(current_user, pairing),
    )


@bp.get("/<int:pairing_id>/goals/<int:goal_id>")
@login_required
def goal(pairing_id: int, goal_id: int):
    pairing = pairing_or_404(pairing_id)
    return _goal_page(pairing, _goal(pairing, goal_id))


@bp.post("/<int:pairing_id>/goals/<int:goal_id>/rate")
@login_required
def rate_goal(pairing_id: int, goal_id: int):
    pairing = pairing_or_404(pairing_id, write=True)
    goal = _goal(pairing, goal_id, edit=True)
    form = GoalRatingForm()
    if form.validate():
        with saving(form) as saved:
            goal_service.rate_goal(
                goal, form.progress.data, form.note.data or "", local_today(current_user)
            )
        if saved:
            page = lambda: _goal_page(pairing, goal)  # noqa: E731
            return done(
                "pairings.goal",
                PROGRESS_ID,
                page,
                "Progress noted.",
                pairing_id=pairing_id,
                goal_id=goal_id,
            )
    return _goal_page(pairing, goal, 422, rating_form=form)


@bp.post("/<int:pairing_id>/goals/<int:goal_id>/edit")
@login_required
def edit_goal(pairing_id: int, goal_id: int):
    pairing = pairing_or_404(pairing_id, write=True)
    goal = _goal(pairing, goal_id, edit=True)
    form = GoalForm()
    if form.validate():
        with saving(form) as saved:
            goal_service.edit_goal(
                goal,
                title=form.title.data,
                why=form.why.data or "",
                measure=form.measure.data or "",
                visibility=form.visibility.data,
                circle=(form.circle.data or "")[:40] if "circle" in request.form else None,
            )
        if saved:
            flash("The goal is saved.", "success")
            return redirect(url_for("pairings.goal", pairing_id=pairing_id, goal_id=goal_id), 303)
    return _goal_page(pairing, goal, 422, edit_form=form)


@bp.post("/<int:pairing_id>/goals/<int:goal_id>/practices")
@login_required
def link_practice(pairing_id: int, goal_id: int):
    """Say that one of your own practices serves this goal."""
    pairing = pairing_or_404(pairing_id, write=True)
    goal = _goal(pairing, goal_id, edit=True)
    form = LinkPracticeForm()
    try:
        goal_service.link_practice(goal, current_user, small_int(request.form.get("practice_id")))
    except KickoffError as error:
        db.session.rollback()
        form.practice_id.errors = [str(error)]
        return _goal_page(pairing, goal, 422, link_form=form)
    db.session.commit()
    flash("The practice now serves this goal.", "success")
    return redirect(url_for("pairings.goal", pairing_id=pairing_id, goal_id=goal_id), 303)


@bp.post("/<int:pairing_id>/goals/<int:goal_id>/practices/<int:practice_id>/delete")
@login_required
def unlink_practice(pairing_id: int, goal_id: int, practice_id: int):
    pairing = pairing_or_404(pairing_id, write=True)
    goal = _goal(pairing, goal_id, edit=True)
    try:
        goal_service.unlink_practice(goal, current_user, practice_id)
    except PermissionError:
        abort(404)
    db.session.commit()
    flash("The practice no longer serves this goal.", "success")
    return redirect(url_for("pairings.goal", pairing_id=pairing_id, goal_id=goal_id), 303)
