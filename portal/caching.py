"""HTTP caching: ETags on pages and fragments; versioned, long-lived, compressed static files.

- A page or fragment answers with a strong ETag over its body, and an unchanged page costs
  a ``304`` with no body to a client that asks with ``If-None-Match``. Signed-out pages are
  ``Cache-Control: private, no-cache`` (kept, asked again every time); signed-in pages stay
  ``no-store``, because they may hold private text that must not stay in a browser's
  cache. The per-request signature of the CSRF token is left out of the hash: the copy
  the browser holds carries an older token of the same session, which stays valid.
- ``url_for('static', ...)`` adds ``?v=<hash of the file>``. A request with the current
  hash is cached for a year (``immutable``); a changed file gets a new URL.
- CSS, JavaScript and SVG files are sent gzip-compressed to clients that accept it. Pages
  are not compressed here: compressing secrets (the CSRF token) next to reflected text
  opens BREACH; a TLS proxy may choose otherwise.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path

from flask import Flask, Response, current_app, g, request
from flask_login import current_user

YEAR = 365 * 24 * 3600
COMPRESSIBLE = {"text/css", "text/javascript", "application/javascript", "image/svg+xml"}
MIN_COMPRESS_BYTES = 512
# Derived from the files on disk, keyed by path and modification time: never shared state.
_file_hashes: dict[tuple[str, float], str] = {}
_compressed: dict[tuple[str, float], bytes] = {}


# (static folder, file name) -> the resolved file inside the folder. Every page links four
# static files; resolving their paths each time cost more than the rest of url_for.
_resolved: dict[tuple[str, str], Path] = {}


def _static_file(filename: str) -> Path | None:
    folder_name = current_app.static_folder or ""
    path = _resolved.get((folder_name, filename))
    if path is None:
        folder = Path(folder_name)
        path = (folder / filename).resolve()
        if folder.resolve() not in path.parents or not path.is_file():
            return None
        _resolved[(folder_name, filename)] = path
    return path


def static_version(filename: str) -> str | None:
    """The first 12 hex digits of the file's SHA-256, or None for a missing file."""
    path = _static_file(filename)
    if path is None:
        return None
    try:
        key = (str(path), os.stat(path).st_mtime)
    except OSError:  # removed since it was resolved
        _resolved.clear()
        return None
    if key not in _file_hashes:
        _file_hashes[key] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return _file_hashes[key]


def _add_static_version(endpoint: str, values: dict) -> None:
    if endpoint == "static" and "filename" in values and "v" not in values:
        version = static_version(values["filename"])
        if version:
            values["v"] = version


def _cache_static(response: Response) -> Response:
    filename = (request.view_args or {}).get("filename", "")
    current = static_version(filename)
    if current and request.args.get("v") == current:
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    else:
        response.headers["Cache-Control"] = "public, no-cache"
    if response.status_code == 200 and response.mimetype in COMPRESSIBLE:
        _compress_static(response, filename)
    return response


def _compress_static(response: Response, filename: str) -> None:
    response.vary.add("Accept-Encoding")
    if "gzip" not in request.headers.get("Accept-Encoding", "").lower():
        return
    path = _static_file(filename)
    if path is None or path.stat().st_size < MIN_COMPRESS_BYTES:
        return
    key = (str(path), path.stat().st_mtime)
    if key not in _compressed:
        _compressed[key] = gzip.compress(path.read_bytes(), compresslevel=9, mtime=0)
    response.direct_passthrough = False
    response.set_data(_compressed[key])
    response.headers["Content-Encoding"] = "gzip"
    if response.get_etag()[0]:
        # The compressed bytes are another representation: their ETag must differ.
        response.set_etag(f"{response.get_etag()[0]}-gzip")


def _etag_page(response: Response) -> Response:
    if (
        request.method not in {"GET", "HEAD"}
        or response.status_code != 200
        or response.direct_passthrough
        or response.is_streamed
        or response.mimetype != "text/html"
    ):
        return response
    body = response.get_data()
    token = g.get("csrf_token")
    if token:
        body = body.replace(token.encode(), b"")
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    # A signed-in page may hold private text: the browser must not keep it on disk, where
    # the next person at a shared computer could reach it through history. Only pages for
    # signed-out visitors are kept (and revalidated with their ETag).
    signed_in = current_user.is_authenticated
    response.headers["Cache-Control"] = "no-store" if signed_in else "private, no-cache"
    return response.make_conditional(request)


def add_caching_headers(response: Response) -> Response:
    """Static files: versioned lifetime and gzip. Pages and fragments: an ETag and 304s."""
    if request.endpoint == "static":
        return _cache_static(response)
    return _etag_page(response)


def init_caching(app: Flask) -> None:
    app.url_defaults(_add_static_version)
    app.after_request(add_caching_headers)
