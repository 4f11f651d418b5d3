"""Template filters and globals shared by every page."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Flask, current_app
from flask_login import current_user
from markupsafe import Markup

from portal.core.text import count_words, plural
from portal.core.time import in_zone, short_date, utcnow
from portal.services.platform.markdown import excerpt


def to_local(value: datetime | None) -> datetime | None:
    """A stored naive-UTC datetime in the signed-in user's time zone."""
    if value is None:
        return None
    if current_user and current_user.is_authenticated:
        return in_zone(value, current_user.zone)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def localtime(value: datetime | None, fmt: str = "%-d %b %Y, %H:%M") -> str:
    local = to_local(value)
    return local.strftime(fmt) if local else ""


def localdate(value: date | datetime | None, fmt: str = "%-d %b %Y") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    return value.strftime(fmt)


# Named styles for `shortdate`: the year is added only when it is not this year.
DATE_STYLES = {"short": "%-d %b", "long": "%-d %B", "day": "%a %-d %b", "weekday": "%A %-d %B"}


def shortdate(value: date | datetime | None, style: str = "short") -> str:
    """'6 Dec' this year, '24 Aug 2025' otherwise, in the viewer's calendar (stored naive-UTC
    times are converted; an aware time, e.g. in a partner's zone, is shown as it is)."""
    if value is None:
        return ""
    if isinstance(value, datetime) and value.tzinfo is None:
        value = to_local(value)
    today = to_local(utcnow()).date()
    return short_date(value, today, DATE_STYLES[style])


def timeago(value: datetime | None) -> Markup:
    """A <time> element with the exact local time as its title and a relative label."""
    if value is None:
        return Markup("")
    seconds = (datetime.now(UTC).replace(tzinfo=None) - value).total_seconds()
    if seconds < 60:
        label = "just now"
    elif seconds < 3600:
        label = f"{int(seconds // 60)} min ago"
    elif seconds < 86400:
        label = f"{int(seconds // 3600)} h ago"
    elif seconds < 86400 * 7:
        days = int(seconds // 86400)
        label = f"{count_words(days, 'day')} ago"
    else:
        label = localdate(value)
    # Whole seconds: the HTML standard allows at most three fractional digits.
    iso = value.replace(tzinfo=UTC, microsecond=0).isoformat()
    return Markup('<time datetime="{}" title="{}">{}</time>').format(iso, localtime(value), label)


# The header navigation; an entry shows once its blueprint exists (and, for admin, to admins).
NAVIGATION = [
    ("dashboard.index", "Dashboard", False),
    ("journal.index", "Journal", False),
    ("practice.index", "Practice", False),
    ("pairings.index", "Meetings", False),
    ("programs.index", "Programs", False),
    ("admin.index", "Admin", True),
]


def navigation() -> list[tuple[str, str]]:
    """The (endpoint, label) pairs the signed-in person's header shows."""
    if not current_user.is_authenticated:
        return []
    from portal.services.access import leads_any_program

    # Programme leads reach the admin pages of their own programmes.
    runs = current_user.is_portal_admin or leads_any_program(current_user)
    return [
        (endpoint, label)
        for endpoint, label, admin_only in NAVIGATION
        if endpoint in current_app.view_functions and (runs or not admin_only)
    ]


def field_attrs(field, hint: str | None = None, autocomplete: str | None = None) -> dict:
    """ARIA attributes that tie a form field to its hint and its errors."""
    described = [f"{field.id}-hint"] if hint else []
    attrs: dict[str, str] = {}
    if field.errors:
        described.append(f"{field.id}-error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if autocomplete:
        attrs["autocomplete"] = autocomplete
    return attrs


def init_templating(app: Flask) -> None:
    app.add_template_filter(localtime)
    app.add_template_filter(localdate)
    app.add_template_filter(shortdate)
    app.add_template_filter(excerpt)
    app.add_template_filter(timeago)
    app.add_template_filter(plural)
    app.add_template_global(field_attrs)
    from portal.services.accounts.settings import sso_settings

    app.add_template_global(sso_settings, "company_sign_in")  # the sign-in page's buttons

    @app.context_processor
    def layout_globals() -> dict:
        from portal.services.platform.notifications import unread_count

        def unread_notifications() -> int:
            # Lazy, so a fragment that shows no badge costs no query.
            return unread_count(current_user) if current_user.is_authenticated else 0

        return {
            "navigation": navigation,
            "unread_notifications": unread_notifications,
            "notification_poll_seconds": current_app.config["NOTIFICATION_POLL_SECONDS"],
        }
