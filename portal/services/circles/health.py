"""Circle health for the programme team: aggregates over all the programme's circles only.

A circle is usually under five people, so no figure is ever shown per circle: every figure
here is over the whole programme, and one that describes fewer than five distinct people is
suppressed (``insights.suppression``). Activity is counted from metadata (rows and dates),
never from what anyone wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, union_all

from portal.extensions import db
from portal.models import Program, utcnow
from portal.models.circles import (
    Circle,
    CircleMember,
    CircleStatus,
    EntryCircleAudience,
    PracticeCircleAudience,
)
from portal.models.journal import JournalEntry
from portal.models.practice import Practice
from portal.services.insights import suppression

ACTIVITY_DAYS = 30


@dataclass
class CircleHealth:
    proposed: int
    active: int
    past: int
    members: int | str  # current members of active circles (suppressed under five)
    left: int | str  # members who left an active or past circle
    shared: int | str  # items shared with circles in the last ACTIVITY_DAYS days
    sharers: int | str  # distinct people who shared them


def health(program: Program) -> CircleHealth:
    statuses = dict(
        db.session.execute(
            select(Circle.status, func.count(Circle.id))
            .where(Circle.program_id == program.id)
            .group_by(Circle.status)
        ).all()
    )
    approved = select(Circle.id).where(
        Circle.program_id == program.id, Circle.status != CircleStatus.proposed
    )
    current = db.session.scalar(
        select(func.count(func.distinct(CircleMember.user_id))).where(
            CircleMember.circle_id.in_(
                select(Circle.id).where(
                    Circle.program_id == program.id, Circle.status == CircleStatus.active
                )
            ),
            CircleMember.left_at.is_(None),
        )
    )
    left = db.session.scalar(
        select(func.count(func.distinct(CircleMember.user_id))).where(
            CircleMember.circle_id.in_(approved), CircleMember.left_at.is_not(None)
        )
    )
    since = utcnow() - timedelta(days=ACTIVITY_DAYS)
    entries = (
        select(JournalEntry.author_id.label("person"))
        .join(EntryCircleAudience, EntryCircleAudience.entry_id == JournalEntry.id)
        .where(EntryCircleAudience.circle_id.in_(approved), EntryCircleAudience.created_at >= since)
    )
    practices = (
        select(Practice.owner_id.label("person"))
        .join(PracticeCircleAudience, PracticeCircleAudience.practice_id == Practice.id)
        .where(
            PracticeCircleAudience.circle_id.in_(approved),
            PracticeCircleAudience.created_at >= since,
        )
    )
    shares = union_all(entries, practices).subquery()
    shared, sharers = db.session.execute(
        select(func.count(), func.count(func.distinct(shares.c.person)))
    ).one()
    return CircleHealth(
        proposed=statuses.get(CircleStatus.proposed, 0),
        active=statuses.get(CircleStatus.active, 0),
        past=statuses.get(CircleStatus.completed, 0) + statuses.get(CircleStatus.ended, 0),
        members=suppression.count(current or 0),
        left=suppression.count(left or 0),
        shared=suppression.count(shared or 0, sharers or 0),
        sharers=suppression.count(sharers or 0),
    )
