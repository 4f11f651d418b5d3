"""A circle's meeting prep page and its agenda (docs/circles.md).

The prep page gathers, for the person reading it, what was shared with the circle since the
last meeting that started: entries, practices with their recent check-ins, goals' progress and
the comments written in the circle. Everything is read through ``access`` (the stint rules), so
two people of one circle may see different pages: a later joiner never sees what came before
them.

The agenda mirrors a pair's (services/pairings/meetings.py, whose `agenda_text` rule it uses):
the facilitator and current members add short points for the next meeting; the person who
added an open point may take it off; after a meeting has started, the facilitator marks the
points the circle covered, and the others are carried over to the next meeting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import joinedload

from portal.core.errors import NotAllowed, NotVisible
from portal.core.time import local_today
from portal.extensions import db
from portal.models import User, utcnow
from portal.models.circles import (
    Circle,
    CircleAgendaPoint,
    CircleComment,
    CircleMeeting,
    EntryCircleAudience,
)
from portal.models.journal import JournalEntry
from portal.services import access
from portal.services.circles.meetings import meetings_of
from portal.services.circles.page import lock_circle
from portal.services.pairings.goals import GoalSince
from portal.services.pairings.meetings import (
    PrepPractice,
    agenda_text,
    carried_over_message,
    newest_shared,
    practices_since,
    prep_practices,
)
from portal.services.practice import PracticeError

AgendaError = PracticeError  # a message for the field `text`


@dataclass
class CirclePrep:
    """The next meeting's prep, as one person of the circle may see it."""

    circle: Circle
    today: date
    viewer_id: int
    next_meeting: CircleMeeting | None
    last_meeting: CircleMeeting | None  # the last one that started
    entries: list[JournalEntry] = field(default_factory=list)  # the newest PREP_ENTRIES
    entry_count: int = 0
    practices: list[PrepPractice] = field(default_factory=list)
    goals: list[GoalSince] = field(default_factory=list)
    comments: list[CircleComment] = field(default_factory=list)
    agenda: list[CircleAgendaPoint] = field(default_factory=list)
    may_add: bool = False  # the facilitator or a current member of an active circle
    may_cover: bool = False  # the facilitator, once a meeting has started

    @property
    def since(self) -> datetime | None:
        return self.last_meeting.starts_at if self.last_meeting else None

    @property
    def check_in_count(self) -> int:
        return sum(len(item.check_ins) for item in self.practices)

    def carried_over(self, point: CircleAgendaPoint) -> bool:
        """An open point added before the last meeting began: it was not covered there."""
        return self.since is not None and point.created_at < self.since


def _meetings(user: User, circle: Circle, now: datetime):
    planned = meetings_of(user, circle)
    started = [m for m in planned if m.starts_at <= now]
    upcoming = [m for m in planned if m.starts_at > now]
    return (upcoming[0] if upcoming else None), (started[-1] if started else None)


def open_agenda(user: User, circle: Circle) -> list[CircleAgendaPoint]:
    """The points not yet covered that this person reads, oldest first."""
    query = (
        access.circle_agenda_points(user, circle)
        .where(CircleAgendaPoint.covered_meeting_id.is_(None))
        .options(joinedload(CircleAgendaPoint.author))
        .order_by(CircleAgendaPoint.created_at, CircleAgendaPoint.id)
    )
    return list(db.session.scalars(query))


def prep_for(user: User, circle_id: object, now: datetime | None = None) -> CirclePrep:
    """Gather the prep page in a fixed number of queries; NotVisible (404) outside the circle."""
    circle = access.circle_or_404(user, circle_id)
    now = now or utcnow()
    today = local_today(user)
    upcoming, last = _meetings(user, circle, now)
    prep = CirclePrep(circle, today, user.id, upcoming, last)
    since_at = prep.since or datetime.min

    prep.entries, prep.entry_count = newest_shared(
        access.entries_read_in_circle(user, circle).where(
            EntryCircleAudience.created_at >= since_at
        ),
        EntryCircleAudience.created_at.desc(),
        JournalEntry.id.desc(),
    )
    practices, check_ins = practices_since(
        user, access.practices_read_in_circle(user, circle), since_at, today
    )
    prep.comments = list(
        db.session.scalars(
            access.circle_comments(user, circle)
            .where(CircleComment.created_at >= since_at)
            .options(
                joinedload(CircleComment.author),
                joinedload(CircleComment.entry),
                joinedload(CircleComment.practice),
            )
            .order_by(CircleComment.created_at, CircleComment.id)
        )
    )
    since_day = prep.since.date() if prep.since else None
    prep.practices = prep_practices(practices, check_ins, prep.comments, since_day)

    for goal in db.session.scalars(access.goals_shared_in_circle(user, circle)):
        before = [r for r in goal.ratings if since_day is not None and r.rated_on <= since_day]
        prep.goals.append(GoalSince(goal, before[-1].progress if before else None, goal.progress))

    prep.agenda = open_agenda(user, circle)
    prep.may_add = access.is_sharable_circle(user, circle)
    prep.may_cover = prep.may_add and circle.facilitator_id == user.id and last is not None
    return prep


def add_point(user: User, circle_id: object, text: str) -> CircleAgendaPoint:
    """Add a point for the next meeting; the same open point from the same person again (a
    double submit) is the one already there."""
    circle = access.circle_or_404(user, circle_id)
    if not access.is_sharable_circle(user, circle):
        raise AgendaError("Only the circle's facilitator and current members add points.", "text")
    text = agenda_text(text)
    lock_circle(circle)
    same = db.session.scalar(
        select(CircleAgendaPoint).where(
            CircleAgendaPoint.circle_id == circle.id,
            CircleAgendaPoint.author_id == user.id,
            CircleAgendaPoint.covered_meeting_id.is_(None),
            CircleAgendaPoint.text == text,
        )
    )
    if same is not None:
        db.session.commit()
        return same
    point = CircleAgendaPoint(circle_id=circle.id, author_id=user.id, text=text)
    db.session.add(point)
    db.session.commit()
    return point


def remove_point(user: User, circle_id: object, point_id: int) -> None:
    """Only the person who added an open point takes it off the agenda (a conditional
    DELETE: a point covered meanwhile stays). NotVisible if this person cannot read it."""
    circle = access.circle_or_404(user, circle_id)
    point = db.session.scalar(
        access.circle_agenda_points(user, circle).where(CircleAgendaPoint.id == point_id)
    )
    if point is None:
        raise NotVisible
    if point.author_id != user.id or not access.is_sharable_circle(user, circle):
        raise NotAllowed("not yours to remove")
    gone = db.session.execute(
        delete(CircleAgendaPoint)
        .where(
            CircleAgendaPoint.id == point.id,
            CircleAgendaPoint.author_id == user.id,
            CircleAgendaPoint.covered_meeting_id.is_(None),
        )
        .execution_options(synchronize_session=False)
    )
    if gone.rowcount != 1:
        db.session.rollback()
        raise AgendaError("That point was covered meanwhile; it stays in the record.", "text")
    db.session.commit()


def cover(
    user: User, circle_id: object, meeting_id: int | None, covered: set[int]
) -> tuple[int, int]:
    """The facilitator marks the points covered at a meeting that has started; the open points
    not marked are carried over to the next meeting. Each point is claimed by a conditional
    UPDATE, so a stale or repeated form covers nothing twice. Returns (covered, carried)."""
    circle = access.circle_or_404(user, circle_id)
    if circle.facilitator_id != user.id or not access.is_sharable_circle(user, circle):
        raise AgendaError("Only the facilitator marks what the circle covered.", "covered")
    meeting = next((m for m in meetings_of(user, circle) if m.id == meeting_id), None)
    if meeting is None:
        raise AgendaError("Choose the meeting the points were covered at.", "covered")
    if meeting.starts_at > utcnow():
        raise AgendaError("Mark points covered once the meeting has started.", "covered")
    lock_circle(circle)
    done = 0
    if covered:
        done = db.session.execute(
            update(CircleAgendaPoint)
            .where(
                CircleAgendaPoint.circle_id == circle.id,
                CircleAgendaPoint.id.in_(sorted(covered)),
                CircleAgendaPoint.covered_meeting_id.is_(None),
            )
            .values(covered_meeting_id=meeting.id)
            .execution_options(synchronize_session=False)
        ).rowcount
    db.session.commit()
    carried = db.session.scalar(
        select(func.count(CircleAgendaPoint.id)).where(
            CircleAgendaPoint.circle_id == circle.id,
            CircleAgendaPoint.covered_meeting_id.is_(None),
        )
    )
    return done, carried or 0


def covered_message(done: int, carried: int) -> str:
    points = "point" if done == 1 else "points"
    said = f"{done} agenda {points} marked covered."
    return f"{said} {carried_over_message(carried)}" if carried else said
