"""Small-group suppression: the one rule for every insights page, chart and CSV, and the guide.

What it protects is what the programme team cannot see one by one: survey answers and
ratings, HR outcomes (ROI), and breakdowns by department or other attributes.

1. A figure describing fewer than `MIN_PEOPLE` distinct people (not answers: five ratings by
   one mentor are one person) is shown as "fewer than 5". Zero is shown: "nobody" names no one.
2. Complementary suppression: a suppressed cell must not be worked back by subtraction. When
   one cell of a breakdown is suppressed and its total is shown, a second cell (the smallest
   shown one) is suppressed too; when there is no second cell, the total is. A total that
   itself describes fewer than `MIN_PEOPLE` people is suppressed.
3. A rate is shown only beside a shown count and a shown total: "20%" beside "fewer than 5"
   gives the count back as soon as the total is known.

Figures about pairs that the team already sees one by one in the pairs list (health counts,
days to a first meeting) are not protected by this rule (docs/insights.md).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

MIN_PEOPLE = 5
SUPPRESSED = "fewer than 5"

K = TypeVar("K", bound=Hashable)


def is_small(people: int | None) -> bool:
    """True when a figure would describe between one and four people."""
    return people is not None and 0 < people < MIN_PEOPLE


def count(value: int | None, people: int | None = None) -> int | str | None:
    """A single count, or "fewer than 5" when it describes too few people."""
    if value is None:
        return None
    return SUPPRESSED if is_small(value if people is None else people) else value


def mean(value: float | None, people: int, digits: int = 1) -> float | None:
    """A mean over `people` distinct people, or None when they are too few to show it."""
    if value is None or people < MIN_PEOPLE:
        return None
    return round(float(value), digits)


def rate(part: int, whole: int, part_people: int | None = None, whole_people=None) -> str:
    """A percentage, shown only when neither its part nor its whole is suppressed."""
    if is_small(part if part_people is None else part_people):
        return "–"
    if is_small(whole if whole_people is None else whole_people) or not whole:
        return "–"
    return f"{part / whole * 100:.0f}%"


@dataclass(frozen=True)
class Breakdown(Generic[K]):
    """A breakdown after suppression: None marks a suppressed cell or total."""

    cells: dict[K, int | None]
    total: int | None

    def shown(self, key: K) -> int | str:
        value = self.cells[key]
        return SUPPRESSED if value is None else value

    @property
    def shown_total(self) -> int | str:
        return SUPPRESSED if self.total is None else self.total

    def rate(self, key: K) -> str:
        """The cell's share of the total, only where both are shown; otherwise a dash."""
        value = self.cells[key]
        if value is None or self.total is None:
            return "–"
        return f"{value / self.total * 100:.0f}%" if self.total else "–"

    @property
    def suppressed(self) -> set[K]:
        return {key for key, value in self.cells.items() if value is None}


def breakdown(
    counts: Mapping[K, int],
    people: Mapping[K, int] | None = None,
    *,
    total_people: int | None = None,
) -> Breakdown[K]:
    """Suppress the small cells of a breakdown, then enough others that none can be derived.

    `counts` are what the cells show; `people` the distinct people behind each cell (the
    counts themselves when each counted thing is one person). `total_people` is the distinct
    people behind the total, when one person may sit in several cells.
    """
    people = counts if people is None else people
    total = sum(counts.values())
    everyone = sum(people.values()) if total_people is None else total_people
    hidden = {key for key in counts if is_small(people.get(key, 0))}
    total_hidden = is_small(everyone)
    if len(hidden) == 1 and not total_hidden:
        others = sorted(
            (key for key in counts if key not in hidden),
            key=lambda key: (counts[key], list(counts).index(key)),
        )
        if others:
            hidden.add(others[0])
        else:
            total_hidden = True
    cells = {key: (None if key in hidden else value) for key, value in counts.items()}
    return Breakdown(cells, None if total_hidden else total)
