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

from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import Pairing, Program, User, utcnow
from portal.models.circles import (
    Circle,
    CircleMember,
    EntryCircleAudience,
    EntryPrivateShare,
    GoalPrivateShare,
    PracticeCircleAudience,
    PracticePrivateShare,
    allows_private_sharing,
)
from portal.models.journal import EntryAudience, EntryStatus, JournalEntry, Visibility
from portal.models.kickoff import Goal
from portal.models.practice import Practice, PracticeAudience
from portal.services import access
from portal.services.platform.links import path_for
from portal.services.platform.notifications import notify

ALL_MENTEES = "all-mentees"
CIRCLE_PREFIX = "circle-"
# "only-<circle id>-<person id>": shared with that one person of that circle.
PRIVATE_PREFIX = "only-"


class Audience(list[int]):
    """The pairing ids an item is shared in, and ``circle_ids``: the circles it is shared
    in. A plain list of pairing ids means no circle. True when either is non-empty."""

    def __init__(self, pairing_ids=(), circle_ids=(), private_to=None) -> None:
        super().__init__(pairing_ids)
        self.circle_ids: tuple[int, ...] = tuple(circle_ids)
        # (circle id, person id): shared with that one person of the circle, or None.
        self.private_to: tuple[int, int] | None = private_to

    def __bool__(self) -> bool:
        return bool(len(self) or self.circle_ids or self.private_to)


def circle_ids_of(audience: list[int] | None) -> tuple[int, ...]:
    return tuple(getattr(audience, "circle_ids", ()))


def private_to_of(audience: list[int] | None) -> tuple[int, int] | None:
    return getattr(audience, "private_to", None)


class SharingError(ValueError):
    """The item cannot be shared as asked; the message says why (shown beside the field)."""


@dataclass(frozen=True)
class AudienceOption:
    """One choice of a form's ``audience`` field: a pairing, or all current mentees."""

    value: str
    label: str
    pairing_ids: tuple[int, ...]
    circle_ids: tuple[int, ...] = ()
    private_to: tuple[int, int] | None = None  # (circle id, person id)


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
    options.extend(private_options(user))
    return options


def private_options(user: User) -> list[AudienceOption]:
    """ "Only Ana, in the circle “theme”": one option per other person of a circle the user
    may share in now (current members and the facilitator), where the circle's programme
    allows sharing with one person (``allow_private_sharing``). Never a default choice."""
    rows = db.session.execute(
        access.private_mates(user).order_by(None)  # ordered below, by circle and name
    ).all()
    programs = {c.program_id for _, c in rows}
    allowed = {
        p.id
        for p in db.session.scalars(select(Program).where(Program.id.in_(programs)))
        if allows_private_sharing(p.matching)
    }
    options = []
    for person, circle in sorted(rows, key=lambda r: (-r[1].id, r[0].name, r[0].id)):
        if circle.program_id in allowed:
            label = f"Only {person.name}, in the circle “{circle.theme}”"
            value = f"{PRIVATE_PREFIX}{circle.id}-{person.id}"
            options.append(AudienceOption(value, label, (), (), (circle.id, person.id)))
    return options


def parse_private(value: str) -> tuple[int, int] | None:
    """(circle id, person id) of an ``only-<circle>-<person>`` value; None if malformed."""
    circle, _, person = value.removeprefix(PRIVATE_PREFIX).partition("-")
    if not (circle.isdigit() and person.isdigit()) or len(circle) > 9 or len(person) > 9:
        return None
    return int(circle), int(person)


def private_refusal(user: User, circle_id: int, person_id: int) -> str | None:
    """Why the user may not share with this one person of this circle now (None: they may).
    Reads the database as it is now: checked when the form is read and again when saved."""
    if person_id == user.id:
        return "Choose someone else: shared with only yourself is private."
    circle = db.session.get(Circle, circle_id)
    if circle is None or not access.is_sharable_circle(user, circle):
        return "You can share with one person only in a circle you are in now."
    if not allows_private_sharing(circle.program.matching):
        return "Your programme does not allow sharing with one person of a circle."
    person = db.session.get(User, person_id)
    if person is None or not access.is_sharable_circle(person, circle):
        return "That person is not in the circle with you now."
    return None


def resolve_private(user: User, value: str) -> tuple[int, int]:
    """The (circle id, person id) of an ``only-…`` choice; SharingError says why not."""
    target = parse_private(value)
    if target is None:
        raise SharingError("Choose one of the people offered.")
    reason = private_refusal(user, *target)
    if reason:
        raise SharingError(reason)
    return target


def resolve_audience(
    user: User, choice: str | None, already_shared: bool = False
) -> list[int] | None:
    """The pairing ids a "shared" choice means; None keeps an already shared item's audience.

    No choice means the user's one current pairing. Raises SharingError when there is
    nobody to share with, several to choose from, or the choice is not one of the user's.
    """
    if choice and choice.startswith(PRIVATE_PREFIX):
        return Audience((), (), resolve_private(user, choice))
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


def audience_sentence(
    user: User,
    pairings: list[Pairing],
    circles: list[Circle] = (),
    people: list[tuple[User, Circle]] = (),
) -> str:
    """Exactly who reads an item besides its author, for the author:
    "Shared with Marcus in Leadership 2026; nobody else." (a past pairing says so). A person
    it was shared with alone is named with the circle: "Shared with Ana Ruiz (alone, in the
    circle “Leading change”); nobody else: not the facilitator, not the other members."."""
    names = []
    for pairing in pairings:
        name = f"{pairing.partner_of(user).name} in {pairing.program.name}"
        names.append(f"{name} (past pairing, read-only)" if pairing.is_past else name)
    for circle in circles:
        name = f"the circle “{circle.theme}” in {circle.program.name} (its members then)"
        names.append(f"{name}, past circle, read-only" if circle.is_past else name)
    names.extend(_private_name(person, circle) for person, circle in people)
    if not names:
        return "Only you can read it."
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    if people and not pairings and not circles:
        return f"Shared with {listed}; nobody else: {_not_the_others(people)}."
    return f"Shared with {listed}; nobody else."


def _private_name(person: User, circle: Circle) -> str:
    where = f"alone, in the circle “{circle.theme}”"
    if circle.is_past:
        return f"{person.name} ({where}, past circle, read-only)"
    if not access.is_current_in_circle(person, circle):
        return f"{person.name} ({where}; has left the circle and keeps it, read-only)"
    return f"{person.name} ({where})"


def _not_the_others(people: list[tuple[User, Circle]]) -> str:
    if any(person.id == circle.facilitator_id for person, circle in people):
        return "not the other members"
    return "not the facilitator, not the other members"


def audience_choice_of(item: JournalEntry | Practice, options: list[AudienceOption]) -> str:
    """The ``audience`` form value matching a shared item's current audience, or "" when
    none of the options does (say, shared with someone who has left the circle): the form
    then offers "keep it as it is" (``KEEP_AUDIENCE``), so an edit never moves it."""
    if not item.is_shared:
        return ""
    current = audience_ids(item)
    circles = circle_audience_ids(item)
    people = private_share_ids(item)
    for option in options:
        if option.private_to is not None and option.private_to in people:
            return option.value
    matching = [
        o
        for o in options
        if set(o.pairing_ids) <= current
        and set(o.circle_ids) <= circles
        and (o.pairing_ids or o.circle_ids)
    ]
    best = max(matching, key=lambda o: len(o.pairing_ids) + len(o.circle_ids), default=None)
    return best.value if best else ""


# The form's first choice when an item's audience is none of the options: keep it.
KEEP_AUDIENCE = AudienceOption("", "Keep who can read it as it is now", ())


def edit_options(user: User, item: JournalEntry | Practice | None) -> list[AudienceOption]:
    """The audience choices of an item's form: ``audience_options``, with "keep it as it is"
    first when the item is shared with an audience none of them matches."""
    options = audience_options(user)
    if item is not None and item.is_shared and not audience_choice_of(item, options):
        return [KEEP_AUDIENCE, *options]
    return options


def has_private_choice(options: list[AudienceOption]) -> bool:
    return any(o.private_to for o in options)


# Each kind of shared item: its audience table, the table's item column, and who owns it.
_LINKS = {
    JournalEntry: (EntryAudience, "entry_id", "author_id"),
    Practice: (PracticeAudience, "practice_id", "owner_id"),
}
_CIRCLE_LINKS = {JournalEntry: EntryCircleAudience, Practice: PracticeCircleAudience}
# Shared with one person of a circle: (table, its item column, the page the reader opens).
_PRIVATE_LINKS = {
    JournalEntry: (EntryPrivateShare, "entry_id", "a journal entry"),
    Practice: (PracticePrivateShare, "practice_id", "a practice"),
    Goal: (GoalPrivateShare, "goal_id", "a goal"),
}


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
    if not wanted and not circles and not private_to_of(pairing_ids):
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
    set_private_share(item, owner, private_to_of(pairing_ids))
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
    private_link, private_key, _ = _PRIVATE_LINKS[type(item)]
    db.session.execute(delete(private_link).where(getattr(private_link, private_key) == item.id))
    item.visibility = Visibility.private


# --- shared with one person of a circle -------------------------------------------------


def private_share_ids(item: JournalEntry | Practice | Goal) -> set[tuple[int, int]]:
    """(circle id, person id) of everyone the item was shared with alone, past ones included."""
    link, key, _ = _PRIVATE_LINKS[type(item)]
    query = select(link.circle_id, link.reader_id).where(getattr(link, key) == item.id)
    return {(c, r) for c, r in db.session.execute(query)}


def _lock_private_share(item: JournalEntry | Practice | Goal, owner: User, target) -> None:
    """Take the locks that make a share with one person all-or-nothing against the others
    acting at once: the item (two saves of it queue), the programme (its team turning the
    setting off waits, or is seen), the circle, and the two people's current stints (a
    leaving waits, or is seen). Then the refusal is asked again, so what is saved was allowed
    when it was saved."""
    circle_id, person_id = target
    model = type(item)
    # A write that changes nothing takes the item's lock on both databases (a row lock on
    # PostgreSQL; on SQLite the one write lock, before anything below is read).
    db.session.execute(
        update(model)
        .where(model.id == item.id)
        .values(id=model.id)
        .execution_options(synchronize_session=False)
    )
    program_id = select(Circle.program_id).where(Circle.id == circle_id).scalar_subquery()
    db.session.execute(select(Program.id).where(Program.id == program_id).with_for_update())
    db.session.execute(select(Circle.id).where(Circle.id == circle_id).with_for_update())
    db.session.execute(
        select(CircleMember.id)
        .where(
            CircleMember.circle_id == circle_id,
            CircleMember.user_id.in_((owner.id, person_id)),
            CircleMember.left_at.is_(None),
        )
        .with_for_update()
    )
    circle = db.session.get(Circle, circle_id)
    if circle is not None:
        db.session.refresh(circle)  # the stints and status as they are now, under the locks
        db.session.refresh(circle.program)
    reason = private_refusal(owner, circle_id, person_id)
    if reason:
        raise SharingError(reason)


def set_private_share(
    item: JournalEntry | Practice | Goal, owner: User, target: tuple[int, int] | None
) -> bool:
    """Share the item with that one person of that circle (``target``), or with nobody alone
    (None). A row the owner could still choose now (the person is still in a circle the owner
    shares in) goes when another audience is chosen; a row for someone who has left, or in a
    past circle, stays: they keep what was shared with them. Returns True when the person is
    newly added (they are told). Raises SharingError, checked again under locks. The caller
    commits, and rolls back on an error."""
    link, key, kind = _PRIVATE_LINKS[type(item)]
    db.session.flush()
    if target is not None:
        _lock_private_share(item, owner, target)
    existing = private_share_ids(item)
    choosable = {(c.id, p.id) for p, c in db.session.execute(access.private_mates(owner))}
    stale = (existing & choosable) - {target}
    for circle_id, person_id in stale:
        db.session.execute(
            delete(link).where(
                getattr(link, key) == item.id,
                link.reader_id == person_id,
                link.circle_id == circle_id,
            )
        )
    if target is None or target in existing:
        return False
    circle_id, person_id = target
    # One row per item and person (the primary key): sharing again through another circle
    # moves the row to that circle and moment.
    db.session.execute(
        delete(link).where(getattr(link, key) == item.id, link.reader_id == person_id)
    )
    db.session.add(
        link(**{key: item.id, "reader_id": person_id, "circle_id": circle_id}, created_at=utcnow())
    )
    db.session.flush()
    # A draft is its author's alone until published: nobody is told about it yet.
    if not isinstance(item, JournalEntry) or item.status is EntryStatus.published:
        notify(
            person_id,
            "circle_private_shared",
            f"{owner.name} shared {kind} with you alone.",
            _link(item, circle_id),
        )
    return True


def _link(item: JournalEntry | Practice | Goal, circle_id: int) -> str:
    """Where the person it was shared with reads it (a goal lives in its pairing, so the
    circle page lists it for them)."""
    if isinstance(item, JournalEntry):
        return path_for("journal.detail", entry_id=item.id)
    if isinstance(item, Practice):
        return path_for("practice.detail", practice_id=item.id)
    return path_for("circles.circle", circle_id=circle_id)
