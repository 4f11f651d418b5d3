"""Office-hours figures: conversations held and missed, their ratings and topics.

The one home of these numbers: the lead's choosing page, the programme analytics page (the
"office_hours" and "office_hours_topics" figures) and the dashboard panel read them from here,
in one query whatever the number of programmes. Never a question, never a name.

The small-group rule (suppression.py) counts the distinct people who booked: held or missed
describing fewer than 5 people is shown as "fewer than 5", and then neither the total booked
nor any share is shown (either would give the hidden count back); the mean rating needs 5
distinct raters; a topic heard from fewer than 5 people is hidden, and one more with it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, select

from portal.extensions import db
from portal.models import Program, User
from portal.models.office_hours import BookingStatus, OfficeHourBooking, OfficeHourSlot
from portal.services import access
from portal.services.insights import suppression
from portal.services.insights.figures import Figure

HELD, MISSED = "Held", "Booked but missed"


@dataclass(frozen=True)
class OfficeHoursFigures:
    """One programme's (or several programmes') office hours, after suppression."""

    outcomes: suppression.Breakdown[str]  # HELD and MISSED, with their total (booked)
    mean_rating: float | None
    raters: int | str
    topics: suppression.Breakdown[str]

    @property
    def held(self) -> int | str:
        return self.outcomes.shown(HELD)

    @property
    def missed(self) -> int | str:
        return self.outcomes.shown(MISSED)

    @property
    def missed_share(self) -> str:
        return self.outcomes.rate(MISSED)

    @property
    def any(self) -> bool:
        return self.outcomes.total != 0


@dataclass(frozen=True)
class _Conversation:
    program_id: int
    status: BookingStatus
    booker_id: int
    rating: int | None
    topics: str


def _conversations(program_ids: list[int] | Select) -> list[_Conversation]:
    """Held and missed conversations of the programmes (a list of ids, or a subquery)."""
    if isinstance(program_ids, list) and not program_ids:
        return []
    rows = db.session.execute(
        select(
            OfficeHourSlot.program_id,
            OfficeHourBooking.status,
            OfficeHourBooking.booker_id,
            OfficeHourBooking.rating,
            OfficeHourSlot.topics,
        )
        .join(OfficeHourSlot, OfficeHourSlot.id == OfficeHourBooking.slot_id)
        .where(
            OfficeHourSlot.program_id.in_(program_ids),
            OfficeHourBooking.status.in_([BookingStatus.held, BookingStatus.missed]),
        )
    ).all()
    return [_Conversation(*row) for row in rows]


def summarise(conversations: Iterable[_Conversation]) -> OfficeHoursFigures:
    """The figures of some conversations, suppressed by the one rule."""
    conversations = list(conversations)
    counts = {HELD: 0, MISSED: 0}
    people: dict[str, set[int]] = {HELD: set(), MISSED: set()}
    topic_counts: dict[str, int] = defaultdict(int)
    topic_people: dict[str, set[int]] = defaultdict(set)
    ratings: list[int] = []
    raters: set[int] = set()
    for c in conversations:
        cell = HELD if c.status is BookingStatus.held else MISSED
        counts[cell] += 1
        people[cell].add(c.booker_id)
        if cell is not HELD:
            continue
        if c.rating is not None:
            ratings.append(c.rating)
            raters.add(c.booker_id)
        for topic in {t.strip().casefold() for t in (c.topics or "").split(",") if t.strip()}:
            topic_counts[topic] += 1
            topic_people[topic].add(c.booker_id)
    everyone = {c.booker_id for c in conversations}
    held_people = people[HELD]
    ordered = sorted(topic_counts, key=lambda t: (-topic_counts[t], t))
    return OfficeHoursFigures(
        outcomes=_outcomes(counts, people, everyone),
        mean_rating=suppression.mean(sum(ratings) / len(ratings) if ratings else None, len(raters)),
        raters=suppression.count(len(raters)),
        topics=suppression.breakdown(
            {t: topic_counts[t] for t in ordered},
            {t: len(topic_people[t]) for t in ordered},
            total_people=len(held_people),
        ),
    )


def _outcomes(
    counts: dict[str, int], people: dict[str, set[int]], everyone: set[int]
) -> suppression.Breakdown[str]:
    """Held and missed, each hidden below 5 people. The total (booked) and both shares are
    shown only when both are: beside a hidden cell, either would give it back."""
    cells = {key: suppression.count(n, len(people[key])) for key, n in counts.items()}
    hidden = any(v == suppression.SUPPRESSED for v in cells.values())
    total = None if hidden or suppression.is_small(len(everyone)) else sum(counts.values())
    return suppression.Breakdown(
        {key: None if v == suppression.SUPPRESSED else v for key, v in cells.items()}, total
    )


def figures(programs: list[Program]) -> OfficeHoursFigures:
    """All these programmes' office hours together."""
    return summarise(_conversations([p.id for p in programs]))


def by_programme(programs: list[Program]) -> dict[int, OfficeHoursFigures]:
    """Each programme's own figures, in one query; programmes without any are left out."""
    grouped: dict[int, list[_Conversation]] = defaultdict(list)
    for conversation in _conversations([p.id for p in programs]):
        grouped[conversation.program_id].append(conversation)
    return {program_id: summarise(rows) for program_id, rows in grouped.items()}


def outcome_figure(data: OfficeHoursFigures) -> Figure:
    """The analytics page's "Office hours" figure: held and missed, with their shares."""
    figure = Figure(
        "office_hours",
        "Office hours",
        ["Conversation", "Count", "Share"],
        series=[1],
        empty="No office hour has taken place yet.",
    )
    if data.any:
        figure.rows = [
            [key, data.outcomes.shown(key), data.outcomes.rate(key)] for key in (HELD, MISSED)
        ]
        rating = f"{data.mean_rating} of 5" if data.mean_rating is not None else "not shown"
        figure.note = (
            f"Mean rating of held conversations: {rating} (shown from 5 people who rated; "
            f"people who rated: {data.raters})."
        )
    return figure


def topics_figure(data: OfficeHoursFigures) -> Figure:
    """The analytics page's topics of held office hours (as the mentors stated them)."""
    figure = Figure(
        "office_hours_topics",
        "Office-hours topics",
        ["Topic", "Conversations held"],
        chart="hbar",
        series=[1],
        empty="No held office hour has a topic yet.",
    )
    for topic in data.topics.cells:
        figure.rows.append([topic, data.topics.shown(topic)])
    return figure


def panel(user: User) -> list[tuple[Program, OfficeHoursFigures]]:
    """The dashboard's office-hours panel: each programme the user runs (admin or lead) that
    has had office hours, with its suppressed figures; nothing for anyone else."""
    # One query for anyone who runs nothing (the programmes they run is a subquery).
    run = access.run_programs(user).with_only_columns(Program.id)
    grouped: dict[int, list[_Conversation]] = defaultdict(list)
    for conversation in _conversations(run):
        grouped[conversation.program_id].append(conversation)
    if not grouped:
        return []
    programs = db.session.scalars(
        select(Program).where(Program.id.in_(list(grouped))).order_by(Program.name)
    )
    return [(p, summarise(grouped[p.id])) for p in programs]
