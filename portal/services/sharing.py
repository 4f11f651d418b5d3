"""Whom an item may be shared with: the author's sharable pairings, as form choices.

Every shared item (journal entry, practice) has an audience: the pairings it is shared
in. This module turns the sharing control of a form (``visibility`` and ``audience``) into
pairing ids; ``set_audience`` stores them for either kind of item (the journal and practice
services call it through ``share_entry`` and ``share_practice``), and
``portal.services.access`` decides every read from them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import Pairing, User
from portal.models.journal import EntryAudience, JournalEntry, Visibility
from portal.models.practice import Practice, PracticeAudience
from portal.services import access

ALL_MENTEES = "all-mentees"


class SharingError(ValueError):
    """The item cannot be shared as asked; the message says why (shown beside the field)."""


@dataclass(frozen=True)
class AudienceOption:
    """One choice of a form's ``audience`` field: a pairing, or all current mentees."""

    value: str
    label: str
    pairing_ids: tuple[int, ...]


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
                return list(option.pairing_ids)
        raise SharingError("Choose one of your current partners.")
    if already_shared:
        return None
    if not options:
        raise SharingError("You have no current partner to share with.")
    singles = [o for o in options if len(o.pairing_ids) == 1]
    if len(singles) == 1:
        return list(singles[0].pairing_ids)
    raise SharingError("Choose whom to share it with.")


def audience_sentence(user: User, pairings: list[Pairing]) -> str:
    """Exactly who reads an item besides its author, for the author:
    "Shared with Marcus in Leadership 2026; nobody else." (a past pairing says so)."""
    names = []
    for pairing in pairings:
        name = f"{pairing.partner_of(user).name} in {pairing.program.name}"
        names.append(f"{name} (past pairing, read-only)" if pairing.is_past else name)
    if not names:
        return "Only you can read it."
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"Shared with {listed}; nobody else."


# Each kind of shared item: its audience table, the table's item column, and who owns it.
_LINKS = {
    JournalEntry: (EntryAudience, "entry_id", "author_id"),
    Practice: (PracticeAudience, "practice_id", "owner_id"),
}


def audience_ids(item: JournalEntry | Practice) -> set[int]:
    """The ids of the pairings the item is shared in, past ones included."""
    link, key, _ = _LINKS[type(item)]
    return set(db.session.scalars(select(link.pairing_id).where(getattr(link, key) == item.id)))


def set_audience(item: JournalEntry | Practice, pairing_ids: list[int]) -> list[int]:
    """Share the item in exactly these of its owner's sharable pairings, keeping the rows of
    past pairings (their partners keep reading); no ids makes it private.

    Keeps ``visibility`` in step and returns the pairing ids newly added. The caller commits.
    Raises SharingError for a pairing that is not the owner's sharable one.
    """
    link, key, owner_key = _LINKS[type(item)]
    wanted = set(pairing_ids)
    if not wanted:
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
    item.visibility = Visibility.shared
    db.session.flush()
    return added


def clear_audience(item: JournalEntry | Practice) -> None:
    """Make the item private: every audience row goes. The caller commits."""
    link, key, _ = _LINKS[type(item)]
    db.session.flush()
    db.session.execute(delete(link).where(getattr(link, key) == item.id))
    item.visibility = Visibility.private
