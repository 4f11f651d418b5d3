"""Erase a person on their behalf (portal admins): a request made to the privacy office.

The page states the outcome first (what goes, what partners keep as "Former participant"),
in counts; the admin confirms by typing the person's address (docs/data_rights.md).
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user

from portal.blueprints import guards
from portal.blueprints.admin import bp
from portal.blueprints.admin.forms import EraseForm
from portal.blueprints.common import saving
from portal.models import User
from portal.models.data_rights import ErasureMode
from portal.rendering import render
from portal.services import access
from portal.services.accounts import data_rights, find_by_email


@bp.get("/people/erase")
@guards.admin_required
def find_person_to_erase():
    """Find the person by address (a GET form); a match goes to their erase page."""
    email = request.args.get("email", "").replace("\x00", "")[:320]
    person = find_by_email(email) if email else None
    if person is not None and person.erased_at is None:
        return redirect(url_for("admin.erase_person", user_id=person.id))
    return render("admin/erase_find.html", email=email, not_found=bool(email))


def _page(person: User, form: EraseForm, status: int = 200):
    return render(
        "admin/erase.html",
        status=status,
        person=person,
        form=form,
        preview=data_rights.erasure_preview(person),
        steps=data_rights.ADMIN_STEPS,
        statement=data_rights.ADMIN_STATEMENT,
        always=data_rights.ADMIN_ALWAYS,
        circles=data_rights.ADMIN_CIRCLES,
        modes=ErasureMode,
    )


@bp.get("/people/<int:user_id>/erase")
@guards.admin_required
def erase_person(user_id: int):
    person = access.get_visible_or_404(access.erasable_people(current_user), user_id, User)
    return _page(person, EraseForm())


@bp.post("/people/<int:user_id>/erase")
@guards.admin_required
def confirm_erase_person(user_id: int):
    person = access.get_visible_or_404(access.erasable_people(current_user), user_id, User)
    form = EraseForm()
    if form.validate():
        with saving(form) as saved:
            data_rights.erase_for(person, form.mode.data, form.email.data, current_user)
        if saved:
            flash("The account is erased. The audit log records it, without the name.", "success")
            return redirect(url_for("admin.find_person_to_erase"), 303)
    return _page(person, form, 422)
