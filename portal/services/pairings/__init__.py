"""Kick-off and rhythm of a pairing: meet your partner, the agreement, goals, planned meetings."""

from __future__ import annotations

from datetime import date

from portal.core.errors import FieldError

# Date fields accept only this range (the same bounds as portal.core.bounds).
EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)


class KickoffError(FieldError):
    """Bad input for one form field of this domain; nothing was written."""


def no_nul(value):
    """Drop NUL characters, which PostgreSQL text cannot hold, instead of failing on them."""
    return value.replace("\x00", "") if isinstance(value, str) else value
