"""Company sign-in and provisioning: the settings in use, and the SCIM tokens (portal admins)."""

from __future__ import annotations

from flask import flash, redirect, session, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from portal.blueprints import guards
from portal.blueprints.admin import bp
from portal.blueprints.common import saving
from portal.models.identity import ScimToken
from portal.rendering import render
from portal.services import access
from portal.services.accounts.settings import sso_settings
from portal.services.scim import users as scim

NEW_TOKEN_KEY = "_new_scim_token"  # noqa: S105 (a session key name, not a secret)


class ScimTokenForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[DataRequired("Name the token after the directory."), Length(max=120)],
        description="Which directory uses it, for example “Entra ID production”.",
    )


def _page(form: ScimTokenForm, status: int = 200, new_token: str | None = None):
    return render(
        "admin/identity.html",
        status=status,
        form=form,
        sso=sso_settings(),
        tokens=scim.tokens(access.visible_scim_tokens(current_user)),
        new_token=new_token,
    )


@bp.get("/identity")
@guards.admin_required
def identity():
    # The new token was put in the session by the POST that made it: shown on this one page.
    return _page(ScimTokenForm(), new_token=session.pop(NEW_TOKEN_KEY, None))


@bp.post("/identity/tokens")
@guards.admin_required
def create_scim_token():
    form = ScimTokenForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            token, _row = scim.create_token(form.name.data, created_by=current_user)
        if saved:
            session[NEW_TOKEN_KEY] = token
            return redirect(url_for("admin.identity"), 303)
    return _page(form, 422)


@bp.post("/identity/tokens/<int:token_id>/revoke")
@guards.admin_required
def revoke_scim_token(token_id: int):
    row = access.get_visible_or_404(access.visible_scim_tokens(current_user), token_id, ScimToken)
    with saving() as saved:
        scim.revoke_token(row.id, revoked_by=current_user)
    if saved:
        flash(f"The token “{row.name}” is revoked: the next call with it is refused.", "success")
    return redirect(url_for("admin.identity"), 303)
