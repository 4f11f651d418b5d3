"""Whom an item may be shared with: the author's sharable pairings and circles (form choices).

Every shared item (journal entry, practice) has an audience: the pairings it is shared
in, and the circles (docs/circles.md). This module turns the sharing control of a form
(``visibility`` and ``audience``) into pairing ids (an ``Audience`` also carries circle
ids); ``set_audience`` stores them for either kind of item (the journal and practice
services call it through ``share_entry`` and ``share_practice``), and
``portal.services.access`` decides every read from them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import Pairing, User
from portal.models.circles import Circle, EntryCircleAudience, PracticeCircleAudience
from portal.models.journal import EntryAudience, JournalEntry, Visibility
from portal.models.practice import Practice, PracticeAudience
from portal.services import access

ALL_MENTEES = "all-mentees"
CIRCLE_PREFIX = "circle-"


class Audience(list[int]):
    """The pairing ids an item is shared in, and ``circle_ids``: the circles it is shared
    in. A plain list of pairing ids means no circle. True when either is non-empty."""

    def __init__(self, pairing_ids=(), circle_ids=()) -> None:
        super().__init__(pairing_ids)
        self.circle_ids: tuple[int, ...] = tuple(circle_ids)

    def __bool__(self) -> bool:
        return bool(len(self) or self.circle_ids)


def circle_ids_of(audience: list[int] | None) -> tuple[int, ...]:
    return tuple(getattr(audience, "circle_ids", ()))


class SharingError(ValueError):
    """The item cannot be shared as asked; the message says why (shown beside the field)."""


@dataclass(frozen=True)
class AudienceOption:
    """One choice of a form's ``audience`` field: a pairing, or all current mentees."""

    value: str
    label: str
    pairing_ids: tuple[int, ...]
    circle_ids: tuple[int, ...] = ()


def audience_options(user: User) -> list[AudienceOption]:
    """Whom the user may share with now: one option per sharable pairing, named by the
    partner (and the programme when a name alone is ambiguous), plus "all my current
    mentees" for a mentor of more than one. The newest pairing comes first."""
    pairings = list(
        db.session.scalars(
            access.sharable_pairings(user)
            .options(
                joinedload(Pairing.program), joinedload(Pairing.mentor), joinedload(Pairing.mentee)
            )
            .order_by(Pairing.approved_at.desc(), Pairing.id.desc())
        )
    )
    names = [p.partner_of(user).name for p in pairings]
    options = []
    for pairing, name in zip(pairings, names, strict=True):
        label = f"Shared with {name}"
        if names.count(name) > 1:
            label += f" in {pairing.program.name}"
        options.append(AudienceOption(str(pairing.id), label, (pairing.id,)))
    mentees = tuple(p.id for p in pairings if p.mentor_id == user.id)
    if len(mentees) > 1:
        options.append(AudienceOption(ALL_MENTEES, "Shared with all my current mentees", mentees))
    circles = db.session.scalars(
        access.sharable_circles(user)
        .options(joinedload(Circle.program))
        .order_by(Circle.approved_at.desc(), Circle.id.desc())
    )
    for circle in circles:
        label = f"Shared with the circle “{circle.theme}” in {circle.program.name}"
        options.append(AudienceOption(f"{CIRCLE_PREFIX}{circle.id}", label, (), (circle.id,)))
    return options


def resolve_audience(
    user: User, choice: str | None, already_shared: bool = False
) -> list[int] | None:
    """The pairing ids a "shared" choice means; None keeps an already shared item's audience.

    No choice means the user's one current pairing. Raises SharingError when there is
    nobody to share with, several to choose from, or the choice is not one of the user's.
    """
    options = audience_options(user)
    if choice:
        for option in options:
            if option.value == choice:
                if option.circle_ids:
                    return Audience(option.pairing_ids, option.circle_ids)
                return list(option.pairing_ids)
        raise SharingError("Choose one of your current partners.")
    if already_shared:
        return None
    if not options:
        raise SharingError("You have no current partner to share with.")
    singles = [o for o in options if len(o.pairing_ids) + len(o.circle_ids) == 1]
    if len(singles) == 1:
        if singles[0].circle_ids:
            return Audience((), singles[0].circle_ids)
        return list(singles[0].pairing_ids)
    raise SharingError("Choose whom to share it with.")


def audience_sentence(user: User, pairings: list[Pairing], circles: list[Circle] = ()) -> str:
    """Exactly who reads an item besides its author, for the author:
    "Shared with Marcus in Leadership 2026; nobody else." (a past pairing says so)."""
    names = []
    for pairing in pairings:
        name = f"{pairing.partner_of(user).name} in {pairing.program.name}"
        names.append(f"{name} (past pairing, read-only)" if pairing.is_past else name)
    for circle in circles:
        name = f"the circle “{circle.theme}” in {circle.program.name} (its members then)"
        names.append(f"{name}, past circle, read-only" if circle.is_past else name)
    if not names:
        return "Only you can read it."
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"Shared with {listed}; nobody else."


# Each kind of shared item: its audience table, the table's item column, and who owns it.
_LINKS = {
    JournalEntry: (EntryAudience, "entry_id", "author_id"),
    Practice: (PracticeAudience, "practice_id", "owner_id"),
}
_CIRCLE_LINKS = {JournalEntry: EntryCircleAudience, Practice: PracticeCircleAudience}


def audience_ids(item: JournalEntry | Practice) -> set[int]:
    """The ids of the pairings the item is shared in, past ones included."""
    link, key, _ = _LINKS[type(item)]
    return set(db.session.scalars(select(link.pairing_id).where(getattr(link, key) == item.id)))


def circle_audience_ids(item: JournalEntry | Practice) -> set[int]:
    """The ids of the circles the item is shared in, past ones included."""
    link, key, _ = _LINKS[type(item)]
    circle_link = _CIRCLE_LINKS[type(item)]
    column = getattr(circle_link, key)
    return set(db.session.scalars(select(circle_link.circle_id).where(column == item.id)))


def _set_circles(item: JournalEntry | Practice, owner: User, wanted: set[int]) -> None:
    """Share the item in exactly these of the owner's sharable circles, keeping the rows of
    past circles and of circles the owner left (their readers keep reading)."""
    _, key, _ = _LINKS[type(item)]
    circle_link = _CIRCLE_LINKS[type(item)]
    column = getattr(circle_link, key)
    sharable = set(db.session.scalars(access.sharable_circles(owner).with_only_columns(Circle.id)))
    if not wanted <= sharable:
        raise SharingError("You can only share with a circle you are in now.")
    existing = circle_audience_ids(item)
    stale = (existing & sharable) - wanted
    if stale:
        db.session.execute(
            delete(circle_link).where(column == item.id, circle_link.circle_id.in_(stale))
        )
    for circle_id in sorted(wanted - existing):
        db.session.add(circle_link(**{key: item.id, "circle_id": circle_id}))


def set_audience(item: JournalEntry | Practice, pairing_ids: list[int]) -> list[int]:
    """Share the item in exactly these of its owner's sharable pairings (and the circles of
    an ``Audience``), keeping the rows of past pairings (their partners keep reading); no
    ids makes it private.

    Keeps ``visibility`` in step and returns the pairing ids newly added. The caller commits.
    Raises SharingError for a pairing or circle that is not the owner's sharable one.
    """
    link, key, owner_key = _LINKS[type(item)]
    wanted = set(pairing_ids)
    circles = set(circle_ids_of(pairing_ids))
    if not wanted and not circles:
        clear_audience(item)
        return []
    owner = db.session.get(User, getattr(item, owner_key))
    sharable = set(
        db.session.scalars(access.sharable_pairings(owner).with_only_columns(Pairing.id))
    )
    if not wanted <= sharable:
        raise SharingError("You can only share with a current partner.")
    db.session.flush()
    existing = audience_ids(item)
    stale = (existing & sharable) - wanted
    if stale:
        db.session.execute(
            delete(link).where(getattr(link, key) == item.id, link.pairing_id.in_(stale))
        )
    added = sorted(wanted - existing)
    for pairing_id in added:
        db.session.add(link(**{key: item.id, "pairing_id": pairing_id}))
    _set_circles(item, owner, circles)
    item.visibility = Visibility.shared
    db.session.flush()
    return added


def clear_audience(item: JournalEntry | Practice) -> None:
    """Make the item private: every audience row goes. The caller commits."""
    link, key, _ = _LINKS[type(item)]
    circle_link = _CIRCLE_LINKS[type(item)]
    db.session.flush()
    db.session.execute(delete(link).where(getattr(link, key) == item.id))
    db.session.execute(delete(circle_link).where(getattr(circle_link, key) == item.id))
    item.visibility = Visibility.private
