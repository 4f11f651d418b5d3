"""Your data: download a copy of everything Horizon holds about you, or delete your account."""

from __future__ import annotations

from flask import Response, flash, redirect, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import undefer

from portal.blueprints.common import saving
from portal.blueprints.profile import bp
from portal.blueprints.profile.forms import DeleteAccountForm
from portal.extensions import db
from portal.models.data_rights import DataExport, ErasureMode
from portal.rendering import render
from portal.services import access
from portal.services.accounts import data_rights, end_session


@bp.get("/data")
@login_required
def data():
    ready = set(
        db.session.scalars(access.visible_exports(current_user).with_only_columns(DataExport.id))
    )
    return render("profile/data.html", exports=data_rights.exports_of(current_user), ready=ready)


@bp.post("/data/export")
@login_required
def request_export():
    with saving() as saved:
        data_rights.request_export(current_user)
    if saved:
        flash("We are gathering your data. You will get an e-mail when it is ready.", "success")
    return redirect(url_for("profile.data"), 303)


@bp.get("/data/export/<int:export_id>")
@login_required
def download_export(export_id: int):
    """The zip, to its owner only (anyone else: 404), never cached."""
    export = access.get_visible_or_404(
        access.visible_exports(current_user).options(undefer(DataExport.content)),
        export_id,
        DataExport,
    )
    stamp = export.finished_at.strftime("%Y-%m-%d")
    return Response(
        export.content,
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="horizon-data-{stamp}.zip"',
            "Cache-Control": "no-store",
        },
    )


def _delete_page(form: DeleteAccountForm, status: int = 200):
    return render(
        "profile/delete.html",
        status=status,
        form=form,
        pending=data_rights.pending_erasure(current_user),
        statement=data_rights.STATEMENT,
        always=data_rights.ALWAYS,
        circles=data_rights.CIRCLES,
        circle_phrases=data_rights.circle_summary(data_rights.circle_preview(current_user)),
        modes=ErasureMode,
    )


@bp.get("/delete")
@login_required
def delete_account():
    return _delete_page(DeleteAccountForm())


@bp.post("/delete")
@login_required
def confirm_delete_account():
    form = DeleteAccountForm()
    if form.validate():
        with saving(form) as saved:
            request = data_rights.request_erasure(
                current_user, form.mode.data, password=form.password.data
            )
        if saved:
            when = request.due_at.strftime("%d %B %Y")
            end_session()
            flash(
                f"Your account will be deleted on {when}. Until then you can sign in and "
                "cancel it on your profile.",
                "info",
            )
            return redirect(url_for("auth.login"), 303)
    return _delete_page(form, 422)


@bp.post("/delete/cancel")
@login_required
def cancel_delete_account():
    if data_rights.cancel_erasure(current_user):
        flash("Your account will not be deleted.", "success")
    return redirect(url_for("profile.delete_account"), 303)
