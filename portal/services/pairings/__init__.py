"""Kick-off and rhythm of a pairing: meet your partner, the agreement, goals, planned meetings."""

from __future__ import annotations

from datetime import date

# Date fields accept only this range (a shared validator replaces it at merge).
EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)


class KickoffError(Exception):
    """Bad input for one form field; nothing was written."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def no_nul(value):
    """Drop NUL characters, which PostgreSQL text cannot hold, instead of failing on them."""
    return value.replace("\x00", "") if isinstance(value, str) else value
