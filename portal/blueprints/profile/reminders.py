"""Participants' guide pages: preferences, unsubscribe, surveys, ratings, closing, review."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required

from portal.blueprints.profile import bp
from portal.blueprints.profile.forms import (
    PreferencesForm,
)
from portal.extensions import db
from portal.rendering import render
from portal.services.reminders import preferences
from portal.services.reminders.kinds import MESSAGE_KINDS


@bp.route("/reminders", methods=["GET", "POST"])
@login_required
def reminder_preferences():
    chosen = preferences.all_channels(current_user)
    data = {f"in_app_{k}": c.in_app for k, c in chosen.items()}
    data.update({f"email_{k}": c.email for k, c in chosen.items()})
    form = PreferencesForm(data=data) if request.method == "GET" else PreferencesForm()
    if request.method == "POST" and form.validate():
        for key in MESSAGE_KINDS:
            preferences.set_channels(
                current_user,
                key,
                # News always reaches the person in Horizon; only its e-mail is a choice.
                in_app=form[f"in_app_{key}"].data or MESSAGE_KINDS[key].news,
                email=form[f"email_{key}"].data,
            )
        db.session.commit()
        flash("Your reminder preferences are saved.", "success")
        return redirect(url_for("profile.reminder_preferences"), 303)
    status = 422 if form.errors else 200
    return render("profile/reminders.html", form=form, kinds=MESSAGE_KINDS, status=status)
