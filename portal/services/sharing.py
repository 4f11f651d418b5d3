"""Whom an item may be shared with: the author's sharable pairings, as form choices.

Every shared item (journal entry, practice) has an audience: the pairings it is shared
in. This module turns the sharing control of a form (``visibility`` and ``audience``) into
pairing ids; the journal and practice services store them (``share_entry``,
``share_practice``) and ``portal.services.access`` decides every read from them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import Pairing, User
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


# Demo data is written row by row, like old data: it gets its audience the way migration
# 0017_relationship_audiences gave existing rows theirs (see docs/sharing.md).
DEMO_AUDIENCES = [
    "UPDATE pairings SET opens_at = approved_at "
    "WHERE opens_at IS NULL AND approved_at IS NOT NULL AND status <> 'proposed'",
    "INSERT INTO entry_audiences (entry_id, pairing_id, created_at) "
    "SELECT e.id, p.id, e.created_at FROM journal_entries e "
    "JOIN pairings p ON (p.mentor_id = e.author_id OR p.mentee_id = e.author_id) "
    "WHERE e.visibility = 'shared' AND p.status IN ('active', 'completed', 'ended') "
    "AND p.approved_at IS NOT NULL AND p.approved_at <= e.created_at "
    "AND (p.ended_at IS NULL OR p.ended_at > e.created_at)"
    " AND NOT EXISTS (SELECT 1 FROM closing_reflections r WHERE r.entry_id = e.id)"
    " AND NOT EXISTS (SELECT 1 FROM entry_audiences a WHERE a.entry_id = e.id)",
    "INSERT INTO entry_audiences (entry_id, pairing_id, created_at) "
    "SELECT e.id, r.pairing_id, e.created_at FROM closing_reflections r "
    "JOIN journal_entries e ON e.id = r.entry_id WHERE e.visibility = 'shared' "
    "AND NOT EXISTS (SELECT 1 FROM entry_audiences a WHERE a.entry_id = e.id)",
    "INSERT INTO practice_audiences (practice_id, pairing_id, created_at) "
    "SELECT x.id, p.id, x.created_at FROM practices x "
    "JOIN pairings p ON (p.mentor_id = x.owner_id OR p.mentee_id = x.owner_id) "
    "WHERE x.visibility = 'shared' AND p.status IN ('active', 'completed', 'ended') "
    "AND p.approved_at IS NOT NULL AND p.approved_at <= x.created_at "
    "AND (p.ended_at IS NULL OR p.ended_at > x.created_at)"
    " AND NOT EXISTS (SELECT 1 FROM practice_audiences a WHERE a.practice_id = x.id)",
]


def fill_demo_audiences() -> None:
    """Give the demo's shared rows the audience they were written in; the caller commits."""
    db.session.flush()
    for statement in DEMO_AUDIENCES:
        db.session.execute(text(statement))
