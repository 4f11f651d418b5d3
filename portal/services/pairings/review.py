"""A pair's year in review: what the person may see of the year, gathered through access."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import Pairing, User
from portal.models.guide import ClosingReflection
from portal.models.journal import JournalEntry
from portal.models.kickoff import Goal
from portal.models.meetings import Meeting
from portal.models.practice import CheckIn, Practice
from portal.services import access


@dataclass
class GoalLine:
    goal: Goal
    first: str
    last: str
    steps: list[int]


@dataclass
class YearInReview:
    pairing: Pairing
    meetings: list[Meeting]
    practices: list[tuple[Practice, int]]
    check_ins: int
    goals: list[GoalLine]
    shared_entries: list[JournalEntry]
    reflections: list[tuple[User, JournalEntry | None]] = field(default_factory=list)

    @property
    def meetings_held(self) -> int:
        return sum(1 for m in self.meetings if m.happened)


def year_in_review(user: User, pairing: Pairing) -> YearInReview:
    """Everything here is filtered by the access helpers: private material stays private."""
    pair = (pairing.mentor_id, pairing.mentee_id)
    meetings = list(
        db.session.scalars(
            access.visible_meetings(user)
            .where(Meeting.pairing_id == pairing.id)
            .order_by(Meeting.held_on)
        )
    )
    practices = list(
        db.session.scalars(
            access.visible_practices(user)
            .where(
                Practice.owner_id.in_(pair),
                (Practice.owner_id == user.id)
                | Practice.id.in_(
                    access.practices_shared_in_pairing(user, pairing).with_only_columns(Practice.id)
                ),
            )
            .order_by(Practice.starts_on)
            .limit(200)
        )
    )
    readable = access.visible_check_ins(user).with_only_columns(CheckIn.practice_id)
    counts = dict(
        db.session.execute(
            select(CheckIn.practice_id, func.count(CheckIn.id))
            .where(CheckIn.practice_id.in_([p.id for p in practices] or [0]))
            .where(CheckIn.practice_id.in_(readable))
            .group_by(CheckIn.practice_id)
        ).all()
    )
    goals = list(
        db.session.scalars(
            access.visible_goals(user)
            .where(Goal.pairing_id == pairing.id)
            .options(selectinload(Goal.ratings))
            .order_by(Goal.created_at)
        )
    )
    goal_lines = []
    for goal in goals:
        steps = [rating.progress.step for rating in goal.ratings] or [goal.progress.step]
        first = goal.ratings[0].progress.label if goal.ratings else goal.progress.label
        goal_lines.append(GoalLine(goal, first, goal.progress.label, steps))
    entries = list(
        db.session.scalars(
            access.shared_in_pairing(user, pairing).order_by(JournalEntry.published_at).limit(300)
        )
    )
    reflections = []
    rows = db.session.scalars(
        select(ClosingReflection)
        .where(ClosingReflection.pairing_id == pairing.id)
        .options(selectinload(ClosingReflection.entry))
    )
    by_user = {row.user_id: row for row in rows}
    for person in (pairing.mentee, pairing.mentor):
        row = by_user.get(person.id)
        entry = row.entry if row and access.can_read_entry(user, row.entry) else None
        reflections.append((person, entry))
    reflection_ids = {entry.id for _, entry in reflections if entry}
    return YearInReview(
        pairing=pairing,
        meetings=meetings,
        practices=[(p, counts.get(p.id, 0)) for p in practices],
        check_ins=sum(counts.values()),
        goals=goal_lines,
        shared_entries=[e for e in entries if e.id not in reflection_ids],
        reflections=reflections,
    )
