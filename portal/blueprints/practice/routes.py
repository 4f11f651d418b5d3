"""Practices: the list, a new practice, its page with check-ins and comments, closing it."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from portal.blueprints.common import saving
from portal.blueprints.practice import bp
from portal.blueprints.practice.forms import (
    CheckInForm,
    CloseForm,
    CommentForm,
    PracticeForm,
    fill_source_choices,
    practice_values,
    prefill,
)
from portal.core.time import local_today
from portal.extensions import db
from portal.models.practice import CommentKind, Practice, PracticeStatus
from portal.rendering import render, wants_fragment
from portal.services import access
from portal.services import practice as service
from portal.services.practice import PracticeError

ACTIVITY_ID = "practice-activity"


def _visible_or_404(practice_id: int) -> Practice:
    return access.get_visible_or_404(access.visible_practices(current_user), practice_id, Practice)


def _owned_or_403(practice_id: int) -> Practice:
    practice = _visible_or_404(practice_id)
    if not access.can_edit_practice(current_user, practice):
        abort(403)
    return practice


@bp.get("/")
@login_required
def index():
    today = local_today(current_user)
    listing = service.practice_list(current_user, today, older=request.args.get("older"))
    return render("practice/index.html", listing=listing, today=today)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = PracticeForm()
    library = service.library_for(current_user)
    fill_source_choices(form, current_user)
    if request.method == "GET":
        template = service.template_for(current_user, request.args.get("template", type=int))
        prefill(form, template, local_today(current_user))
    elif form.validate_on_submit():
        with saving(form) as saved:
            values = practice_values(form, library)
            practice = service.create_practice(current_user, **values)
        if saved:
            flash("Your practice is set. Check in each time you do it.", "success")
            return redirect(url_for("practice.detail", practice_id=practice.id), 303)
    status = 422 if form.errors else 200
    return render("practice/new.html", form=form, library=library, status=status)


@bp.route("/<int:practice_id>/edit", methods=["GET", "POST"])
@login_required
def edit(practice_id: int):
    practice = _owned_or_403(practice_id)
    form = PracticeForm(obj=practice)
    fill_source_choices(form, current_user, practice)
    if form.validate_on_submit():
        with saving(form) as saved:
            service.update_practice(practice, practice_values(form, []))
        if saved:
            flash("Your changes are saved.", "success")
            return redirect(url_for("practice.detail", practice_id=practice.id), 303)
    status = 422 if form.errors else 200
    return render("practice/edit.html", form=form, practice=practice, status=status)


def _detail_page(practice: Practice, status: int = 200, **forms):
    today = local_today(current_user)
    forms.setdefault("checkin_form", CheckInForm(formdata=None))
    forms.setdefault("comment_form", CommentForm(formdata=None))
    forms.setdefault("close_form", CloseForm(formdata=None))
    return render(
        "practice/detail.html",
        "practice/_activity.html",
        fragment_id=ACTIVITY_ID,
        status=status,
        view=service.practice_detail(current_user, practice),
        today=today,
        is_owner=practice.owner_id == current_user.id,
        audience_line=(
            service.audience_line(practice) if practice.owner_id == current_user.id else ""
        ),
        encouragements=service.ENCOURAGEMENTS,
        **forms,
    )


def _after_post(practice: Practice, **forms):
    """htmx gets the refreshed activity fragment; a plain form goes back to the page."""
    if wants_fragment(ACTIVITY_ID):
        return _detail_page(practice, **forms)
    return redirect(url_for("practice.detail", practice_id=practice.id), 303)


@bp.get("/<int:practice_id>")
@login_required
def detail(practice_id: int):
    return _detail_page(_visible_or_404(practice_id))


@bp.post("/<int:practice_id>/check-ins")
@login_required
def check_in(practice_id: int):
    practice = _owned_or_403(practice_id)
    form = CheckInForm()
    if form.validate():
        with saving(form) as saved:
            service.check_in(practice, current_user, form.note.data or "", form.day.data)
        if saved:
            # The fragment shows it too (and horizon.js announces it): the same words either way.
            flash("Checked in. Well done.", "success")
            return _after_post(practice)
    return _detail_page(practice, status=422, checkin_form=form)


@bp.post("/<int:practice_id>/comments")
@login_required
def comment(practice_id: int):
    practice = _visible_or_404(practice_id)
    if not access.can_comment_on_practice(current_user, practice):
        abort(403)
    form = CommentForm()
    if form.validate():
        cheer = form.kind.data == CommentKind.encouragement
        kind = CommentKind.encouragement if cheer else CommentKind.comment
        try:
            service.add_comment(practice, current_user, form.body.data, kind, form.check_in_id.data)
            db.session.commit()
            flash("Encouragement sent." if cheer else "Comment added.", "success")
            return _after_post(practice)
        except PracticeError as error:
            db.session.rollback()
            form.body.errors.append(str(error))
    return _detail_page(practice, status=422, comment_form=form)


@bp.post("/<int:practice_id>/close")
@login_required
def close(practice_id: int):
    practice = _owned_or_403(practice_id)
    form = CloseForm()
    if not form.validate():
        return _detail_page(practice, status=422, close_form=form)
    service.close_practice(practice, PracticeStatus(form.outcome.data), form.reflection.data)
    entry = service.reflection_to_journal(practice) if form.to_journal.data else None
    db.session.commit()
    flash(f"“{practice.title}” is marked {practice.status.value}.", "success")
    if entry is not None:
        flash("Your reflection is now a private journal entry.", "info")
    return redirect(url_for("practice.detail", practice_id=practice.id), 303)


@bp.post("/<int:practice_id>/reopen")
@login_required
def reopen(practice_id: int):
    practice = _owned_or_403(practice_id)
    service.reopen_practice(practice)
    db.session.commit()
    return redirect(url_for("practice.detail", practice_id=practice.id), 303)


@bp.post("/<int:practice_id>/journal")
@login_required
def to_journal(practice_id: int):
    """Turn the reflection into a private journal entry and open it."""
    practice = _owned_or_403(practice_id)
    if not practice.is_closed:
        abort(409)
    try:
        entry = service.reflection_to_journal(practice)
    except PracticeError as error:
        flash(str(error), "error")
        return redirect(url_for("practice.detail", practice_id=practice.id), 303)
    db.session.commit()
    flash("Your reflection is now a private journal entry.", "success")
    return redirect(url_for("journal.detail", entry_id=entry.id), 303)


@bp.post("/<int:practice_id>/visibility")
@login_required
def visibility(practice_id: int):
    """Share a private practice with the partner, or make a shared one private again."""
    practice = _owned_or_403(practice_id)
    shared = request.form.get("visibility") == "shared"
    try:
        service.set_practice_visibility(practice, shared, request.form.get("audience"))
    except PracticeError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("practice.detail", practice_id=practice.id), 303)
    db.session.commit()
    flash("Shared with your partner." if shared else "Now private: only you see it.", "info")
    return redirect(url_for("practice.detail", practice_id=practice.id), 303)
