"""The notification list, the header badge it polls, and marking things read."""

from flask import redirect, url_for
from flask_login import current_user, login_required

from portal.blueprints.notifications import bp
from portal.extensions import db
from portal.models import Notification, utcnow
from portal.rendering import is_local_url, render, wants_fragment
from portal.services import access
from portal.services.platform import notifications as service


def _list_page():
    return render(
        "notifications/index.html",
        "notifications/_list.html",
        fragment_id="notification-list",
        notifications=service.latest(current_user, limit=100),
    )


@bp.get("/")
@login_required
def index():
    return _list_page()


@bp.get("/badge")
@login_required
def badge():
    """Polled by the header through htmx; it is a fragment on its own."""
    return render("notifications/_badge.html", unread=service.unread_count(current_user))


@bp.post("/read")
@login_required
def mark_all_read():
    service.mark_all_read(current_user)
    if wants_fragment("notification-list"):
        return _list_page()
    return redirect(url_for("notifications.index"), 303)


@bp.post("/<int:notification_id>/open")
@login_required
def open_notification(notification_id: int):
    """Mark one notification read and follow its link."""
    notification = access.get_visible_or_404(
        access.visible_notifications(current_user), notification_id, Notification
    )
    notification.read_at = notification.read_at or utcnow()
    db.session.commit()
    target = notification.link if is_local_url(notification.link) else None
    return redirect(target or url_for("notifications.index"), 303)
