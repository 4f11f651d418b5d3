"""CSV exports that a spreadsheet cannot turn into formulas, and small-group suppression."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from portal.services.insights import suppression
from portal.services.insights.suppression import MIN_PEOPLE, SUPPRESSED, is_small  # noqa: F401
from portal.services.platform.csv_files import neutralise

# The suppression rule lives in suppression.py; these names stay for existing callers.
MIN_GROUP = MIN_PEOPLE


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A CSV document (CRLF line ends, as RFC 4180 says) with every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return buffer.getvalue()


def suppress(count: int | None, people: int | None = None) -> int | str | None:
    """A count describing fewer than 5 people is shown as "fewer than 5"."""
    return suppression.count(count, people)
