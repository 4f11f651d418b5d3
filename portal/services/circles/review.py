"""Closing a circle: each person's closing reflection, and the circle's year in review.

A reflection is written by the facilitator or a current member while the circle is active or
just completed; it is kept private or shared with the circle, and a shared one is read under
the stint rules at the moment it was shared (`access.readable_reflections`). The year in
review counts what this person may see: meetings held, attendance recorded, items shared
with the circle that they read, and the reflections they read (docs/circles.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import User, utcnow
from portal.models.circles import Circle, CircleAttendance, CircleReflection
from portal.services import access
from portal.services.circles.meetings import meetings_of
from portal.services.circles.page import clean_text, own_row

REFLECTION_LIMIT = 4000


class ReflectionError(ValueError):
    """The reflection cannot be saved; the message says why."""


@dataclass
class Review:
    circle: Circle
    meetings_held: int
    attended: int
    attendance_recorded: int
    entries: int
    practices: int
    goals: int
    reflections: list[CircleReflection]
    mine: CircleReflection | None
    may_reflect: bool

    @property
    def shared_items(self) -> int:
        return self.entries + self.practices + self.goals


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def review_of(user: User, circle_id: object) -> Review:
    circle = access.circle_or_404(user, circle_id)
    now = utcnow()
    held = [m for m in meetings_of(user, circle) if m.starts_at <= now]
    rows = (
        db.session.scalars(
            select(CircleAttendance).where(CircleAttendance.meeting_id.in_([m.id for m in held]))
        ).all()
        if held
        else []
    )
    reflections = list(
        db.session.scalars(access.readable_reflections(user, circle).order_by(CircleReflection.id))
    )
    mine = next((r for r in reflections if r.user_id == user.id), None)
    return Review(
        circle,
        len(held),
        sum(1 for r in rows if r.attended),
        len(rows),
        _count(access.shared_in_circle(user, circle)),
        _count(access.practices_shared_in_circle(user, circle)),
        _count(access.goals_shared_in_circle(user, circle)),
        [r for r in reflections if r.shared_at is not None],
        mine,
        access.can_reflect_in_circle(user, circle),
    )


def save_reflection(user: User, circle_id: object, text: str, shared: bool) -> CircleReflection:
    """Write or rewrite the person's one reflection (a unique constraint: two saves at once
    end as one row); sharing records the moment, keeping it private clears it."""
    circle = access.circle_or_404(user, circle_id)
    if not access.can_reflect_in_circle(user, circle):
        raise ReflectionError("Only the facilitator and current members write a reflection here.")
    text = clean_text(text)
    if not text:
        raise ReflectionError("Write your reflection first.")
    if len(text) > REFLECTION_LIMIT:
        raise ReflectionError(f"Keep the reflection under {REFLECTION_LIMIT:,} characters.")
    row = own_row(CircleReflection, circle, user, text)
    now = utcnow()
    row.text = text
    row.updated_at = now
    if not shared:
        row.shared_at = None
    elif row.shared_at is None:
        row.shared_at = now
    db.session.commit()
    return row
