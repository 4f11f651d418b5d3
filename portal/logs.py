"""JSON logs, one line per event, each with the request id that caused it (also inside jobs).

The id comes from nginx's X-Request-ID (accepted only in a safe shape) or is made here; it is
sent back in the response, handed to every job the request queues (portal/tasks adds it to
the job's kwargs) and set again while the worker runs that job. Log lines carry ids, endpoint
names, counts and durations, never what a participant wrote: messages are written by us and
their arguments are ids and counts (the leak sweep checks captured log output).
"""

from __future__ import annotations

import contextvars
import logging
import re
import sys
import uuid

from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

_JOB_REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "horizon_request_id", default=None
)
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request_id() -> str | None:
    """The id of the request that queued the running job, or of the current request."""
    if job := _JOB_REQUEST_ID.get():
        return job
    return g.get("request_id") if has_request_context() else None


def bind_job_request_id(request_id: str | None) -> contextvars.Token:
    return _JOB_REQUEST_ID.set(request_id)


def reset_job_request_id(token: contextvars.Token) -> None:
    _JOB_REQUEST_ID.reset(token)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


def json_formatter() -> logging.Formatter:
    return JsonFormatter(
        "{asctime}{levelname}{name}{message}{request_id}",
        style="{",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
    )


ACCESS = logging.getLogger("portal.access")


def init_logging(app: Flask) -> None:
    """JSON to stderr when LOG_FORMAT is json (production); plain text otherwise.

    Under tests the handlers are left to pytest (caplog); the request id is still made and
    echoed.
    """
    _request_hooks(app)
    if app.testing:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    if app.config.get("LOG_FORMAT", "text") == "json":
        handler.setFormatter(json_formatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))


def _request_hooks(app: Flask) -> None:
    @app.before_request
    def _request_id() -> None:
        offered = request.headers.get("X-Request-ID", "")
        g.request_id = offered if _SAFE_ID.match(offered) else uuid.uuid4().hex

    @app.after_request
    def _echo(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        # One access line: endpoint and ids only, never a path with user input or a body.
        ACCESS.info(
            "%s %s %s",
            request.method,
            request.endpoint or "unmatched",
            response.status_code,
            extra={"user_id": _user_id()},
        )
        return response


def _user_id() -> int | None:
    """The signed-in person's id if this request already loaded them (no extra query)."""
    return getattr(g.get("_login_user"), "id", None)
