"""A figure: a titled table of numbers that becomes a chart, a data table and a CSV file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from portal.services.insights.exports import SUPPRESSED, to_csv


@dataclass
class Figure:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    # "bar", "line", "hbar" or "" (a table only); which columns the chart draws.
    chart: str = "bar"
    series: list[int] = field(default_factory=list)
    note: str = ""
    empty: str = "Nothing to show yet."

    @property
    def is_empty(self) -> bool:
        return not self.rows

    def csv(self) -> str:
        return to_csv(self.columns, self.rows)

    def chart_values(self, column: int) -> list[float | None]:
        """A column as numbers; suppressed or missing cells leave a gap in the chart."""
        values: list[float | None] = []
        for row in self.rows:
            cell = row[column]
            if isinstance(cell, str) and cell.endswith("%"):
                cell = cell[:-1]
            try:
                values.append(None if cell in (None, "", SUPPRESSED) else float(cell))
            except (TypeError, ValueError):
                values.append(None)
        return values
