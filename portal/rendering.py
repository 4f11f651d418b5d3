"""One route, two renderings: a fragment for a targeted htmx request, the page otherwise."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import make_response, redirect, render_template, request
from flask.typing import ResponseReturnValue


def is_local_url(target: str | None) -> bool:
    """True for a path on this site, so redirects never leave it."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def wants_fragment(fragment_id: str | None = None) -> bool:
    """True for an htmx request that targets a fragment, not a boosted page load."""
    htmx = getattr(request, "htmx", None)
    if not htmx or htmx.boosted or htmx.history_restore_request:
        return False
    return fragment_id is None or htmx.target in (None, fragment_id)


def render(
    page: str,
    fragment: str | None = None,
    *,
    fragment_id: str | None = None,
    status: int = 200,
    **context: Any,
) -> ResponseReturnValue:
    """Render the fragment to a targeted htmx request and the full page to anything else.

    The page template includes the fragment, so both renderings share one context and
    cannot drift apart.
    """
    template = fragment if fragment and wants_fragment(fragment_id) else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def hx_redirect_or(url: str, plain_status: int = 303) -> ResponseReturnValue:
    """Send an htmx caller to a new page with HX-Redirect; anyone else with a redirect."""
    if getattr(request, "htmx", None) and not request.htmx.boosted:
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, plain_status)
