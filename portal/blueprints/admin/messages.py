"""A message from the programme team to a cohort or to the pairs in one health state:
previewed (how many it reaches), then sent as one decision held for the undo window."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user

from portal.blueprints import guards
from portal.blueprints.admin import bp
from portal.blueprints.admin.common import program_or_404
from portal.blueprints.admin.forms import TeamMessageForm
from portal.blueprints.common import field_error, saving
from portal.core.errors import FieldError
from portal.models import utcnow
from portal.rendering import render
from portal.services.programmes import holds
from portal.services.programmes import messages as team_messages


@bp.route("/programs/<slug>/message", methods=["GET", "POST"])
@guards.programme_work_required
def team_message(slug: str):
    program = program_or_404(slug[:80])
    form = TeamMessageForm(formdata=request.form if request.method == "POST" else None)
    form.audience.data = form.audience.data or request.args.get("audience", "everyone")
    preview = None
    if request.method == "POST" and form.validate():
        today = utcnow().date()
        if request.form.get("confirm") != "yes":
            try:
                preview = team_messages.preview(program, form.audience.data, form.text.data, today)
            except FieldError as error:
                field_error(form, error)
        else:
            with saving(form) as saved:
                sent = team_messages.send(
                    program, current_user, form.audience.data, form.text.data, today
                )
            if saved:
                flash(
                    f"Your message goes to {sent.summary} when the undo window closes.", "success"
                )
                return redirect(url_for("admin.team_message", slug=program.slug), 303)
    return render(
        "admin/message.html",
        status=422 if form.errors else 200,
        program=program,
        form=form,
        preview=preview,
        undoable=holds.undoable(current_user, program.id),
    )
