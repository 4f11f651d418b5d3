"""Friendly error pages: one template, a title and a message per status."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError

from portal.core.errors import NotAllowed, NotVisible
from portal.extensions import db


@dataclass(frozen=True)
class ErrorPage:
    status: int
    title: str
    message: str


ERROR_PAGES = {
    page.status: page
    for page in [
        ErrorPage(
            400,
            "That request could not be accepted",
            "The form was sent without a valid security token. Go back, reload the page and "
            "try again: your text is still in the form you came from.",
        ),
        ErrorPage(403, "You cannot do that", "You can see this, but this action is not yours."),
        ErrorPage(
            404, "We could not find that page", "It may have moved, or it is not shared with you."
        ),
        ErrorPage(
            405, "That action is not available here", "This address does not accept that request."
        ),
        ErrorPage(
            413,
            "That was too large to accept",
            "What you sent is larger than Horizon accepts (2 MB for a form, 20 MB for a CSV "
            "file). Nothing was saved. Send less, or split the file, and try again.",
        ),
        ErrorPage(429, "Too many attempts", "Please wait a minute before trying again."),
        ErrorPage(
            500,
            "Something went wrong on our side",
            "We could not finish your request. Please try again in a moment.",
        ),
    ]
}


def render_error(status: int, message: str | None = None):
    page = ERROR_PAGES[status]
    if message:
        page = ErrorPage(status, page.title, message)
    return render_template("errors/error.html", error=page), status


def init_errors(app: Flask) -> None:
    def handler(error):
        status = getattr(error, "code", 500) or 500
        if request.path.startswith("/scim/v2/") or request.path == "/scim/v2":
            from portal.blueprints.scim.routes import http_error

            return http_error(error)  # a SCIM client reads SCIM errors, never an HTML page
        if getattr(error, "response", None) is not None:
            return error.response  # a page made for this error (the sign-in limit's form)
        if status == 500:
            db.session.rollback()  # nothing half-saved survives a crash
        return render_error(status)

    for status in ERROR_PAGES:
        app.register_error_handler(status, handler)

    # Services never abort: they raise these, and every page answers the same way.
    app.register_error_handler(NotVisible, lambda error: render_error(404))
    app.register_error_handler(NotAllowed, lambda error: render_error(403))

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(
            400,
            f"{error.description} Go back, reload the page and try again: your text is still "
            "in the form you came from.",
        )
