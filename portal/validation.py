"""Reusable bounds for form input: dates within a sensible range, ids the database can hold."""

from __future__ import annotations

from datetime import date, timedelta

import wtforms
from wtforms.validators import ValidationError

from portal.request_guards import MAX_DB_INT

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


def add_days(day: date, days: int) -> date:
    """`day + days`, stopping at the first or last date Python knows instead of overflowing.

    Dates are bounded on input, but a page must still open for a date stored before that.
    """
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def date_in_range(form, field) -> None:
    """Refuse a date outside 2000-01-01 .. 2099-12-31 (year 9999 breaks date arithmetic)."""
    if field.data and not EARLIEST_DATE <= field.data <= LATEST_DATE:
        raise ValidationError(
            f"Choose a date between {EARLIEST_DATE:%-d %B %Y} and {LATEST_DATE:%-d %B %Y}."
        )


class DateField(wtforms.DateField):
    """A date field bounded to 2000-01-01 .. 2099-12-31, so every date stays usable."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, [*(validators or []), date_in_range], **kwargs)


class IntegerField(wtforms.IntegerField):
    """An integer field that refuses numbers beyond a database integer with a field error."""

    def pre_validate(self, form) -> None:
        if self.data is not None and not -MAX_DB_INT <= self.data <= MAX_DB_INT:
            raise ValidationError("That number is far too large.")
