"""Talk in a circle: comments written in it on shared entries and practices (the between-
session encouragement), and each person's introduction (docs/circles.md).

Both are read through ``access`` (`circle_comments`, `readable_introductions`): circle
material, for the circle's people under the stint rules, never for admins or leads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal.core.errors import FieldError, NotVisible
from portal.extensions import db
from portal.models import User, utcnow
from portal.models.circles import Circle, CircleComment, CircleIntroduction
from portal.models.journal import JournalEntry
from portal.models.practice import Practice
from portal.services import access
from portal.services.circles.page import clean_text, lock_circle, own_row
from portal.services.platform.links import path_for
from portal.services.platform.notifications import notify

COMMENT_LIMIT = 5000
INTRODUCTION_LIMIT = 1000
# The same comment from the same person on the same item within this time is a double submit.
DOUBLE_SUBMIT = timedelta(minutes=2)
# The page of an item's comments in a circle, by kind of item.
THREAD_ENDPOINTS = {"entries": "circles.entry_thread", "practices": "circles.practice_thread"}


class TalkError(FieldError):
    """Bad input for one form field (``body`` or ``text``); nothing was written."""


@dataclass
class Thread:
    """One shared item with the comments written on it in one circle."""

    circle: Circle
    kind: str  # "entries" or "practices"
    item: JournalEntry | Practice
    comments: list[CircleComment]
    may_comment: bool

    @property
    def title(self) -> str:
        return self.item.title

    @property
    def owner(self) -> User:
        return self.item.author if self.kind == "entries" else self.item.owner


def _item_or_404(user: User, circle: Circle, kind: str, item_id: object):
    """The entry or practice this person reads through the circle, or NotVisible."""
    if kind == "entries":
        query = access.entries_read_in_circle(user, circle).where(JournalEntry.id == item_id)
    elif kind == "practices":
        query = access.practices_read_in_circle(user, circle).where(Practice.id == item_id)
    else:
        raise NotVisible
    item = db.session.scalar(query.limit(1))
    if item is None:
        raise NotVisible
    return item


def _item_filter(kind: str, item_id: int):
    column = CircleComment.entry_id if kind == "entries" else CircleComment.practice_id
    return column == item_id


def thread(user: User, circle_id: object, kind: str, item_id: object) -> Thread:
    circle = access.circle_or_404(user, circle_id)
    item = _item_or_404(user, circle, kind, item_id)
    comments = db.session.scalars(
        access.circle_comments(user, circle)
        .where(_item_filter(kind, item.id))
        .options(joinedload(CircleComment.author))
        .order_by(CircleComment.created_at, CircleComment.id)
    )
    return Thread(
        circle, kind, item, list(comments), access.can_comment_in_circle(user, circle, item)
    )


def comment_counts(user: User, circle: Circle) -> dict[tuple[str, int], int]:
    """(kind, item id) → how many comments in the circle this person reads (the circle page),
    counted by the database."""
    readable = access.circle_comments(user, circle).subquery()
    rows = db.session.execute(
        select(readable.c.entry_id, readable.c.practice_id, func.count()).group_by(
            readable.c.entry_id, readable.c.practice_id
        )
    )
    return {
        ("entries", entry_id) if entry_id else ("practices", practice_id): count
        for entry_id, practice_id, count in rows
    }


def add_comment(user: User, circle_id: object, kind: str, item_id: object, body: str):
    """Comment on an item in the circle, and tell the item's owner (grouped, never quoting).
    The same text again within a moment (a double submit) is the comment already there."""
    circle = access.circle_or_404(user, circle_id)
    item = _item_or_404(user, circle, kind, item_id)
    if not access.can_comment_in_circle(user, circle, item):
        raise TalkError("Only the circle's facilitator and current members comment here.", "body")
    body = clean_text(body)
    if not body:
        raise TalkError("Write a comment first.", "body")
    if len(body) > COMMENT_LIMIT:
        raise TalkError(f"Keep a comment under {COMMENT_LIMIT:,} characters.", "body")
    lock_circle(circle)
    same = db.session.scalar(
        select(CircleComment).where(
            CircleComment.circle_id == circle.id,
            CircleComment.author_id == user.id,
            _item_filter(kind, item.id),
            CircleComment.body == body,
            CircleComment.created_at >= utcnow() - DOUBLE_SUBMIT,
        )
    )
    if same is not None:
        db.session.commit()
        return same
    comment = CircleComment(circle_id=circle.id, author_id=user.id, body=body)
    if kind == "entries":
        comment.entry_id = item.id
    else:
        comment.practice_id = item.id
    db.session.add(comment)
    owner = item.author if kind == "entries" else item.owner
    owner_id = owner.id
    # A former member reads nothing new from the circle: not even that someone commented.
    if owner_id != user.id and access.is_current_in_circle(owner, circle):
        what = "entry" if kind == "entries" else "practice"
        link = path_for(THREAD_ENDPOINTS[kind], circle_id=circle.id, item_id=item.id)
        message = f"{user.name} commented on your {what} in the circle “{circle.theme}”."
        notify(owner_id, "circle_comment", message, link, group=True)
    db.session.commit()
    return comment


# --- introductions --------------------------------------------------------------------------


def introductions(user: User, circle: Circle) -> list[CircleIntroduction]:
    """The introductions this person reads: the facilitator's first, then by name."""
    rows = db.session.scalars(
        access.readable_introductions(user, circle).options(joinedload(CircleIntroduction.user))
    )
    return sorted(rows, key=lambda i: (i.user_id != circle.facilitator_id, i.user.name, i.id))


def save_introduction(user: User, circle_id: object, text: str) -> CircleIntroduction:
    """Write or rewrite the person's one introduction (a unique constraint: two saves at once
    end as one row, the later text kept)."""
    circle = access.circle_or_404(user, circle_id)
    if not access.is_sharable_circle(user, circle):
        raise TalkError(
            "Only the circle's facilitator and current members introduce themselves.", "text"
        )
    text = clean_text(text)
    if not text:
        raise TalkError("Write a few words about yourself first.", "text")
    if len(text) > INTRODUCTION_LIMIT:
        raise TalkError(f"Keep the introduction under {INTRODUCTION_LIMIT:,} characters.", "text")
    row = own_row(CircleIntroduction, circle, user, text)
    row.text = text
    row.updated_at = utcnow()
    db.session.commit()
    return row
