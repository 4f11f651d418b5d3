"""Pages of long admin lists: a page number from the query string, and one page of a query."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

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


def paginate(stmt: Select, number: int) -> Page:
    """One page of the query (the last one when the number is past the end)."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    last = max(math.ceil((total or 0) / PAGE_SIZE), 1)
    number = min(number, last)
    items = list(db.session.scalars(stmt.limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)))
    return Page(items, number, total or 0)
