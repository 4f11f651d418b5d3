"""Bounds for input: dates within a sensible range, ids the database can hold, page numbers."""

from __future__ import annotations

from datetime import date

# The largest id (and integer) a database column holds on both SQLite and PostgreSQL.
MAX_DB_INT = 2**31 - 1

EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)
# Far beyond any real list; a larger page number would only overflow the query's OFFSET.
MAX_PAGE = 100_000


def parse_id(value: object) -> int:
    """A positive database id from form or query text; ValueError for anything else."""
    text = str(value if value is not None else "").strip()
    if not text.isdecimal() or len(text) > 10 or not 0 < int(text) <= MAX_DB_INT:
        raise ValueError("that is not a valid choice")
    return int(text)


def optional_id(value: object) -> int | None:
    """A database id, or None for an empty or impossible value (a WTForms filter/coerce)."""
    try:
        return parse_id(value)
    except ValueError:
        return None


def page_number(value: object) -> int:
    """A page number from the query string, clamped to 1..MAX_PAGE."""
    text = str(value or "").strip()
    if not text.isdecimal():
        return 1
    return max(1, min(int(text[:7]), MAX_PAGE))
