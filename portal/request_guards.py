"""Input that no view should ever see: NUL bytes, ids beyond the database and huge bodies.

Each guard is one mechanism for every route, so a new view is covered without a line of
its own code.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from sqlalchemy.exc import DataError
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

# The largest value of a 4-byte signed integer column (PostgreSQL INTEGER).
from portal.core.bounds import MAX_DB_INT  # noqa: E402


def _digits_up_to(limit: int) -> str:
    """A regular expression for the decimal numbers 0..limit (no sign, no leading zeros)."""
    text = str(limit)
    options = [rf"\d{{1,{len(text) - 1}}}"]
    for i, digit in enumerate(text):
        if int(digit) > (1 if i == 0 else 0):
            low = 1 if i == 0 else 0
            options.append(rf"{text[:i]}[{low}-{int(digit) - 1}]\d{{{len(text) - i - 1}}}")
    options.append(text)
    return "(?:" + "|".join(options) + ")"


class BoundedIntegerConverter(IntegerConverter):
    """`<int:id>` that never matches a number the database cannot hold, so it answers 404.

    The bound is in the pattern itself: Werkzeug checks methods before converters, so a
    bound checked only in to_python would answer 405 on some routes.
    """

    regex = _digits_up_to(MAX_DB_INT)

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits, min, MAX_DB_INT if max is None else max, signed)


class NulByteInInput(BadRequest):
    description = (
        "Part of what you sent contains a NUL character, which Horizon cannot store. "
        "Remove it (it often comes from pasting binary data) and try again."
    )


def _has_nul(values) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in values.items(multi=True))


def allows_upload(config_key: str):
    """Let one view accept a body up to app.config[config_key] (a documented upload limit)."""

    def decorate(view):
        view.max_content_length = config_key
        return view

    return decorate


def apply_upload_limit() -> None:
    """Raise the body limit for a view that allows a larger upload, before anything parses it."""
    view = current_app.view_functions.get(request.endpoint or "")
    config_key = getattr(view, "max_content_length", None)
    if config_key:
        request.max_content_length = current_app.config[config_key]


def reject_nul_bytes() -> None:
    """Refuse a NUL byte anywhere in the path, the query string or a form field."""
    apply_upload_limit()
    if "\x00" in request.path or _has_nul(request.args):
        raise NulByteInInput()
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and (
        _has_nul(request.form) or any("\x00" in (f.filename or "") for f in request.files.values())
    ):
        raise NulByteInInput()


def init_request_guards(app: Flask) -> None:
    """Install the guards; call before the blueprints are registered."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    # Runs before CSRF and the views: it must be the first before_request function.
    app.before_request_funcs.setdefault(None, []).insert(0, reject_nul_bytes)

    @app.errorhandler(NulByteInInput)
    def nul_byte(error: NulByteInInput):
        from portal.errors import render_error

        return render_error(400, error.description)

    @app.errorhandler(DataError)
    def value_out_of_range(error: DataError):
        # A last line of defence: a value the database refuses is the client's error.
        from portal.errors import render_error
        from portal.extensions import db

        db.session.rollback()
        return render_error(400, "A value you sent is out of range. Check the form and try again.")
