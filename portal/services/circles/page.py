"""The members' side of a circle: its page, and leaving it (docs/circles.md).

Everything is read through ``access``: the page opens to the circle's facilitator and to
everyone who is or was a member (a former member keeps reading what was shared while they
were in it, and nothing new). A member leaves with an optional note that only the
programme team reads; the facilitator cannot remove anyone (the programme team can).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import User, utcnow
from portal.models.circles import Circle, CircleMember
from portal.models.journal import JournalEntry
from portal.models.kickoff import Goal
from portal.models.practice import Practice
from portal.services import access
from portal.services.platform import audit
from portal.services.programmes.holds import ALREADY_DECIDED

NOTE_LIMIT = 2000


class CircleError(ValueError):
    """The step cannot be taken; the message says why."""


@dataclass
class CirclePage:
    circle: Circle
    members: list[User]
    former: list[User]
    entries: list[JournalEntry]
    practices: list[Practice]
    goals: list[Goal]
    is_facilitator: bool
    my_stint: CircleMember | None
    # Shared with one person of this circle: with this person, or by them (access rules).
    private_entries: list[JournalEntry] = field(default_factory=list)
    private_practices: list[Practice] = field(default_factory=list)
    private_goals: list[Goal] = field(default_factory=list)

    @property
    def has_private(self) -> bool:
        return bool(self.private_entries or self.private_practices or self.private_goals)

    @property
    def may_leave(self) -> bool:
        return self.my_stint is not None and self.circle.is_sharable()


def clean_text(text: str | None) -> str:
    """A person's text as it is stored: no NUL bytes, Unix line ends, trimmed."""
    return (text or "").replace("\x00", "").replace("\r\n", "\n").strip()


def own_row(model: type, circle: Circle, user: User, text: str):
    """The person's one row of ``model`` in the circle (an introduction, a reflection), locked
    until the commit, created with ``text`` when there is none. Two first saves at once meet
    the unique constraint on (circle, person): the second reads the first's row."""
    mine = select(model).where(model.circle_id == circle.id, model.user_id == user.id)
    row = db.session.scalar(mine.with_for_update())
    if row is None:
        try:
            with db.session.begin_nested():
                row = model(circle_id=circle.id, user_id=user.id, text=text)
                db.session.add(row)
        except IntegrityError:
            row = db.session.scalar(mine.with_for_update())
    return row


def lock_circle(circle: Circle) -> None:
    """Hold the circle's row as a writer until the commit: two writes in one circle that must
    see each other (a double submit) queue one behind the other. A no-op UPDATE, not SELECT
    ... FOR UPDATE, because SQLite ignores the latter and reads outside a transaction; the
    UPDATE takes PostgreSQL's row lock and SQLite's write lock alike."""
    db.session.execute(
        update(Circle)
        .where(Circle.id == circle.id)
        .values(id=Circle.id)
        .execution_options(synchronize_session=False)
    )


def circle_page(user: User, circle_id: int) -> CirclePage:
    """The circle as this person may see it; NotVisible (404) for everyone else."""
    circle = access.circle_or_404(user, circle_id)
    current = [s for s in circle.stints if s.left_at is None]
    former_ids = {s.user_id for s in circle.stints if s.left_at is not None} - {
        s.user_id for s in current
    }
    former = [s.user for s in circle.stints if s.user_id in former_ids]
    entries = db.session.scalars(
        access.shared_in_circle(user, circle).order_by(JournalEntry.published_at.desc()).limit(50)
    )
    practices = db.session.scalars(
        access.practices_shared_in_circle(user, circle).order_by(Practice.id.desc()).limit(50)
    )
    goals = db.session.scalars(
        access.goals_shared_in_circle(user, circle).order_by(Goal.id.desc()).limit(50)
    )
    mine = next((s for s in current if s.user_id == user.id), None)
    private = access.privately_shared_in_circle(user, circle)
    return CirclePage(
        circle,
        [s.user for s in current],
        list({u.id: u for u in former}.values()),
        list(entries),
        list(practices),
        list(goals),
        circle.facilitator_id == user.id,
        mine,
        list(db.session.scalars(private["entries"].order_by(JournalEntry.id.desc()).limit(50))),
        list(db.session.scalars(private["practices"].order_by(Practice.id.desc()).limit(50))),
        list(db.session.scalars(private["goals"].order_by(Goal.id.desc()).limit(50))),
    )


def leave(user: User, circle_id: int, note: str) -> Circle:
    """End the person's current stint, with a note for the programme team only. Claimed by a
    conditional UPDATE, so a double submit records one leaving."""
    circle = access.circle_or_404(user, circle_id)
    note = (note or "").replace("\x00", "").strip()
    if len(note) > NOTE_LIMIT:
        raise CircleError(f"Keep the note under {NOTE_LIMIT} characters.")
    stint_id = db.session.scalar(
        select(CircleMember.id).where(
            CircleMember.circle_id == circle.id,
            CircleMember.user_id == user.id,
            CircleMember.left_at.is_(None),
        )
    )
    if stint_id is None:
        raise CircleError("You are not a member of this circle now.")
    # Lock the stint before stamping the moment (a write that changes nothing: a row lock on
    # PostgreSQL, the write lock on SQLite): a share with this person that holds the lock
    # finishes first, so the leaving is stamped after it and they keep it (sharing.py).
    db.session.execute(
        update(CircleMember)
        .where(CircleMember.id == stint_id)
        .values(left_at=CircleMember.left_at)
        .execution_options(synchronize_session=False)
    )
    claimed = db.session.execute(
        update(CircleMember)
        .where(CircleMember.id == stint_id, CircleMember.left_at.is_(None))
        .values(left_at=utcnow(), leave_note=note or None)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise CircleError(ALREADY_DECIDED)
    # The audit line names the event, never the note (the team reads it on the circles page).
    audit.record(user, "circle.left", f"{user.name} left a circle", circle.program)
    db.session.commit()
    db.session.expire(circle)
    return circle


def panel(user: User) -> list[Circle]:
    """The dashboard's circles panel: the circles the person reads in, newest first (one
    query; the dashboard asks, this module never imports the dashboard)."""
    query = (
        access.readable_circles(user)
        .options(joinedload(Circle.program))
        .order_by(Circle.approved_at.desc(), Circle.id.desc())
    )
    return list(db.session.scalars(query.limit(20)))


def leave_notes(viewer: User, circle: Circle) -> list[tuple[str, str]]:
    """(name, note) of members who left with a note: for the programme team only."""
    if not access.can_see_leave_note(viewer, circle):
        return []
    return [(s.user.name, s.leave_note) for s in circle.stints if s.left_at and s.leave_note]
