"""Who may see what: the one place for every privacy decision in Horizon.

Views never write their own filters. They ask this module for a query of what the
current user may see (``visible_*``) or for a yes/no check (``can_*``), and a denied read
answers 404 through ``get_visible_or_404`` so that nobody can probe what exists.

The rules:
- A person sees their own things.
- Partners in an active or completed pairing see what the other chose to share.
- A proposed pairing is invisible to both participants until an admin approves it.
- A portal admin sees programme structure (programs, memberships, pairings) and counts,
  never the text of anything private.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, or_, select, union

from portal.extensions import db, login_manager
from portal.models import Membership, Notification, Pairing, Program, ProgramStatus, User
from portal.models.enrollment import AuditEvent
from portal.models.journal import EntryComment, EntryStatus, JournalEntry, Visibility
from portal.models.meetings import AgendaPoint, Meeting
from portal.models.pairings import SHARING_STATUSES
from portal.models.practice import CheckIn, Practice, PracticeComment

T = TypeVar("T")


# --- pairings and partners -------------------------------------------------------------


def visible_pairings(user: User) -> Select[tuple[Pairing]]:
    """Pairings the user may look at: their own approved ones; an admin sees all."""
    query = select(Pairing)
    if user.is_portal_admin:
        return query
    return query.where(
        or_(Pairing.mentor_id == user.id, Pairing.mentee_id == user.id),
        Pairing.status.in_([*SHARING_STATUSES, "ended"]),
    )


def sharing_pairings(user: User) -> Select[tuple[Pairing]]:
    """The user's pairings in which partners share material (active or completed)."""
    return select(Pairing).where(
        or_(Pairing.mentor_id == user.id, Pairing.mentee_id == user.id),
        Pairing.status.in_(SHARING_STATUSES),
    )


def partner_ids(user: User) -> Select[tuple[int]]:
    """A subquery of the ids of everyone the user shares with through a pairing."""
    live = Pairing.status.in_(SHARING_STATUSES)
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
    return select(union(me, partner_ids(user)).subquery().c[0])


def is_partner(user: User, other_id: int) -> bool:
    """True when the two people are partners in an active or completed pairing."""
    if user.id == other_id:
        return False
    query = select(Pairing.id).where(
        Pairing.status.in_(SHARING_STATUSES),
        or_(
            (Pairing.mentor_id == user.id) & (Pairing.mentee_id == other_id),
            (Pairing.mentee_id == user.id) & (Pairing.mentor_id == other_id),
        ),
    )
    return db.session.scalar(query.limit(1)) is not None


def can_view_pairing(user: User, pairing: Pairing) -> bool:
    """Participants of an approved pairing, and admins, may look at it."""
    if user.is_portal_admin:
        return True
    return pairing.involves(user) and pairing.status != "proposed"


def can_work_in_pairing(user: User, pairing: Pairing) -> bool:
    """Only the two partners, while the pairing shares, may add material to it."""
    return pairing.involves(user) and pairing.status in SHARING_STATUSES


# --- programs and memberships ----------------------------------------------------------


def visible_programs(user: User | None) -> Select[tuple[Program]]:
    """Programs anyone may browse: all for an admin, all but drafts for everyone else."""
    query = select(Program)
    if user is not None and getattr(user, "is_portal_admin", False):
        return query
    return query.where(Program.status != ProgramStatus.draft)


def visible_memberships(user: User) -> Select[tuple[Membership]]:
    """A person sees their own memberships; an admin sees everyone's."""
    query = select(Membership)
    if user.is_portal_admin:
        return query
    return query.where(Membership.user_id == user.id)


# --- journal ---------------------------------------------------------------------------
# The journal's privacy rules, used by every list, dashboard panel, search, notification,
# export, admin view, direct URL and htmx fragment that touches an entry or a comment:
# - a private entry, and every draft, is its author's alone (admins get no exception);
# - a published shared entry is also readable by the author's partners in an active or
#   completed pairing, and by nobody else;
# - a comment is seen by its author always, by others only while its entry is shared.


def visible_entries(user: User) -> Select[tuple[JournalEntry]]:
    """Entries the user may read: their own (drafts included) and partners' shared ones.

    Admins get no exception: a private entry is its author's alone.
    """
    return select(JournalEntry).where(
        JournalEntry.author_id.in_(_self_and_partner_ids(user)),
        or_(
            JournalEntry.author_id == user.id,
            (JournalEntry.visibility == Visibility.shared)
            & (JournalEntry.status == EntryStatus.published),
        ),
    )


def own_entries(user: User) -> Select[tuple[JournalEntry]]:
    """The user's own entries, drafts included: what their list, search and export show."""
    return select(JournalEntry).where(JournalEntry.author_id == user.id)


def shared_with(user: User) -> Select[tuple[JournalEntry]]:
    """Partners' published, shared entries: what the user reviews or reads, never their own."""
    return select(JournalEntry).where(
        JournalEntry.visibility == Visibility.shared,
        JournalEntry.status == EntryStatus.published,
        JournalEntry.author_id.in_(partner_ids(user)),
    )


def _mentee_ids(user: User) -> Select[tuple[int]]:
    """Ids of the people the user mentors in an active or completed pairing."""
    return select(Pairing.mentee_id).where(
        Pairing.mentor_id == user.id, Pairing.status.in_(SHARING_STATUSES)
    )


def _mentor_ids(user: User) -> Select[tuple[int]]:
    """Ids of the user's mentors in an active or completed pairing."""
    return select(Pairing.mentor_id).where(
        Pairing.mentee_id == user.id, Pairing.status.in_(SHARING_STATUSES)
    )


def review_queue(user: User) -> Select[tuple[JournalEntry]]:
    """Shared entries of the user's mentees: the mentor's review queue."""
    return shared_with(user).where(JournalEntry.author_id.in_(_mentee_ids(user)))


def mentor_stories(user: User) -> Select[tuple[JournalEntry]]:
    """Shared entries of the user's mentors: the stories a mentee may read."""
    return shared_with(user).where(JournalEntry.author_id.in_(_mentor_ids(user)))


def can_read_entry(user: User, entry: JournalEntry) -> bool:
    """The author always; a partner only while the entry is published and shared."""
    if entry.author_id == user.id:
        return True
    return entry.is_shared and is_partner(user, entry.author_id)


def can_edit_entry(user: User, entry: JournalEntry) -> bool:
    """Only the author writes to an entry."""
    return entry.author_id == user.id


def can_comment_on_entry(user: User, entry: JournalEntry) -> bool:
    """The author and the partners who can read it may comment."""
    return can_read_entry(user, entry)


def can_review_entry(user: User, entry: JournalEntry) -> bool:
    """The author's mentor marks a shared entry reviewed; the author never reviews their own."""
    if entry.author_id == user.id or not entry.is_shared:
        return False
    query = _mentee_ids(user).where(Pairing.mentee_id == entry.author_id)
    return db.session.scalar(query.limit(1)) is not None


def visible_comments(user: User) -> Select[tuple[EntryComment]]:
    """A comment is seen by its own author always, and by others only on a shared entry.

    When an entry is unshared, every comment on it stays visible to its own author only.
    """
    shared_readable = (
        visible_entries(user)
        .where(
            JournalEntry.visibility == Visibility.shared,
            JournalEntry.status == EntryStatus.published,
        )
        .with_only_columns(JournalEntry.id)
    )
    return select(EntryComment).where(
        or_(EntryComment.author_id == user.id, EntryComment.entry_id.in_(shared_readable))
    )


# --- notifications ---------------------------------------------------------------------


def visible_notifications(user: User) -> Select[tuple[Notification]]:
    """Notifications are for their addressee only, admins included."""
    return select(Notification).where(Notification.user_id == user.id)


# --- enforcement helpers ---------------------------------------------------------------


def get_visible_or_404(query: Select[tuple[T]], ident: Any, model: type[T]) -> T:
    """Load one object by id from a visibility query, or answer 404."""
    obj = db.session.scalar(query.where(model.id == ident))  # type: ignore[attr-defined]
    if obj is None:
        abort(404)
    return obj


def admin_required(view: Callable) -> Callable:
    """Only portal admins reach the view; anyone else gets a 404, as for a hidden object."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_portal_admin:
            abort(404)
        return view(*args, **kwargs)

    return wrapped


# --- enrollment, matching and the audit log ----------------------------------------------


def visible_audit_events(user: User) -> Select:
    """The audit log of admin decisions is for portal admins only."""
    query = select(AuditEvent)
    return query if user.is_portal_admin else query.where(AuditEvent.id.is_(None))


def visible_program_by_slug(user: User | None, slug: str) -> Program:
    """A programme by its slug, if the person may see it; 404 otherwise."""
    program = db.session.scalar(visible_programs(user).where(Program.slug == slug))
    if program is None:
        abort(404)
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
# shared one is seen by the owner and their partners in an active or completed pairing.
# Check-ins follow their practice; a comment stays its author's, as in the journal.
# Admins get no exception. A pairing's meeting log, next date and agenda are for its two
# partners only (they hold shared text).


def visible_practices(user: User) -> Select[tuple[Practice]]:
    """The user's own practices and their partners' shared ones."""
    return select(Practice).where(
        Practice.owner_id.in_(_self_and_partner_ids(user)),
        or_(Practice.owner_id == user.id, Practice.visibility == Visibility.shared),
    )


def can_read_practice(user: User, practice: Practice) -> bool:
    if practice.owner_id == user.id:
        return True
    return practice.is_shared and is_partner(user, practice.owner_id)


def can_edit_practice(user: User, practice: Practice) -> bool:
    """Only the owner checks in, closes or changes a practice."""
    return practice.owner_id == user.id


def can_comment_on_practice(user: User, practice: Practice) -> bool:
    """The owner and the partners who can read it may comment or encourage."""
    return can_read_practice(user, practice)


def visible_check_ins(user: User) -> Select[tuple[CheckIn]]:
    """Check-ins of the practices the user may read."""
    readable = visible_practices(user).with_only_columns(Practice.id)
    return select(CheckIn).where(CheckIn.practice_id.in_(readable))


def visible_practice_comments(user: User) -> Select[tuple[PracticeComment]]:
    """As in the journal: a comment is seen by its own author always, and by others only
    while its practice is shared. On a practice made private, each comment stays with its
    author."""
    shared_readable = (
        visible_practices(user)
        .where(Practice.visibility == Visibility.shared)
        .with_only_columns(Practice.id)
    )
    return select(PracticeComment).where(
        or_(
            PracticeComment.author_id == user.id,
            PracticeComment.practice_id.in_(shared_readable),
        )
    )


def can_open_pairing_log(user: User, pairing: Pairing) -> bool:
    """The meeting log and prep page are for the two partners of an approved pairing.

    Unlike the pairing itself, admins may not open them: they hold the pair's shared notes.
    """
    return pairing.involves(user) and pairing.status != "proposed"


def pairing_log_or_404(user: User, pairing_id: int) -> Pairing:
    """The pairing whose meeting log the user may open, or 404."""
    pairing = db.session.get(Pairing, pairing_id)
    if pairing is None or not can_open_pairing_log(user, pairing):
        abort(404)
    return pairing


def visible_meetings(user: User) -> Select[tuple[Meeting]]:
    """Meetings of pairings the user takes part in (approved), admins included as people."""
    mine = select(Pairing.id).where(
        or_(Pairing.mentor_id == user.id, Pairing.mentee_id == user.id),
        Pairing.status != "proposed",
    )
    return select(Meeting).where(Meeting.pairing_id.in_(mine))


def visible_agenda_points(user: User) -> Select[tuple[AgendaPoint]]:
    mine = select(Pairing.id).where(
        or_(Pairing.mentor_id == user.id, Pairing.mentee_id == user.id),
        Pairing.status != "proposed",
    )
    return select(AgendaPoint).where(AgendaPoint.pairing_id.in_(mine))
