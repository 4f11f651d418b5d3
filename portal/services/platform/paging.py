"""Pages of long lists.

Admin lists page by number (``paginate``): a lead jumps to page 7 of 12. Lists that grow
without bound for one person (a journal of 5,000 entries) page by key instead: the next
page starts after the last row shown (``after_key``), so page 250 costs what page 1 costs,
where an ``OFFSET`` would read and drop every row before it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, func, select

from portal.core.bounds import parse_id
from portal.extensions import db

PAGE_SIZE = 50


@dataclass
class Page:
    """One page of a list, with what the pager needs."""

    items: list[Any]
    number: int
    total: int
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(math.ceil(self.total / self.size), 1)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first(self) -> int:
        return (self.number - 1) * self.size + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.number * self.size, self.total)


def clean_text(value: Any, limit: int = 100) -> str:
    """Search text from a query string: no control characters (PostgreSQL refuses NUL)."""
    text = "".join(ch for ch in str(value or "") if ch.isprintable() or ch == " ")
    return text.strip()[:limit]


def paginate(stmt: Select, number: int, total: int | None = None) -> Page:
    """One page of the query (the last one when the number is past the end).

    `total`, when the caller knows it (a maintained count), saves counting every row.
    """
    if total is None:
        total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    last = max(math.ceil((total or 0) / PAGE_SIZE), 1)
    number = min(number, last)
    items = list(db.session.scalars(stmt.limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)))
    return Page(items, number, total or 0)


def key_token(moment: date | datetime, ident: int) -> str:
    """The URL form of a row's position in a newest-first list: "<ISO date or time>.<id>"."""
    return f"{moment.isoformat()}.{ident}"


def after_key(token: object, kind: type[date] | type[datetime] = datetime):
    """The (moment, id) a ``key_token`` names, or None for a missing or malformed token.

    Times are naive UTC, as every column stores them; an offset in the token is converted.
    """
    moment_text, _, ident_text = str(token or "").strip().rpartition(".")
    try:
        ident = parse_id(ident_text)
        if kind is date:
            return date.fromisoformat(moment_text), ident
        moment = datetime.fromisoformat(moment_text)
    except (ValueError, OverflowError):
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment, ident
