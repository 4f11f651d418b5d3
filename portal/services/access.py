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
from sqlalchemy import Select, and_, or_, select, union

from portal.extensions import db, login_manager
from portal.models import (
    Membership,
    Notification,
    Pairing,
    Program,
    ProgramStatus,
    User,
    utcnow,
)
from portal.models.enrollment import AuditEvent
from portal.models.journal import EntryComment, EntryStatus, JournalEntry, Visibility
from portal.models.leads import ProgramLead
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
    """Who reads a comment: its author; and, while the entry is shared, the entry's author
    and readers who are the comment author's partners.

    So a mentor's story shared with two mentees shows each mentee only their own comments
    and the mentor's replies, never the other mentee's. When an entry is unshared, every
    comment on it stays visible to its own author only.
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
        or_(
            EntryComment.author_id == user.id,
            and_(
                EntryComment.entry_id.in_(shared_readable),
                or_(
                    EntryComment.entry.has(JournalEntry.author_id == user.id),
                    EntryComment.author_id.in_(partner_ids(user)),
                ),
            ),
        )
    )


# --- notifications ---------------------------------------------------------------------


def visible_notifications(user: User) -> Select[tuple[Notification]]:
    """Notifications are for their addressee only, admins included, once no undo holds them."""
    return select(Notification).where(
        Notification.user_id == user.id,
        or_(Notification.deliver_after.is_(None), Notification.deliver_after <= utcnow()),
    )


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


# --- programme leads ----------------------------------------------------------------------
# A programme lead runs enrollment, matching and approval for the programmes they lead,
# and nothing else: no other programme, no portal-wide page, no private text anywhere.


def led_program_ids(user: User) -> Select[tuple[int]]:
    """A subquery of the ids of the programmes the user leads."""
    return select(ProgramLead.program_id).where(ProgramLead.user_id == user.id)


def leads_any_program(user: User) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    query = select(ProgramLead.id).where(ProgramLead.user_id == user.id).limit(1)
    return db.session.scalar(query) is not None


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
        abort(404)
    return program


def programme_work_required(view: Callable) -> Callable:
    """Portal admins and programme leads reach the view (which then checks the programme)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not (current_user.is_portal_admin or leads_any_program(current_user)):
            abort(404)
        return view(*args, **kwargs)

    return wrapped


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
    """As in the journal: a comment is seen by its author; and, while its practice is
    shared, by the practice's owner and by readers who are the comment author's partners.
    On a practice made private, each comment stays with its author."""
    shared_readable = (
        visible_practices(user)
        .where(Practice.visibility == Visibility.shared)
        .with_only_columns(Practice.id)
    )
    return select(PracticeComment).where(
        or_(
            PracticeComment.author_id == user.id,
            and_(
                PracticeComment.practice_id.in_(shared_readable),
                or_(
                    PracticeComment.practice_id.in_(
                        select(Practice.id).where(Practice.owner_id == user.id)
                    ),
                    PracticeComment.author_id.in_(partner_ids(user)),
                ),
            ),
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


def _own_approved_pairing_ids(user: User) -> Select[tuple[int]]:
    """The ids of the pairings the user takes part in once approved (any status but proposed)."""
    return select(Pairing.id).where(
        or_(Pairing.mentor_id == user.id, Pairing.mentee_id == user.id),
        Pairing.status != "proposed",
    )


def visible_meetings(user: User) -> Select[tuple[Meeting]]:
    """Meetings of pairings the user takes part in (approved), admins included as people."""
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


from portal.models.kickoff import (  # noqa: E402  (kept beside its section, for merging)
    Agreement,
    Goal,
    GoalRating,
    PlannedMeeting,
)


def kickoff_pairing_or_404(user: User, pairing_id: int) -> Pairing:
    """The pairing whose kick-off pages the user may open (a partner, approved), or 404."""
    return pairing_log_or_404(user, pairing_id)


def can_see_partner_email(user: User, pairing: Pairing) -> bool:
    """A partner's e-mail address is shown only inside an active pairing."""
    return pairing.involves(user) and pairing.status == "active"


def visible_goals(user: User) -> Select[tuple[Goal]]:
    """The user's own goals, and the shared goals of pairings the user shares material in."""
    sharing = sharing_pairings(user).with_only_columns(Pairing.id)
    return select(Goal).where(
        or_(
            Goal.owner_id == user.id,
            (Goal.visibility == Visibility.shared) & Goal.pairing_id.in_(sharing),
        )
    )


def can_read_goal(user: User, goal: Goal) -> bool:
    if goal.owner_id == user.id:
        return True
    if not goal.is_shared:
        return False
    pairing = db.session.get(Pairing, goal.pairing_id)
    return pairing is not None and pairing.involves(user) and pairing.status in SHARING_STATUSES


def can_edit_goal(user: User, goal: Goal) -> bool:
    """Only the goal's owner rates it, rewrites it or changes who sees it."""
    return goal.owner_id == user.id


def visible_goal_ratings(user: User) -> Select[tuple[GoalRating]]:
    """The progress history of the goals the user may read."""
    readable = visible_goals(user).with_only_columns(Goal.id)
    return select(GoalRating).where(GoalRating.goal_id.in_(readable))


def visible_planned_meetings(user: User) -> Select[tuple[PlannedMeeting]]:
    """Planned meetings of the user's own approved pairings; admins get no exception here."""
    mine = _own_approved_pairing_ids(user)
    return select(PlannedMeeting).where(PlannedMeeting.pairing_id.in_(mine))


def visible_agreements(user: User) -> Select[tuple[Agreement]]:
    """The agreements of the user's own approved pairings; text is for the two partners only."""
    mine = _own_approved_pairing_ids(user)
    return select(Agreement).where(Agreement.pairing_id.in_(mine))


def can_see_kickoff_overview(user: User) -> bool:
    """Admins see per pair only whether and when: signed on, goals counted, next meeting date."""
    return bool(user.is_portal_admin)


# --- background jobs and the e-mail outbox ------------------------------------------------


def visible_jobs(user: User) -> Select:
    """Background jobs (imports, matching runs) are for portal admins only: counts, no text."""
    from portal.models.jobs import BackgroundJob

    query = select(BackgroundJob)
    return query if user.is_portal_admin else query.where(BackgroundJob.id.is_(None))


def visible_outbox(user: User) -> Select:
    """The outbox is for portal admins only; its pages show addresses and subjects, never
    bodies, which may quote what participants wrote."""
    from portal.models.outbox import OutboxMessage

    query = select(OutboxMessage)
    return query if user.is_portal_admin else query.where(OutboxMessage.id.is_(None))


# --- guide: surveys, meeting ratings, closing, year in review, confidential requests --------
# Survey answers and meeting ratings belong to the programme team as aggregates: a person
# reads back only their own, a partner never. A confidential request is read by its author
# and by portal admins, never by the partner it is about.


def guide_pairing_or_404(user: User, pairing_id: int) -> Pairing:
    """The pairing whose closing and year in review the user may open (a partner), or 404."""
    pairing = db.session.get(Pairing, pairing_id)
    if pairing is None or not pairing.involves(user) or pairing.status not in SHARING_STATUSES:
        abort(404)
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
        abort(404)
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
        abort(404)
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
# Portal admins only. They see per-pair dates, kinds and counts and per-programme aggregates,
# never the text of journals, practices, comments, agendas, meeting notes or goals.


def can_see_programme_insights(user: User) -> bool:
    """Health, analytics and ROI pages are for portal admins (a co-lead role may join later)."""
    return bool(getattr(user, "is_portal_admin", False))


def insights_pairing_or_404(user: User, program: Program, pairing_id: int) -> Pairing:
    """An approved pairing of the programme, for the admin's pair page; 404 for anything else."""
    if not can_see_programme_insights(user):
        abort(404)
    pairing = db.session.scalar(
        select(Pairing).where(
            Pairing.id == pairing_id,
            Pairing.program_id == program.id,
            Pairing.approved_at.is_not(None),
        )
    )
    if pairing is None:
        abort(404)
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
