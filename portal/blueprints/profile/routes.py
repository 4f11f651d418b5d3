"""Your profile: time zone, what partners may see, and your private calendar feed."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, url_for
from flask_login import current_user, login_required

from portal.blueprints.common import saving
from portal.blueprints.profile import bp
from portal.blueprints.profile.forms import ProfileForm
from portal.extensions import db
from portal.models import utcnow
from portal.rendering import render, wants_fragment
from portal.services.accounts import profiles
from portal.services.pairings import schedule as calendar_service
from portal.services.pairings.mail import base_url

FEED_ID = "calendar-feed"


def _page(status: int = 200, form: ProfileForm | None = None):
    profile = profiles.profile_of(current_user)
    if form is None:
        form = ProfileForm(formdata=None, obj=profile, timezone=current_user.timezone)
    token = profile.feed_token
    feed_url = f"{base_url()}{url_for('profile.feed', token=token)}" if token else None
    return render(
        "profile/index.html",
        "profile/_calendar_feed.html",
        fragment_id=FEED_ID,
        status=status,
        form=form,
        feed_url=feed_url,
    )


@bp.get("/")
@login_required
def index():
    return _page()


@bp.post("/")
@login_required
def save():
    form = ProfileForm()
    if form.validate():
        show = {name for name in ("bio", "hopes", "offers") if form[f"show_{name}"].data}
        with saving(form) as saved:
            profiles.save_profile(
                current_user,
                timezone=form.timezone.data or "",
                bio=form.bio.data or "",
                hopes=form.hopes.data or "",
                offers=form.offers.data or "",
                show=show,
            )
        if saved:
            flash("Your profile is saved.", "success")
            return redirect(url_for("profile.index"), 303)
    return _page(422, form)


def _feed_changed(message: str):
    db.session.commit()
    if wants_fragment(FEED_ID):
        return _page()
    flash(message, "success")
    return redirect(url_for("profile.index") + "#calendar-feed", 303)


@bp.post("/calendar/renew")
@login_required
def renew_feed():
    """A new secret address; calendar apps subscribed to the old one stop receiving updates."""
    profiles.renew_feed_token(current_user)
    return _feed_changed(
        "Your calendar feed has a new address. Subscribe to it in your calendar app."
    )


@bp.post("/calendar/revoke")
@login_required
def revoke_feed():
    profiles.revoke_feed_token(current_user)
    return _feed_changed("Your calendar feed is switched off.")


@bp.get("/calendar/<token>.ics")
def feed(token: str):
    """The private feed a calendar app subscribes to; a wrong or revoked token is a 404."""
    owner = profiles.user_for_feed_token(token)
    if owner is None:
        abort(404)
    return Response(
        calendar_service.feed(owner, utcnow()),
        mimetype="text/calendar",
        headers={"Cache-Control": "private, no-store"},
    )
