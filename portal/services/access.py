"""Who may see what: the one place for every privacy decision in Horizon.

Views never write their own filters. They ask this module for a query of what the
current user may see (``visible_*``) or for a yes/no check (``can_*``), and a denied read
answers 404 through ``get_visible_or_404`` so that nobody can probe what exists.

The rules (docs/sharing.md says them in plain words):
- A person sees their own things.
- A shared item has an audience: the pairings it was shared in. A partner reads it only
  through such a pairing, once that pairing is open (both were told, after the undo
  window), while it is active, and read-only after it completed or ended.
- A proposed pairing, or one still in its undo window, is invisible to both participants.
- A portal admin sees programme structure (programs, memberships, pairings) and counts,
  never the text of anything private.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from flask import g, has_request_context
from sqlalchemy import (
    BindParameter,
    DateTime,
    Integer,
    Select,
    and_,
    bindparam,
    exists,
    false,
    func,
    or_,
    select,
    true,
    union,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import ClauseElement

from portal.core.errors import NotVisible
from portal.extensions import db
from portal.models import (
    Membership,
    MembershipStatus,
    Notification,
    Pairing,
    PairingStatus,
    Program,
    ProgramStatus,
    Role,
    User,
    utcnow,
)
from portal.models.choosing import ChoosingSettings, MatchingMode, MentorRequest
from portal.models.circles import (
    CIRCLE_READABLE_STATUSES,
    Circle,
    CircleAgendaPoint,
    CircleComment,
    CircleIntroduction,
    CircleMember,
    CircleReflection,
    CircleStatus,
    EntryCircleAudience,
    EntryPrivateShare,
    GoalCircleAudience,
    GoalPrivateShare,
    PracticeCircleAudience,
    PracticePrivateShare,
)
from portal.models.enrollment import AuditEvent
from portal.models.journal import (
    EntryAudience,
    EntryComment,
    EntryStatus,
    JournalEntry,
    Visibility,
)
from portal.models.kickoff import Agreement, Goal, GoalRating, PlannedMeeting
from portal.models.leads import ProgramLead
from portal.models.meetings import AgendaPoint, Meeting
from portal.models.office_hours import OfficeHourBooking, OfficeHourSlot
from portal.models.pairings import READABLE_STATUSES, SHARING_STATUSES
from portal.models.practice import CheckIn, Practice, PracticeAudience, PracticeComment

T = TypeVar("T")


# --- statements built once ---------------------------------------------------------------
# The dashboard and the header ask the same access statements on every request. SQLAlchemy
# builds each one (hundreds of Python objects for a rule with audiences and circles) and
# computes its cache key every time: about half the CPU of those statements. `prebuilt`
# builds such a statement once per process, for a stand-in viewer whose id is a bound
# parameter and with the current moment as another; `viewer_params` fills both in when the
# statement runs. The rules are the same functions as everywhere else.

_NOW: ContextVar[Any] = ContextVar("access_now", default=None)
_PREBUILT: dict[Hashable, Any] = {}


def _now() -> Any:
    """The moment the rules compare with: now, or a bound parameter in a prebuilt statement."""
    bound = _NOW.get()
    return utcnow() if bound is None else bound


class _ViewerId(BindParameter):
    """The stand-in viewer's id. Compared in SQL it is a parameter; compared in Python with
    a plain value (``if circle.facilitator_id == user.id``) it would quietly answer False at
    build time for every viewer, so that raises instead."""

    inherit_cache = True

    def operate(self, op: Any, *other: Any, **kwargs: Any) -> Any:
        if op in (operators.eq, operators.ne) and not isinstance(other[0], ClauseElement):
            raise TypeError("a prebuilt access statement cannot compare user.id in Python")
        return super().operate(op, *other, **kwargs)


class _AnyViewer:
    """Stands in for the user while a statement is prebuilt: ``id`` is a bound parameter,
    and the attributes the caller named (``known``) are plain values. Any other attribute
    raises, so a rule that depends on more than that (say ``is_portal_admin``) cannot be
    prebuilt for everyone by mistake."""

    id = _ViewerId("viewer_id", type_=Integer)

    def __init__(self, known: dict[str, Any]) -> None:
        self.__dict__.update(known)

    def __getattr__(self, name: str) -> Any:
        raise TypeError(f"a prebuilt access statement cannot depend on user.{name}")


def prebuilt(key: Hashable, build: Callable[[Any], T], **known: Any) -> T:
    """``build(viewer)``, built once per process and kept under ``key`` (which names every
    choice ``build`` makes, a limit say) and the viewer's ``known`` attributes (say
    ``is_portal_admin=user.is_portal_admin``: one statement for admins, one for the rest).
    Run it with ``viewer_params(user, ...)``; lists go in as ``bindparam(name,
    expanding=True)``."""
    full_key = (key, tuple(sorted(known.items())))
    statement = _PREBUILT.get(full_key)
    if statement is None:
        token = _NOW.set(bindparam("now", type_=DateTime))
        try:
            statement = build(_AnyViewer(known))
        finally:
            _NOW.reset(token)
        _refuse_fixed_moments(statement)
        _PREBUILT[full_key] = statement
    return statement


def _refuse_fixed_moments(statement: Any) -> None:
    """A prebuilt statement lives for the whole process, so a moment written into it at build
    time (``utcnow()`` instead of ``_now()``) would freeze "now" for every later request: an
    undo window would never end, an expired link never expire. Refuse it when it is built."""
    if not isinstance(statement, ClauseElement):
        return
    for name, value in statement.compile(dialect=db.engine.dialect).params.items():
        if isinstance(value, (date, datetime)):
            raise TypeError(f"a prebuilt access statement has a fixed moment ({name}): use _now()")


def viewer_params(user: User, **values: Any) -> dict[str, Any]:
    """The parameters of a prebuilt statement for this user, now, plus ``values``."""
    return {"viewer_id": user.id, "now": utcnow(), **values}


# --- pairings and partners -------------------------------------------------------------
# The relationship is the unit of sharing. A pairing is *readable* by its two partners once
# it is open (both were told, after the undo window) and while it is active, completed or
# ended: they read what was shared in it. It is *sharable* (new material may be shared or
# commented in it) only while it is active. See docs/sharing.md.


def _involves(user: User, pairing: Any = Pairing) -> Any:
    return or_(pairing.mentor_id == user.id, pairing.mentee_id == user.id)


def _open(pairing: Any = Pairing) -> Any:
    return and_(pairing.opens_at.is_not(None), pairing.opens_at <= _now())


def _readable(user: User, pairing: Any = Pairing) -> Any:
    """SQL: ``pairing`` is one the user reads in (involves them, open, not proposed)."""
    return and_(_involves(user, pairing), pairing.status.in_(READABLE_STATUSES), _open(pairing))


def readable_pairings(user: User) -> Select[tuple[Pairing]]:
    """The user's pairings whose shared material they read: open, active, completed or ended."""
    return select(Pairing).where(_readable(user))


def sharable_pairings(user: User) -> Select[tuple[Pairing]]:
    """The user's pairings in which new material may be shared: open and active."""
    return select(Pairing).where(
        _involves(user), Pairing.status == PairingStatus.active, _open(Pairing)
    )


def is_readable_pairing(user: User, pairing: Pairing) -> bool:
    return pairing.involves(user) and pairing.is_readable()


def is_sharable_pairing(user: User, pairing: Pairing) -> bool:
    return pairing.involves(user) and pairing.is_sharable()


def visible_pairings(user: User) -> Select[tuple[Pairing]]:
    """Pairings the user may look at: their own readable ones; an admin sees all."""
    if user.is_portal_admin:
        return select(Pairing)
    return readable_pairings(user)


def sharing_pairings(user: User) -> Select[tuple[Pairing]]:
    """The user's open pairings that are active or completed: the dashboard's partners."""
    return select(Pairing).where(
        _involves(user), Pairing.status.in_(SHARING_STATUSES), _open(Pairing)
    )


def partner_ids(user: User) -> Select[tuple[int]]:
    """A subquery of the ids of everyone the user is paired with in a readable pairing.

    Only a narrowing device: being someone's partner never by itself opens an item, the
    item's audience does (see ``visible_entries``)."""
    live = and_(Pairing.status.in_(READABLE_STATUSES), _open(Pairing))
    as_mentor = select(Pairing.mentee_id).where(Pairing.mentor_id == user.id, live)
    as_mentee = select(Pairing.mentor_id).where(Pairing.mentee_id == user.id, live)
    return select(union(as_mentor, as_mentee).subquery().c[0])


def _self_and_partner_ids(user: User) -> Select[tuple[int]]:
    """The user's own id and their partners' ids: a handful of rows, found by index.

    Filtering ``author_id IN (this)`` at the top level lets the database join this short
    list to an index on the author, instead of testing every row of a large table against
    an ``OR ... IN (subquery)``.
    """
    me = select(User.id).where(User.id == user.id)
    return select(union(me, partner_ids(user), circle_mate_ids(user)).subquery().c[0])


def is_partner(user: User, other_id: int) -> bool:
    """True when the two people are partners in a readable pairing."""
    if user.id == other_id:
        return False
    query = select(Pairing.id).where(
        _readable(user),
        or_(Pairing.mentor_id == other_id, Pairing.mentee_id == other_id),
    )
    return db.session.scalar(query.limit(1)) is not None


def can_view_pairing(user: User, pairing: Pairing) -> bool:
    """Partners of a readable pairing, and admins, may look at it."""
    if user.is_portal_admin:
        return True
    return is_readable_pairing(user, pairing)


def can_work_in_pairing(user: User, pairing: Pairing) -> bool:
    """Only the two partners, while the pairing is sharable, may add material to it."""
    return is_sharable_pairing(user, pairing)


# --- circles ---------------------------------------------------------------------------
# A circle is a relationship like a pairing, with a facilitator and member stints. An item
# shared with a circle carries the moment it was shared (its audience row's created_at).
# It is read by the facilitator and by every person whose stint in that circle covered that
# moment: a member who joins later never reads what came before them, a former member keeps
# what was shared while they were in it and nothing new. Members of one circle read nothing
# of another. Readable: open (after the undo window) and active, completed or ended;
# sharable: open and active, for the facilitator and the current members only.


def _circle_open(circle: Any = Circle) -> Any:
    return and_(circle.opens_at.is_not(None), circle.opens_at <= _now())


def _circle_readable(circle: Any = Circle) -> Any:
    return and_(circle.status.in_(CIRCLE_READABLE_STATUSES), _circle_open(circle))


def _in_circle_at(user_id: Any, circle_id: Any, moment: Any, *correlated: Any) -> Any:
    """SQL EXISTS: ``user_id`` had a stint in the circle that covered ``moment`` (columns of
    the audience row and the item, which the subquery correlates to)."""
    return exists(
        select(CircleMember.id)
        .where(
            CircleMember.circle_id == circle_id,
            CircleMember.user_id == user_id,
            CircleMember.joined_at <= moment,
            or_(CircleMember.left_at.is_(None), CircleMember.left_at > moment),
        )
        .correlate(*correlated)
    )


def _in_circle_ever(user: User, circle: Any = Circle) -> Any:
    """SQL: the user facilitates the circle or has (had) a stint in it."""
    stint = exists(
        select(CircleMember.id).where(
            CircleMember.circle_id == circle.id, CircleMember.user_id == user.id
        )
    )
    return or_(circle.facilitator_id == user.id, stint)


def readable_circles(user: User) -> Select[tuple[Circle]]:
    """Circles the user reads in: facilitated or joined (now or before), open, not proposed."""
    return select(Circle).where(_in_circle_ever(user), _circle_readable())


def sharable_circles(user: User) -> Select[tuple[Circle]]:
    """Circles where the user may share new material: active, open, facilitator or a
    current member."""
    current = exists(
        select(CircleMember.id).where(
            CircleMember.circle_id == Circle.id,
            CircleMember.user_id == user.id,
            CircleMember.left_at.is_(None),
        )
    )
    return select(Circle).where(
        or_(Circle.facilitator_id == user.id, current),
        Circle.status == CircleStatus.active,
        _circle_open(),
    )


def is_readable_circle(user: User, circle: Circle) -> bool:
    query = readable_circles(user).where(Circle.id == circle.id).with_only_columns(Circle.id)
    return db.session.scalar(query) is not None


def is_sharable_circle(user: User, circle: Circle) -> bool:
    query = sharable_circles(user).where(Circle.id == circle.id).with_only_columns(Circle.id)
    return db.session.scalar(query) is not None


def circle_or_404(user: User, circle_id: Any) -> Circle:
    """A circle the user reads in (its page), or 404: admins and leads included, who see
    circles through the programme's admin pages only."""
    circle = db.session.scalar(readable_circles(user).where(Circle.id == circle_id))
    if circle is None:
        raise NotVisible
    return circle


def circle_mate_ids(user: User) -> Select[tuple[int]]:
    """A subquery of the ids of the people the user shares (or shared) a readable circle
    with: a narrowing device only; the item's circle audience and stints decide the read."""
    mine = readable_circles(user).with_only_columns(Circle.id).subquery()
    members = select(CircleMember.user_id).where(CircleMember.circle_id.in_(select(mine.c.id)))
    facilitators = select(Circle.facilitator_id).where(Circle.id.in_(select(mine.c.id)))
    return select(union(members, facilitators).subquery().c[0])


# --- kinds of shared item --------------------------------------------------------------
# Entries, practices and goals are shared the same ways: in pairings, in circles, and with one
# person of a circle. Each kind names its tables once; every rule below takes the kind.


def entry_shared_clause() -> Any:
    """SQL: the entry is published and marked shared (necessary, never sufficient)."""
    return and_(
        JournalEntry.visibility == Visibility.shared,
        JournalEntry.status == EntryStatus.published,
    )


def practice_shared_clause() -> Any:
    """SQL: the practice is marked shared (necessary, never sufficient)."""
    return Practice.visibility == Visibility.shared


def _goal_shared_clause() -> Any:
    return Goal.visibility == Visibility.shared


@dataclass(frozen=True)
class _Shareable:
    """A kind of item its owner shares, and the tables that hold each of its audiences."""

    model: Any  # JournalEntry, Practice, Goal
    owner: Any  # its owner's column: JournalEntry.author_id, Practice.owner_id, Goal.owner_id
    shared: Callable[[], Any]  # SQL: marked shared (necessary, never sufficient)
    key: str  # the item's id on each link table: "entry_id", "practice_id", "goal_id"
    circle_link: Any  # EntryCircleAudience, PracticeCircleAudience, GoalCircleAudience
    private_link: Any  # EntryPrivateShare, PracticePrivateShare, GoalPrivateShare
    pairing_link: Any = None  # EntryAudience, PracticeAudience; a goal names its one pairing

    def on(self, link: Any) -> Any:
        """The item's id column on one of its link tables."""
        return getattr(link, self.key)


ENTRIES = _Shareable(
    JournalEntry,
    JournalEntry.author_id,
    entry_shared_clause,
    "entry_id",
    EntryCircleAudience,
    EntryPrivateShare,
    EntryAudience,
)
PRACTICES = _Shareable(
    Practice,
    Practice.owner_id,
    practice_shared_clause,
    "practice_id",
    PracticeCircleAudience,
    PracticePrivateShare,
    PracticeAudience,
)
GOALS = _Shareable(
    Goal, Goal.owner_id, _goal_shared_clause, "goal_id", GoalCircleAudience, GoalPrivateShare
)
_KINDS = {kind.model: kind for kind in (ENTRIES, PRACTICES, GOALS)}


def _circle_audience_in(
    kind: _Shareable, user: User, only: Any = None, to_reader: bool = False
) -> Any:
    """SQL EXISTS: the item has an audience row in a readable circle that the user reads in
    (its facilitator, or a member whose stint covered the moment it was shared), shared by
    someone who was in that circle then (its facilitator or a member). ``only``: that one
    circle's audience row (read *through* that circle). ``to_reader``: the row names the
    user as its one reader (shared with one person of the circle)."""
    link = kind.private_link if to_reader else kind.circle_link
    item_model, author_id = kind.model, kind.owner
    moment = link.created_at
    query = (
        select(link.circle_id)
        .join(Circle, Circle.id == link.circle_id)
        .where(
            kind.on(link) == item_model.id,
            true() if only is None else link.circle_id == only,
            link.reader_id == user.id if to_reader else true(),
            _circle_readable(),
            or_(
                Circle.facilitator_id == user.id,
                _in_circle_at(user.id, link.circle_id, moment, link),
            ),
            or_(
                Circle.facilitator_id == author_id,
                _in_circle_at(author_id, link.circle_id, moment, link, item_model),
            ),
        )
        .correlate(item_model)
    )
    return exists(query)


def _shared_in_circle(kind: _Shareable, user: User, circle: Circle) -> Select:
    link = kind.circle_link
    in_circle = select(kind.on(link)).where(link.circle_id == circle.id)
    return select(kind.model).where(
        kind.model.id.in_(in_circle), kind.shared(), _circle_audience_in(kind, user)
    )


def shared_in_circle(user: User, circle: Circle) -> Select[tuple[JournalEntry]]:
    """Entries shared with one circle that the user reads (the circle page's list)."""
    return _shared_in_circle(ENTRIES, user, circle)


def practices_shared_in_circle(user: User, circle: Circle) -> Select[tuple[Practice]]:
    """Practices shared with one circle that the user reads."""
    return _shared_in_circle(PRACTICES, user, circle)


def goals_shared_in_circle(user: User, circle: Circle) -> Select[tuple[Goal]]:
    """Shared goals shared with one circle that the user reads (stint rules)."""
    return _shared_in_circle(GOALS, user, circle)


def _circles_of(item: JournalEntry | Practice) -> list[Circle]:
    kind = _KINDS[type(item)]
    link = kind.circle_link
    query = (
        select(Circle)
        .join(link, link.circle_id == Circle.id)
        .where(kind.on(link) == item.id)
        .order_by(Circle.approved_at, Circle.id)
    )
    return list(db.session.scalars(query))


def entry_circle_audience(entry: JournalEntry) -> list[Circle]:
    """The circles an entry is shared in (for its author's "who can read this" line)."""
    return _circles_of(entry)


def practice_circle_audience(practice: Practice) -> list[Circle]:
    """The circles a practice is shared in."""
    return _circles_of(practice)


def circle_refusal(user: User, program: Program) -> str | None:
    """Why the person may not be placed in (or facilitate) a circle of this programme: staff
    are never members through their powers (the pairing rule)."""
    return partner_refusal(user, program)


def is_current_in_circle(user: User, circle: Circle) -> bool:
    """The circle's facilitator or one of its current members (not a former member)."""
    if circle.facilitator_id == user.id:
        return True
    return any(s.user_id == user.id and s.left_at is None for s in circle.stints)


def can_see_circle_signatures(user: User, circle: Circle) -> bool:
    """Who signed the circle agreement, by name: its facilitator and current members (a
    former member reads the agreement they were part of, and the count only)."""
    return is_readable_circle(user, circle) and is_current_in_circle(user, circle)


def can_edit_circle_agreement(user: User, circle: Circle) -> bool:
    """The facilitator and current members edit and sign while the circle is active and open."""
    return is_sharable_circle(user, circle)


def can_reflect_in_circle(user: User, circle: Circle) -> bool:
    """A closing reflection is written by the facilitator or a current member of a circle
    they read in, while it is active or just completed (not one that was ended)."""
    return (
        circle.status in (CircleStatus.active, CircleStatus.completed)
        and is_readable_circle(user, circle)
        and is_current_in_circle(user, circle)
    )


def readable_reflections(user: User, circle: Circle) -> Select[tuple[CircleReflection]]:
    """Closing reflections of one circle the user reads: their own, and those shared with
    the circle if the user is its facilitator or was in it when it was shared."""
    if not is_readable_circle(user, circle):
        return select(CircleReflection).where(false())
    reader = (
        true()
        if circle.facilitator_id == user.id
        else _in_circle_at(
            user.id, CircleReflection.circle_id, CircleReflection.shared_at, CircleReflection
        )
    )
    return select(CircleReflection).where(
        CircleReflection.circle_id == circle.id,
        or_(
            CircleReflection.user_id == user.id,
            CircleReflection.shared_at.is_not(None) & reader,
        ),
    )


def can_see_leave_note(user: User, circle: Circle) -> bool:
    """A member's leave note is for the programme team (its admins and leads), never the
    circle: not the facilitator, not the other members."""
    return can_run_program(user, circle.program)


# --- circle talk: the agenda, comments written in a circle, introductions ----------------
# All three are circle material: nobody outside the circle reads them (admins and leads
# included: `is_readable_circle` is false for them), and a proposed circle or one in its undo
# window shows nothing. Within the circle:
# - an agenda point is read like a shared item, the moment it was added standing for the
#   moment it was shared: the facilitator, and everyone whose stint covered it;
# - a comment written in a circle belongs to (item, circle). It is read by the people who read
#   the item *through that circle* (stint rules at the item's share moment) AND whose stint
#   covered the moment the comment was written, plus the facilitator. So a member who joined
#   after the item was shared reads neither it nor its comments; a member who joined between
#   the share and a comment could not read the item anyway; a former member keeps the comments
#   written while they were in and nothing after. A comment follows its item: once the item is
#   private again (or no longer shared with the circle) nobody reads its circle comments;
# - an introduction is read by the facilitator, by its writer, and by anyone whose stint
#   overlapped the writer's (the facilitator's introduction: anyone who was ever in the circle),
#   so a later joiner reads the introductions of the people still there when they came. A
#   former member reads an introduction as long as it was last written before they left:
#   a rewrite after they left does not reach them (nothing new flows).
# Writing any of them: the facilitator or a current member while the circle is active and open
# (`is_sharable_circle`); commenting also needs the item readable through the circle.


def _circle_reader_at(user: User, circle: Circle, moment: Any, *correlated: Any) -> Any:
    """SQL: the user is the circle's facilitator, or had a stint in it covering ``moment``."""
    if circle.facilitator_id == user.id:
        return true()
    return _in_circle_at(user.id, circle.id, moment, *correlated)


def circle_agenda_points(user: User, circle: Circle) -> Select[tuple[CircleAgendaPoint]]:
    """The circle's agenda points (open and covered) that the user reads."""
    if not is_readable_circle(user, circle):
        return select(CircleAgendaPoint).where(false())
    return select(CircleAgendaPoint).where(
        CircleAgendaPoint.circle_id == circle.id,
        _circle_reader_at(user, circle, CircleAgendaPoint.created_at, CircleAgendaPoint),
    )


def _read_in_circle(kind: _Shareable, user: User, circle: Circle) -> Select:
    link = kind.circle_link
    audience = and_(kind.on(link) == kind.model.id, link.circle_id == circle.id)
    return (
        select(kind.model)
        .join(link, audience)
        .where(kind.shared(), _circle_audience_in(kind, user, circle.id))
    )


def entries_read_in_circle(user: User, circle: Circle) -> Select[tuple[JournalEntry]]:
    """Entries the user reads *through this circle*, joined to their audience row there
    (``EntryCircleAudience.created_at`` is the moment they were shared with it)."""
    return _read_in_circle(ENTRIES, user, circle)


def practices_read_in_circle(user: User, circle: Circle) -> Select[tuple[Practice]]:
    """Practices the user reads through this circle, joined to their audience row there."""
    return _read_in_circle(PRACTICES, user, circle)


def circle_comments(user: User, circle: Circle) -> Select[tuple[CircleComment]]:
    """Comments written in this circle that the user reads (the rule above)."""
    if not is_readable_circle(user, circle):
        return select(CircleComment).where(false())
    entries = entries_read_in_circle(user, circle).with_only_columns(JournalEntry.id)
    practices = practices_read_in_circle(user, circle).with_only_columns(Practice.id)
    return select(CircleComment).where(
        CircleComment.circle_id == circle.id,
        or_(CircleComment.entry_id.in_(entries), CircleComment.practice_id.in_(practices)),
        _circle_reader_at(user, circle, CircleComment.created_at, CircleComment),
    )


def can_comment_in_circle(user: User, circle: Circle, item: JournalEntry | Practice) -> bool:
    """The facilitator or a current member, while the circle is active and open, on an item
    they read through the circle."""
    if not is_sharable_circle(user, circle):
        return False
    query = (
        entries_read_in_circle(user, circle).where(JournalEntry.id == item.id)
        if isinstance(item, JournalEntry)
        else practices_read_in_circle(user, circle).where(Practice.id == item.id)
    )
    return db.session.scalar(query.limit(1)) is not None


def readable_introductions(user: User, circle: Circle) -> Select[tuple[CircleIntroduction]]:
    """Introductions in one circle that the user reads (the rule above)."""
    if not is_readable_circle(user, circle):
        return select(CircleIntroduction).where(false())
    mine = select(CircleIntroduction).where(CircleIntroduction.circle_id == circle.id)
    if circle.facilitator_id == user.id:
        return mine
    reader, writer = aliased(CircleMember), aliased(CircleMember)
    overlapped = exists(
        select(writer.id)
        .where(
            writer.circle_id == circle.id,
            writer.user_id == CircleIntroduction.user_id,
            or_(reader.left_at.is_(None), writer.joined_at < reader.left_at),
            or_(writer.left_at.is_(None), reader.joined_at < writer.left_at),
        )
        .correlate(reader, CircleIntroduction)
    )
    in_with_writer = exists(
        select(reader.id)
        .where(
            reader.circle_id == circle.id,
            reader.user_id == user.id,
            or_(reader.left_at.is_(None), reader.left_at > CircleIntroduction.updated_at),
            or_(CircleIntroduction.user_id == circle.facilitator_id, overlapped),
        )
        .correlate(CircleIntroduction)
    )
    return mine.where(or_(CircleIntroduction.user_id == user.id, in_with_writer))


# --- circles: shared with one person --------------------------------------------------
# Where the programme allows it (``programs.matching["circles"]["allow_private_sharing"]``),
# a person may share an entry, a practice (with its check-ins) or a goal with ONE other
# person of a circle they are in now: a current member or the facilitator. The row
# (``entry_private_shares`` and its kin) records that person, the circle and the moment.
# It is read by the author and that one person, and only if BOTH were in the circle (a stint
# covering the moment, or its facilitator) when it was shared, while the circle is readable.
# Not by the facilitator unless they are the chosen person; not by the other members; never
# by admins or leads (they are never in a circle of a programme they run). A chosen member
# who leaves keeps it (their stint covered the moment), as with circle shares. Turning the
# setting off later changes no read: nothing new can be shared that way (services/sharing),
# and what was shared stays readable by its two people.


def _private_share_in(kind: _Shareable, user: User) -> Any:
    """SQL EXISTS: the item was shared with ``user`` alone, through a readable circle that
    both ``user`` and the item's author were in at the moment it was shared."""
    return _circle_audience_in(kind, user, to_reader=True)


def private_mates(user: User) -> Select[tuple[User, Circle]]:
    """Whom the user may share with alone now: (person, circle) for every other current
    member and the facilitator of each circle the user may share in (``sharable_circles``).
    Whether the programme allows it is the sharing service's question, not a read rule."""
    mine = select(sharable_circles(user).with_only_columns(Circle.id).subquery().c.id)
    members = select(CircleMember.user_id.label("person_id"), CircleMember.circle_id).where(
        CircleMember.circle_id.in_(mine), CircleMember.left_at.is_(None)
    )
    facilitators = select(Circle.facilitator_id, Circle.id).where(Circle.id.in_(mine))
    pairs = union(members, facilitators).subquery()
    return (
        select(User, Circle)
        .join(pairs, pairs.c.person_id == User.id)
        .join(Circle, Circle.id == pairs.c.circle_id)
        .where(User.id != user.id)
    )


def privately_shared_in_circle(user: User, circle: Circle) -> dict[str, Select]:
    """What was shared with one person in this circle that the user reads: shared with them
    (under the rule above), or by them (the author always reads their own). The circle
    page's "Only for you" list; keys ``entries``, ``practices``, ``goals``."""
    kinds = {"entries": ENTRIES, "practices": PRACTICES, "goals": GOALS}
    if not is_readable_circle(user, circle):
        return {name: select(kind.model).where(false()) for name, kind in kinds.items()}
    return {name: _shared_with_one_in(kind, user, circle) for name, kind in kinds.items()}


def _shared_with_one_in(kind: _Shareable, user: User, circle: Circle) -> Select:
    link = kind.private_link
    shared_there = select(kind.on(link)).where(link.circle_id == circle.id)
    return select(kind.model).where(
        kind.model.id.in_(shared_there),
        kind.shared(),
        or_(kind.owner == user.id, _private_share_in(kind, user)),
    )


def _private_readers_of(item: JournalEntry | Practice | Goal) -> list[tuple[User, Circle]]:
    kind = _KINDS[type(item)]
    link = kind.private_link
    query = (
        select(User, Circle)
        .join(link, link.reader_id == User.id)
        .join(Circle, Circle.id == link.circle_id)
        .where(kind.on(link) == item.id)
        .order_by(link.created_at, User.id)
    )
    return [(person, circle) for person, circle in db.session.execute(query)]


def entry_private_readers(entry: JournalEntry) -> list[tuple[User, Circle]]:
    """The people an entry was shared with alone, and the circle (for its author's line)."""
    return _private_readers_of(entry)


def practice_private_readers(practice: Practice) -> list[tuple[User, Circle]]:
    """The people a practice was shared with alone, and the circle."""
    return _private_readers_of(practice)


def goal_private_readers(goal: Goal) -> list[tuple[User, Circle]]:
    """The people a goal was shared with alone, and the circle."""
    return _private_readers_of(goal)


# --- programs and memberships ----------------------------------------------------------


def visible_programs(user: User | None) -> Select[tuple[Program]]:
    """Programs anyone may browse: all for an admin, all but drafts for everyone else."""
    query = select(Program)
    if user is not None and getattr(user, "is_portal_admin", False):
        return query
    return query.where(Program.status != ProgramStatus.draft)


def visible_memberships(user: User) -> Select[tuple[Membership]]:
    """A person sees their own memberships; a lead those of their programmes; an admin all."""
    query = select(Membership)
    if user.is_portal_admin:
        return query
    return query.where(
        or_(Membership.user_id == user.id, Membership.program_id.in_(led_program_ids(user)))
    )


# --- journal ---------------------------------------------------------------------------
# The journal's privacy rules, used by every list, dashboard panel, search, notification,
# export, admin view, direct URL and htmx fragment that touches an entry or a comment:
# - a private entry, and every draft, is its author's alone (admins get no exception);
# - a published shared entry is also readable by the partner of each pairing it is shared
#   in (its audience, ``entry_audiences``), while that pairing is readable, and by nobody else;
# - a reader's comment is seen by its author, and by the entry's author while the entry is
#   still shared in the comment's pairing; the entry author's own comments are seen by every
#   reader the entry currently has.


def entry_private_clause() -> Any:
    """SQL: a published entry the author kept private (the author's own list filter)."""
    return and_(
        JournalEntry.visibility == Visibility.private,
        JournalEntry.status == EntryStatus.published,
    )


def _pairing_audience_in(kind: _Shareable, pairings: Any) -> Any:
    """SQL EXISTS: the item has an audience row in a pairing matching ``pairings`` (an SQL
    condition on Pairing) that also involves the item's owner. A primary-key lookup."""
    link, owner = kind.pairing_link, kind.owner
    return exists(
        select(link.pairing_id)
        .join(Pairing, Pairing.id == link.pairing_id)
        .where(
            kind.on(link) == kind.model.id,
            or_(Pairing.mentor_id == owner, Pairing.mentee_id == owner),
            pairings,
        )
        .correlate(kind.model)
    )


def _readable_by(kind: _Shareable, user: User) -> Any:
    """SQL: someone else's item the user reads, through any of its audiences."""
    return and_(
        kind.shared(),
        or_(
            _pairing_audience_in(kind, _readable(user)),
            _circle_audience_in(kind, user),
            _private_share_in(kind, user),
        ),
    )


def visible_entries(user: User) -> Select[tuple[JournalEntry]]:
    """Entries the user may read: their own (drafts included) and the shared entries whose
    audience holds a pairing the user reads in.

    Admins get no exception: a private entry is its author's alone.
    """
    return select(JournalEntry).where(
        JournalEntry.author_id.in_(_self_and_partner_ids(user)),
        or_(JournalEntry.author_id == user.id, _readable_by(ENTRIES, user)),
    )


def own_entries(user: User) -> Select[tuple[JournalEntry]]:
    """The user's own entries, drafts included: what their list, search and export show."""
    return select(JournalEntry).where(JournalEntry.author_id == user.id)


def shared_with(user: User) -> Select[tuple[JournalEntry]]:
    """Others' entries the user reads: shared in a pairing with them, in a circle they are
    in, or with them alone in a circle. What they review or read, never their own."""
    others = union(partner_ids(user), circle_mate_ids(user)).subquery()
    return select(JournalEntry).where(
        JournalEntry.author_id.in_(select(others.c[0])),
        JournalEntry.author_id != user.id,
        _readable_by(ENTRIES, user),
    )


def entry_reached_through_pairing(user: User) -> Any:
    """SQL: the entry reaches the user through a pairing's audience (the rest of
    ``shared_with`` reached them through a circle). A label, never a permission."""
    return _pairing_audience_in(ENTRIES, _readable(user))


def entry_shared_with_reader_alone(user: User) -> Any:
    """SQL: the entry was shared with the user alone, in a circle. A label, never a
    permission."""
    return _private_share_in(ENTRIES, user)


def shared_in_pairing(user: User, pairing: Pairing) -> Select[tuple[JournalEntry]]:
    """Entries shared in one pairing that the user reads in (both partners' entries).

    Starts from the audience index by pairing; empty unless the pairing is readable."""
    if not is_readable_pairing(user, pairing):
        return select(JournalEntry).where(JournalEntry.id.is_(None))
    in_pairing = select(EntryAudience.entry_id).where(EntryAudience.pairing_id == pairing.id)
    return select(JournalEntry).where(
        JournalEntry.id.in_(in_pairing),
        JournalEntry.author_id.in_((pairing.mentor_id, pairing.mentee_id)),
        entry_shared_clause(),
    )


def _mentee_ids(user: User) -> Select[tuple[int]]:
    """Ids of the people the user mentors in a readable pairing."""
    return select(Pairing.mentee_id).where(Pairing.mentor_id == user.id, _readable(user))


def _mentor_ids(user: User) -> Select[tuple[int]]:
    """Ids of the user's mentors in a readable pairing."""
    return select(Pairing.mentor_id).where(Pairing.mentee_id == user.id, _readable(user))


def review_queue(user: User) -> Select[tuple[JournalEntry]]:
    """Entries waiting on the user as mentor: shared by their mentees in an active pairing
    where the user is the mentor. Once a pairing is over its entries are read, not reviewed."""
    active = and_(_involves(user), Pairing.status == PairingStatus.active, _open(Pairing))
    return select(JournalEntry).where(
        entry_shared_clause(),
        JournalEntry.author_id.in_(_mentee_ids(user)),
        _pairing_audience_in(ENTRIES, and_(active, Pairing.mentor_id == user.id)),
    )


def mentor_stories(user: User) -> Select[tuple[JournalEntry]]:
    """Entries the user's mentors shared in a pairing where the user is their mentee."""
    return select(JournalEntry).where(
        entry_shared_clause(),
        JournalEntry.author_id.in_(_mentor_ids(user)),
        _pairing_audience_in(ENTRIES, and_(_readable(user), Pairing.mentee_id == user.id)),
    )


def can_read_entry(user: User, entry: JournalEntry) -> bool:
    """The author always; a partner only while the entry is shared in a pairing they read in."""
    if entry.author_id == user.id:
        return True
    if not entry.is_shared:
        return False
    query = visible_entries(user).where(JournalEntry.id == entry.id)
    return db.session.scalar(query.with_only_columns(JournalEntry.id)) is not None


def can_edit_entry(user: User, entry: JournalEntry) -> bool:
    """Only the author writes to an entry."""
    return entry.author_id == user.id


def _audience_of(item: JournalEntry | Practice) -> list[Pairing]:
    """The pairings an item is shared in, oldest first."""
    kind = _KINDS[type(item)]
    link, item_column = kind.pairing_link, kind.on(kind.pairing_link)
    query = (
        select(Pairing)
        .join(link, link.pairing_id == Pairing.id)
        .where(item_column == item.id)
        .order_by(Pairing.approved_at, Pairing.id)
    )
    return list(db.session.scalars(query))


def _comment_pairing_of(user: User, item: JournalEntry | Practice, owner_id: int) -> Pairing | None:
    """The sharable pairing joining a reader and the item's owner that the item is shared in."""
    kind = _KINDS[type(item)]
    link, item_column = kind.pairing_link, kind.on(kind.pairing_link)
    query = (
        sharable_pairings(user)
        .join(link, link.pairing_id == Pairing.id)
        .where(
            item_column == item.id,
            or_(Pairing.mentor_id == owner_id, Pairing.mentee_id == owner_id),
        )
        .order_by(Pairing.approved_at.desc(), Pairing.id.desc())
    )
    return db.session.scalar(query.limit(1))


def _has_sharable_audience(item: JournalEntry | Practice) -> bool:
    """True while the item is shared in at least one active, open pairing."""
    kind = _KINDS[type(item)]
    link, item_column = kind.pairing_link, kind.on(kind.pairing_link)
    query = (
        select(link.pairing_id)
        .join(Pairing, Pairing.id == link.pairing_id)
        .where(item_column == item.id, Pairing.status == PairingStatus.active, _open(Pairing))
    )
    return db.session.scalar(query.limit(1)) is not None


def entry_audience(entry: JournalEntry) -> list[Pairing]:
    """The pairings an entry is shared in (for its author's "who can read this" line)."""
    return _audience_of(entry)


def entry_comment_pairing(user: User, entry: JournalEntry) -> Pairing | None:
    """The sharable pairing a reader's comment on the entry is written in, or None."""
    return _comment_pairing_of(user, entry, entry.author_id)


def can_comment_on_entry(user: User, entry: JournalEntry) -> bool:
    """A reader comments only within a sharable pairing the entry is shared in; the author
    replies on a private entry, or while the entry still reaches a sharable pairing."""
    if entry.author_id == user.id:
        return not entry.is_shared or _has_sharable_audience(entry)
    return entry.is_shared and entry_comment_pairing(user, entry) is not None


def can_review_entry(user: User, entry: JournalEntry) -> bool:
    """The author's mentor marks a shared entry reviewed, in an active pairing it is shared
    in: once the pairing is over, the mentor still reads the entry but reviews no more."""
    if entry.author_id == user.id or not entry.is_shared:
        return False
    query = review_queue(user).where(JournalEntry.id == entry.id)
    return db.session.scalar(query.with_only_columns(JournalEntry.id)) is not None


@dataclass(frozen=True)
class _Commented:
    """A kind of shared item that takes comments, as the one comment rule reads it."""

    comment: Any  # EntryComment, PracticeComment
    item: Any  # JournalEntry, Practice
    audience: Any  # EntryAudience, PracticeAudience
    key: str  # the item's id on the comment and on the audience: "entry_id", "practice_id"
    owner: str  # the item's owner column: "author_id", "owner_id"


def _visible_comments(user: User, kind: _Commented, shared: Any, readable: Any) -> Select:
    """The one comment rule, for entries and practices alike: a comment is seen by its
    author; a reader's comment (``pairing_id`` set) also by the item's owner while the item
    is still shared in that pairing; the owner's own comments (``pairing_id`` NULL) by every
    reader the item currently has.

    So a mentor's story shared with two mentees shows each mentee only their own comments
    and the mentor's replies, never the other mentee's. When an item is unshared, every
    comment on it stays visible to its own author only.
    """
    comment, item, audience = kind.comment, kind.item, kind.audience
    item_id, owner = getattr(comment, kind.key), getattr(item, kind.owner)
    still_shared_there = exists(
        select(audience.pairing_id)
        .where(getattr(audience, kind.key) == item_id, audience.pairing_id == comment.pairing_id)
        .correlate(comment)
    )
    return (
        select(comment)
        .join(item, item.id == item_id)
        .where(
            or_(
                comment.author_id == user.id,
                and_(owner == user.id, comment.pairing_id.is_not(None), shared, still_shared_there),
                and_(comment.pairing_id.is_(None), comment.author_id == owner, readable),
            )
        )
    )


ENTRY_COMMENTS = _Commented(EntryComment, JournalEntry, EntryAudience, "entry_id", "author_id")


def visible_comments(user: User) -> Select[tuple[EntryComment]]:
    """Who reads a comment on a journal entry: the one comment rule (`_visible_comments`)."""
    return _visible_comments(
        user, ENTRY_COMMENTS, entry_shared_clause(), _readable_by(ENTRIES, user)
    )


def entry_counts_clause() -> Any:
    """SQL for activity counts (admins see numbers, never text): a published shared entry."""
    return entry_shared_clause()


# --- notifications ---------------------------------------------------------------------


def visible_notifications(user: User) -> Select[tuple[Notification]]:
    """Notifications are for their addressee only, admins included, once no undo holds them."""
    return select(Notification).where(
        Notification.user_id == user.id,
        or_(Notification.deliver_after.is_(None), Notification.deliver_after <= _now()),
    )


# --- enforcement helpers ---------------------------------------------------------------


def get_visible_or_404(query: Select[tuple[T]], ident: Any, model: type[T]) -> T:
    """Load one object by id from a visibility query, or answer 404."""
    obj = db.session.scalar(query.where(model.id == ident))  # type: ignore[attr-defined]
    if obj is None:
        raise NotVisible
    return obj


# --- programme leads ----------------------------------------------------------------------
# A programme lead runs enrollment, matching and approval for the programmes they lead,
# and nothing else: no other programme, no portal-wide page, no private text anywhere.


def led_program_ids(user: User) -> Select[tuple[int]]:
    """A subquery of the ids of the programmes the user leads."""
    return select(ProgramLead.program_id).where(ProgramLead.user_id == user.id)


def can_open_admin_pages(user: User) -> bool:
    """Portal-wide admin pages (programme set-up, all analytics) are for portal admins only."""
    return bool(getattr(user, "is_portal_admin", False))


def can_do_programme_work(user: User) -> bool:
    """Enrollment, matching, approval and the audit log: portal admins and programme leads
    (each page then checks the programme with `run_program_by_slug`)."""
    return can_open_admin_pages(user) or leads_any_program(user)


def leads_any_program(user: User) -> bool:
    """Whether the user leads a programme. The dashboard, the header's navigation and the
    programme pages all ask within one request: inside a request the answer is kept for
    the rest of it (one query, not two or three). Nothing that renders a page makes its
    own viewer a lead or takes that away: leads are added on other people, and the page
    that does it redirects."""
    if not getattr(user, "is_authenticated", False):
        return False
    kept = g.setdefault("_leads_any_program", {}) if has_request_context() else {}
    if user.id not in kept:
        query = select(ProgramLead.id).where(ProgramLead.user_id == user.id).limit(1)
        kept[user.id] = db.session.scalar(query) is not None
    return kept[user.id]


def can_run_program(user: User, program: Program) -> bool:
    """Portal admins run every programme; a lead runs the programmes they lead."""
    if user.is_portal_admin:
        return True
    query = select(ProgramLead.id).where(
        ProgramLead.user_id == user.id, ProgramLead.program_id == program.id
    )
    return db.session.scalar(query.limit(1)) is not None


def run_programs(user: User) -> Select[tuple[Program]]:
    """The programmes whose admin pages the user may open."""
    if user.is_portal_admin:
        return select(Program)
    return select(Program).where(Program.id.in_(led_program_ids(user)))


def run_memberships(user: User) -> Select[tuple[Membership]]:
    """Applications and participants the user may decide on: those of programmes they run."""
    if user.is_portal_admin:
        return select(Membership)
    return select(Membership).where(Membership.program_id.in_(led_program_ids(user)))


def run_program_by_slug(user: User, slug: str) -> Program:
    """A programme the user runs, by its slug; 404 for every other (and unknown) slug."""
    program = db.session.scalar(run_programs(user).where(Program.slug == slug))
    if program is None:
        raise NotVisible
    return program


# --- enrollment, matching and the audit log ----------------------------------------------


def visible_audit_events(user: User) -> Select:
    """The audit log is for portal admins, and for leads about their own programmes."""
    query = select(AuditEvent)
    if user.is_portal_admin:
        return query
    return query.where(AuditEvent.program_id.in_(led_program_ids(user)))


def visible_program_by_slug(user: User | None, slug: str) -> Program:
    """A programme by its slug, if the person may see it; 404 otherwise."""
    program = db.session.scalar(visible_programs(user).where(Program.slug == slug))
    if program is None:
        raise NotVisible
    return program


def can_apply(user: User, program: Program, today: Any) -> bool:
    """Anyone signed in may apply once to a programme whose enrollment window is open."""
    if not program.enrollment_open(today):
        return False
    mine = visible_memberships(user).where(
        Membership.program_id == program.id, Membership.user_id == user.id
    )
    return db.session.scalar(mine.limit(1)) is None


# --- practices, meetings and session prep ----------------------------------------------
# The journal's rules, applied to practices: a private practice is its owner's alone; a
# shared one is seen by the owner and by the partner of each pairing it is shared in
# (``practice_audiences``), while that pairing is readable. Check-ins follow their
# practice; comments follow the journal's comment rule. Admins get no exception. A
# pairing's meeting log, agenda, goals, agreement and planned meetings are for its two
# partners while it is readable (they hold shared text).


def own_practices(user: User) -> Select[tuple[Practice]]:
    """The user's own practices, whatever their sharing: a practice's owner always reads it
    (the first branch of ``visible_practices``), without its audience subqueries."""
    return select(Practice).where(Practice.owner_id == user.id)


def visible_practices(
    user: User, among: list[int] | BindParameter | None = None
) -> Select[tuple[Practice]]:
    """The user's own practices and those shared in a pairing they read in.

    ``among`` (owner ids the caller already holds, say the partners of the pairings it
    loaded) replaces the owner subquery that only narrows the plan: the rule itself, the
    ``or_`` below, is the same either way, so a wrong list can hide rows but never show one.
    """
    owners = _self_and_partner_ids(user) if among is None else among
    return select(Practice).where(
        Practice.owner_id.in_(owners),
        or_(Practice.owner_id == user.id, _readable_by(PRACTICES, user)),
    )


def practices_shared_in_pairing(user: User, pairing: Pairing) -> Select[tuple[Practice]]:
    """Practices shared in one pairing the user reads in (both partners'), by the audience
    index; empty unless the pairing is readable."""
    if not is_readable_pairing(user, pairing):
        return select(Practice).where(Practice.id.is_(None))
    in_pairing = select(PracticeAudience.practice_id).where(
        PracticeAudience.pairing_id == pairing.id
    )
    return select(Practice).where(
        Practice.id.in_(in_pairing),
        Practice.owner_id.in_((pairing.mentor_id, pairing.mentee_id)),
        practice_shared_clause(),
    )


def can_read_practice(user: User, practice: Practice) -> bool:
    if practice.owner_id == user.id:
        return True
    if not practice.is_shared:
        return False
    query = visible_practices(user).where(Practice.id == practice.id)
    return db.session.scalar(query.with_only_columns(Practice.id)) is not None


def can_edit_practice(user: User, practice: Practice) -> bool:
    """Only the owner checks in, closes or changes a practice."""
    return practice.owner_id == user.id


def practice_audience(practice: Practice) -> list[Pairing]:
    """The pairings a practice is shared in."""
    return _audience_of(practice)


def practice_comment_pairing(user: User, practice: Practice) -> Pairing | None:
    """The sharable pairing a reader's comment on the practice is written in, or None."""
    return _comment_pairing_of(user, practice, practice.owner_id)


def can_comment_on_practice(user: User, practice: Practice) -> bool:
    """A reader comments or encourages only within a sharable pairing it is shared in; the
    owner replies on a private practice or while it still reaches a sharable pairing."""
    if practice.owner_id == user.id:
        return not practice.is_shared or _has_sharable_audience(practice)
    return practice.is_shared and practice_comment_pairing(user, practice) is not None


def visible_check_ins(
    user: User, among: list[int] | BindParameter | None = None
) -> Select[tuple[CheckIn]]:
    """Check-ins of the practices the user may read (``among``: see ``visible_practices``)."""
    readable = visible_practices(user, among).with_only_columns(Practice.id)
    return select(CheckIn).where(CheckIn.practice_id.in_(readable))


PRACTICE_COMMENTS = _Commented(
    PracticeComment, Practice, PracticeAudience, "practice_id", "owner_id"
)


def visible_practice_comments(user: User) -> Select[tuple[PracticeComment]]:
    """Who reads a comment on a practice: the same one comment rule as the journal's."""
    return _visible_comments(
        user, PRACTICE_COMMENTS, practice_shared_clause(), _readable_by(PRACTICES, user)
    )


def shared_check_in_count(reader: User, author_id: int, pairing: Pairing, since: Any) -> int:
    """How many check-ins ``author_id`` made since ``since`` on practices shared in the
    pairing and readable by ``reader`` (the weekly digest's count)."""
    practices = practices_shared_in_pairing(reader, pairing).where(Practice.owner_id == author_id)
    query = select(func.count(CheckIn.id)).where(
        CheckIn.practice_id.in_(practices.with_only_columns(Practice.id)),
        CheckIn.created_at >= since,
    )
    return db.session.scalar(query) or 0


def can_open_pairing_log(user: User, pairing: Pairing) -> bool:
    """The meeting log and prep page are for the two partners of a readable pairing.

    Unlike the pairing itself, admins may not open them: they hold the pair's shared notes.
    """
    return is_readable_pairing(user, pairing)


def pairing_log_or_404(user: User, pairing_id: int) -> Pairing:
    """The pairing whose meeting log the user may open, or 404."""
    pairing = db.session.get(Pairing, pairing_id)
    if pairing is None or not can_open_pairing_log(user, pairing):
        raise NotVisible
    return pairing


def _own_approved_pairing_ids(user: User) -> Select[tuple[int]]:
    """The ids of the pairings the user reads in (open; active, completed or ended)."""
    return select(Pairing.id).where(_readable(user))


def visible_meetings(user: User) -> Select[tuple[Meeting]]:
    """Meetings of pairings the user reads in, admins included as people."""
    mine = _own_approved_pairing_ids(user)
    return select(Meeting).where(Meeting.pairing_id.in_(mine))


def visible_agenda_points(user: User) -> Select[tuple[AgendaPoint]]:
    mine = _own_approved_pairing_ids(user)
    return select(AgendaPoint).where(AgendaPoint.pairing_id.in_(mine))


# --- kick-off: meet your partner, the agreement, goals and planned meetings ----------------
# A pairing's kick-off material (agreement, goals, planned meetings) belongs to its two
# partners. A goal follows the journal's rules: shared with the partner by default, or
# private to its owner. Admins see that an agreement or a meeting exists and when, through
# `kickoff_overview`, never its text.


def kickoff_pairing_or_404(user: User, pairing_id: int) -> Pairing:
    """The pairing whose kick-off pages the user may open (a partner, readable), or 404."""
    return pairing_log_or_404(user, pairing_id)


def can_see_partner_email(user: User, pairing: Pairing) -> bool:
    """A partner's e-mail address is shown only inside an active, open pairing."""
    return is_sharable_pairing(user, pairing)


def visible_goals(user: User) -> Select[tuple[Goal]]:
    """The user's own goals, and the shared goals of the pairings the user reads in."""
    readable = _own_approved_pairing_ids(user)
    in_circle = _circle_audience_in(GOALS, user)
    return select(Goal).where(
        or_(
            Goal.owner_id == user.id,
            (Goal.visibility == Visibility.shared)
            & or_(Goal.pairing_id.in_(readable), in_circle, _private_share_in(GOALS, user)),
        )
    )


def can_read_goal(user: User, goal: Goal) -> bool:
    if goal.owner_id == user.id:
        return True
    if not goal.is_shared:
        return False
    pairing = db.session.get(Pairing, goal.pairing_id)
    if pairing is not None and is_readable_pairing(user, pairing):
        return True
    query = visible_goals(user).where(Goal.id == goal.id).with_only_columns(Goal.id)
    return db.session.scalar(query) is not None


def can_edit_goal(user: User, goal: Goal) -> bool:
    """Only the goal's owner rates it, rewrites it or changes who sees it."""
    return goal.owner_id == user.id


def visible_goal_ratings(user: User) -> Select[tuple[GoalRating]]:
    """The progress history of the goals the user may read."""
    readable = visible_goals(user).with_only_columns(Goal.id)
    return select(GoalRating).where(GoalRating.goal_id.in_(readable))


def visible_planned_meetings(user: User) -> Select[tuple[PlannedMeeting]]:
    """Planned meetings of the pairings the user reads in; admins get no exception here."""
    mine = _own_approved_pairing_ids(user)
    return select(PlannedMeeting).where(PlannedMeeting.pairing_id.in_(mine))


def visible_agreements(user: User) -> Select[tuple[Agreement]]:
    """The agreements of the pairings the user reads in; text is for the two partners only."""
    mine = _own_approved_pairing_ids(user)
    return select(Agreement).where(Agreement.pairing_id.in_(mine))


def can_see_kickoff_overview(user: User) -> bool:
    """Admins see per pair only whether and when: signed on, goals counted, next meeting date."""
    return bool(user.is_portal_admin)


# --- background jobs and the e-mail outbox ------------------------------------------------


def visible_jobs(user: User) -> Select:
    """Background jobs (imports, matching runs): counts, no text. Portal admins see every job;
    a programme lead the jobs of the programmes they lead (their import, their matching run)."""
    from portal.models.jobs import BackgroundJob

    query = select(BackgroundJob)
    if user.is_portal_admin:
        return query
    return query.where(BackgroundJob.program_id.in_(led_program_ids(user)))


def visible_exports(user: User) -> Select:
    """A "download my data" zip is for the person it is about, and no one else (not admins)."""
    from portal.models.data_rights import DataExport, ExportStatus

    return select(DataExport).where(
        DataExport.user_id == user.id,
        DataExport.status == ExportStatus.ready,
        DataExport.expires_at > _now(),
    )


def may_scrape_metrics(
    remote_addr: str | None,
    authorization: str | None,
    allow: Iterable[str],
    token: str | None,
) -> bool:
    """/metrics is for the operator's scrapers only: an address in METRICS_ALLOW (the client
    after ProxyFix) or `Authorization: Bearer <METRICS_TOKEN>`. Everyone else gets a 404.
    Metrics carry endpoint names and counts, never a person or their text."""
    import hmac
    import ipaddress

    if token and hmac.compare_digest(authorization or "", f"Bearer {token}"):
        return True
    try:
        address = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in allow)


def visible_outbox(user: User) -> Select:
    """The outbox is for portal admins only; its pages show addresses and subjects, never
    bodies, which may quote what participants wrote."""
    from portal.models.outbox import OutboxMessage

    query = select(OutboxMessage)
    return query if user.is_portal_admin else query.where(OutboxMessage.id.is_(None))


def erasable_people(user: User) -> Select:
    """People a portal admin may erase on their behalf (names and counts shown, never text)."""
    query = select(User)
    return query if can_open_admin_pages(user) else query.where(User.id.is_(None))


def visible_scim_tokens(user: User) -> Select:
    """Provisioning tokens (names, prefixes, dates; never the token) are for portal admins."""
    from portal.models.identity import ScimToken

    query = select(ScimToken)
    return query if user.is_portal_admin else query.where(ScimToken.id.is_(None))


# --- guide: surveys, meeting ratings, closing, year in review, confidential requests --------
# Survey answers and meeting ratings belong to the programme team as aggregates: a person
# reads back only their own, a partner never. A confidential request is read by its author
# and by portal admins, never by the partner it is about.


def guide_pairing_or_404(user: User, pairing_id: int) -> Pairing:
    """The pairing whose closing and year in review the user may open (a partner), or 404."""
    pairing = db.session.get(Pairing, pairing_id)
    if pairing is None or not is_readable_pairing(user, pairing):
        raise NotVisible
    return pairing


def can_answer_survey(user: User, program: Program) -> bool:
    """Active participants of the programme answer its pulse surveys."""
    query = select(Membership.id).where(
        Membership.user_id == user.id,
        Membership.program_id == program.id,
        Membership.status == "active",
    )
    return db.session.scalar(query.limit(1)) is not None


def survey_program_or_404(user: User, slug: str) -> Program:
    program = db.session.scalar(select(Program).where(Program.slug == slug))
    if program is None or not can_answer_survey(user, program):
        raise NotVisible
    return program


def visible_survey_responses(user: User) -> Select:
    """A person's own survey answers only; admins read aggregates through the guide service."""
    from portal.models.guide import SurveyResponse

    return select(SurveyResponse).where(SurveyResponse.user_id == user.id)


def rateable_meeting_or_404(user: User, pairing_id: int, meeting_id: int) -> Meeting:
    """A logged meeting of the user's own pairing, which they may rate."""
    pairing = guide_pairing_or_404(user, pairing_id)
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.pairing_id != pairing.id or not meeting.happened:
        raise NotVisible
    return meeting


def visible_pairing_requests(user: User) -> Select:
    """Confidential requests: portal admins see the queue; a person sees only their own."""
    from portal.models.guide import PairingRequest

    query = select(PairingRequest)
    if user.is_portal_admin:
        return query
    return query.where(PairingRequest.requester_id == user.id)


def survey_comments_visible(user: User, answered: int) -> bool:
    """The programme team reads a round's free-text answers, without names, and only once
    at least five people answered, so no comment can be traced to one of a few people."""
    return bool(user.is_portal_admin) and answered >= 5


def can_manage_guide(user: User, program: Program) -> bool:
    """Nudge settings, survey questions and previews are for portal admins."""
    return bool(user.is_portal_admin)


# --- programme insights: pair health, analytics and ROI ---------------------------------------
# Portal admins see every programme's insights and the all-programmes page; a programme lead
# sees the programme-scoped pages of the programmes they lead, and nothing of any other. Both
# see per-pair dates, kinds and counts and per-programme aggregates, never the text of
# journals, practices, comments, agendas, meeting notes or goals.


def can_see_programme_insights(user: User, program: Program | None = None) -> bool:
    """Without a programme: the all-programmes pages (portal admins). With one: that
    programme's health, analytics and ROI (portal admins and the programme's leads)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if program is None:
        return bool(user.is_portal_admin)
    return can_run_program(user, program)


def insights_programs(user: User) -> Select[tuple[Program]]:
    """The programmes whose insight pages the user may open (for the dashboard's panels)."""
    return run_programs(user)


def insights_program_by_slug(user: User, slug: str) -> Program:
    """A programme whose insight pages the user may open, by its slug; 404 for any other."""
    program = run_program_by_slug(user, slug)
    if not can_see_programme_insights(user, program):
        raise NotVisible
    return program


def insights_pairing_or_404(user: User, program: Program, pairing_id: int) -> Pairing:
    """An approved pairing of the programme, for the pair page; 404 for anything else."""
    if not can_see_programme_insights(user, program):
        raise NotVisible
    pairing = db.session.scalar(
        select(Pairing).where(
            Pairing.id == pairing_id,
            Pairing.program_id == program.id,
            Pairing.approved_at.is_not(None),
        )
    )
    if pairing is None:
        raise NotVisible
    return pairing


# --- staff are never partners ------------------------------------------------------------
# Portal admins and a programme's leads run it: they may never become a partner in it
# through their own powers (matching, hand pairing, swaps, import, enrollment approval).
# Being a participant in one programme while leading another is fine.


def program_staff_ids(program_id: int) -> set[int]:
    """The ids of the people who run the programme: portal admins and its leads (a few rows)."""
    admins = select(User.id).where(User.is_portal_admin.is_(True))
    leads = select(ProgramLead.user_id).where(ProgramLead.program_id == program_id)
    return set(db.session.scalars(union(admins, leads)))


def partner_refusal(user: User, program: Program) -> str | None:
    """Why the person may not be paired in this programme, or None when they may."""
    if user.is_portal_admin:
        return (
            f"{user.name} is a portal admin and runs this programme: "
            "nobody who runs a programme is paired in it."
        )
    if can_run_program(user, program):
        return f"{user.name} leads this programme: nobody who runs a programme is paired in it."
    return None


def can_be_partner_in(user: User, program: Program) -> bool:
    """True unless the person runs the programme (portal admin or one of its leads)."""
    return partner_refusal(user, program) is None


# --- mentees choose (services/choosing) and office hours (services/office_hours) ----------
# A mentee browses the mentors of a programme whose mode lets mentees choose. A request's
# note is read by the mentee, the requested mentor and the programme team; the mentor's reply
# by the two of them only; the mentee's application answers by that mentor while the request
# is open. An office-hour booking's question is read by the booker and the mentor only; the
# team sees counts (insights/office_hours.py, suppressed below five people).


def discovery_program_or_404(user: User, slug: str) -> tuple[Program, Any, Membership]:
    """The programme, its choosing settings and the user's mentee membership, in one query;
    404 when the programme is unknown or admin-matched, the user is no active mentee there,
    or they run it (staff never browse as mentees)."""

    row = db.session.execute(
        select(Program, ChoosingSettings, Membership)
        .join(ChoosingSettings, ChoosingSettings.program_id == Program.id)
        .join(Membership, Membership.program_id == Program.id)
        .where(
            Program.slug == slug,
            ChoosingSettings.mode.in_([MatchingMode.self_service, MatchingMode.both]),
            Membership.user_id == user.id,
            Membership.role == Role.mentee,
            Membership.status == MembershipStatus.active,
        )
    ).first()
    if row is None or partner_refusal(user, row[0]) is not None:
        raise NotVisible
    return row[0], row[1], row[2]


def mentor_program_or_404(user: User, slug: str) -> tuple[Program, Membership]:
    """A programme where the user is an active mentor (their availability page)."""
    row = db.session.execute(
        select(Program, Membership)
        .join(Membership, Membership.program_id == Program.id)
        .where(
            Program.slug == slug,
            Membership.user_id == user.id,
            Membership.role == Role.mentor,
            Membership.status == MembershipStatus.active,
        )
    ).first()
    if row is None:
        raise NotVisible
    return row[0], row[1]


def visible_mentor_requests(user: User) -> Select[Any]:
    """Requests the user sent or received, and every request of the programmes they run."""

    query = select(MentorRequest)
    if user.is_portal_admin:
        return query
    return query.where(
        or_(
            MentorRequest.mentee_id == user.id,
            MentorRequest.mentor_id == user.id,
            MentorRequest.program_id.in_(led_program_ids(user)),
        )
    )


def sent_mentor_requests(user: User) -> Select[Any]:

    return select(MentorRequest).where(MentorRequest.mentee_id == user.id)


def received_mentor_requests(user: User) -> Select[Any]:

    return select(MentorRequest).where(MentorRequest.mentor_id == user.id)


def mentor_request_or_404(user: User, request_id: int) -> Any:

    found = db.session.scalar(visible_mentor_requests(user).where(MentorRequest.id == request_id))
    if found is None:
        raise NotVisible
    return found


def can_read_request_note(user: User, request: Any) -> bool:
    """Every rightful reader of the request reads its note (visible_mentor_requests)."""
    return True


def can_read_request_reply(user: User, request: Any) -> bool:
    """The mentor's reply is between the mentee and the mentor; the team sees it exists."""
    return user.id in (request.mentee_id, request.mentor_id)


def can_answer_request(user: User, request: Any) -> bool:
    return request.mentor_id == user.id and request.is_open


def can_withdraw_request(user: User, request: Any) -> bool:
    return request.mentee_id == user.id and request.is_open


def can_see_requesting_mentee(user: User, request: Any) -> bool:
    """The requested mentor reads the mentee's application answers while it is open."""
    return can_answer_request(user, request)


def is_program_participant(user: User, program: Program) -> bool:
    query = select(Membership.id).where(
        Membership.program_id == program.id,
        Membership.user_id == user.id,
        Membership.status == MembershipStatus.active,
    )
    return db.session.scalar(query.limit(1)) is not None


def office_hours_program_or_404(user: User, slug: str) -> Program:
    """A programme with office hours on, for its active participants and its team."""

    row = db.session.execute(
        select(Program, ChoosingSettings)
        .outerjoin(ChoosingSettings, ChoosingSettings.program_id == Program.id)
        .where(Program.slug == slug)
    ).first()
    if row is None:
        raise NotVisible
    program, settings = row
    if settings is not None and not settings.office_hours:
        raise NotVisible
    if not (is_program_participant(user, program) or can_run_program(user, program)):
        raise NotVisible
    return program


def visible_office_hour_slots(user: User, program: Program) -> Select[Any]:

    return select(OfficeHourSlot).where(OfficeHourSlot.program_id == program.id)


def office_hour_slot_or_404(user: User, slot_id: int) -> Any:

    slot = db.session.get(OfficeHourSlot, slot_id)
    if slot is None:
        raise NotVisible
    office_hours_program_or_404(user, slot.program.slug)
    return slot


def visible_bookings(user: User) -> Select[Any]:
    """Bookings the user made, and bookings of the user's own slots: the question is theirs."""

    return (
        select(OfficeHourBooking)
        .join(OfficeHourSlot, OfficeHourSlot.id == OfficeHourBooking.slot_id)
        .where(or_(OfficeHourBooking.booker_id == user.id, OfficeHourSlot.mentor_id == user.id))
    )


def booking_or_404(user: User, booking_id: int) -> Any:

    found = db.session.scalar(visible_bookings(user).where(OfficeHourBooking.id == booking_id))
    if found is None:
        raise NotVisible
    return found


def browsable_programs(user: User) -> Select[tuple[Program]]:
    """Programmes where the user is an active mentee and mentees choose (not those they run)."""
    query = (
        select(Program)
        .join(ChoosingSettings, ChoosingSettings.program_id == Program.id)
        .join(Membership, Membership.program_id == Program.id)
        .where(
            ChoosingSettings.mode.in_([MatchingMode.self_service, MatchingMode.both]),
            Membership.user_id == user.id,
            Membership.role == Role.mentee,
            Membership.status == MembershipStatus.active,
        )
        .order_by(Program.name)
    )
    if user.is_portal_admin:
        return query.where(False)
    return query.where(Program.id.not_in(led_program_ids(user)))


def office_hours_programs(user: User) -> Select[tuple[Program]]:
    """Programmes where the user takes part and office hours are on (no settings row: on);
    one membership per person and programme, so each programme once."""
    return (
        select(Program)
        .join(Membership, Membership.program_id == Program.id)
        .outerjoin(ChoosingSettings, ChoosingSettings.program_id == Program.id)
        .where(
            Membership.user_id == user.id,
            Membership.status == MembershipStatus.active,
            or_(ChoosingSettings.office_hours.is_(None), ChoosingSettings.office_hours.is_(True)),
        )
        .order_by(Program.name)
    )
