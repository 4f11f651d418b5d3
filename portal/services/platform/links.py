"""Links to Horizon's own pages from services (notices, digests): built from the URL map by
endpoint name, never written by hand, and without a request (the worker has none).
E-mails use `mail.external_url`, which adds the configured base URL."""

from __future__ import annotations

from flask import current_app


def path_for(endpoint: str, **values) -> str:
    """The site-relative path of a page, e.g. ``/pairings/7/schedule``."""
    return current_app.url_map.bind("localhost").build(endpoint, values)
