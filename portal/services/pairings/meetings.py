"""Meetings: the log, the next date, overdue detection, agenda points and session prep."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

from portal.core.text import count_words
from portal.core.time import add_days
from portal.extensions import db
from portal.models import Pairing, PairingStatus, User, utcnow
from portal.models.journal import EntryComment, JournalEntry, Visibility
from portal.models.meetings import AgendaPoint, Meeting, MeetingPlan
from portal.models.practice import CheckIn, Practice, PracticeComment, PracticeStatus
from portal.services import access
from portal.services.pairings.next_meeting import NextMeeting, next_meetings
from portal.services.platform.links import path_for
from portal.services.platform.notifications import notify
from portal.services.practice import PracticeError, Progress, create_practice, weekly_progress

NOTES_LIMIT = 2000
# Who a chosen agenda point becomes a practice for, as the log form offers it.
PRACTICE_FOR = {"": "Not a practice", "me": "Me", "partner": "My partner", "both": "Both of us"}


# --- overdue detection -------------------------------------------------------------------


@dataclass
class MeetingDue:
    """When a pair last met, when they plan to meet, and whether they are overdue."""

    pairing: Pairing
    last_met_on: date | None
    next_planned_on: date | None
    cadence_due_on: date
    today: date
    # The next agreed meeting from every source (the one answer pages show).
    next_meeting: NextMeeting | None = None

    @property
    def overdue_for_cadence(self) -> bool:
        return self.today > self.cadence_due_on

    @property
    def missed_plan(self) -> bool:
        planned = self.next_planned_on
        if planned is None or planned >= self.today:
            return False
        return self.last_met_on is None or self.last_met_on < planned

    @property
    def overdue(self) -> bool:
        return self.overdue_for_cadence or self.missed_plan

    @property
    def days_since(self) -> int | None:
        return (self.today - self.last_met_on).days if self.last_met_on else None


def meeting_due(
    pairing: Pairing, last_met_on: date | None, next_planned_on: date | None, today: date
) -> MeetingDue:
    """A pair is due a meeting one cadence after they last met (or were paired)."""
    started = pairing.approved_at.date() if pairing.approved_at else pairing.created_at.date()
    since = last_met_on or started
    cadence_due_on = add_days(since, pairing.program.cadence.days)
    return MeetingDue(pairing, last_met_on, next_planned_on, cadence_due_on, today)


# Each pairing's last meeting held and the meeting log's planned date, for the ``ids``
# parameter: built once, the same statement for any pairings.
_LAST_AND_PLANNED = select(
    Pairing.id,
    select(func.max(Meeting.held_on))
    .where(Meeting.pairing_id == Pairing.id, Meeting.happened.is_(True))
    .scalar_subquery(),
    select(MeetingPlan.next_meeting_on)
    .where(MeetingPlan.pairing_id == Pairing.id)
    .scalar_subquery(),
).where(Pairing.id.in_(bindparam("ids", expanding=True)))


def meeting_dues(
    pairings: list[Pairing], today: date, zone: ZoneInfo | None = None
) -> list[MeetingDue]:
    """Due dates and next meetings for active pairings, in two queries however many there are:
    each pair's last meeting and planned date, then the scheduled meetings ahead.

    `zone` is the reader's: it decides on which day a scheduled meeting falls.
    """
    active = [p for p in pairings if p.status is PairingStatus.active]
    ids = [p.id for p in active]
    if not ids:
        return []
    last, plans = {}, {}
    for pairing_id, held_on, plan_on in db.session.execute(_LAST_AND_PLANNED, {"ids": ids}):
        last[pairing_id], plans[pairing_id] = held_on, plan_on
    upcoming = next_meetings(ids, utcnow(), zone, plans=plans)
    dues = [meeting_due(p, last.get(p.id), plans.get(p.id), today) for p in active]
    for due in dues:
        due.next_meeting = upcoming.get(due.pairing.id)
    return dues


# --- the log ---------------------------------------------------------------------------


def meetings_of(user: User, pairing: Pairing) -> list[Meeting]:
    query = (
        access.visible_meetings(user)
        .where(Meeting.pairing_id == pairing.id)
        .options(joinedload(Meeting.logged_by))
        .order_by(Meeting.held_on.desc(), Meeting.id.desc())
    )
    return list(db.session.scalars(query))


def plan_of(pairing: Pairing) -> MeetingPlan | None:
    return db.session.get(MeetingPlan, pairing.id)


def set_next_meeting(pairing: Pairing, user: User, next_on: date | None) -> MeetingPlan:
    plan = plan_of(pairing) or MeetingPlan(pairing_id=pairing.id)
    plan.next_meeting_on = next_on
    plan.updated_by_id = user.id
    plan.updated_at = utcnow()
    db.session.add(plan)
    return plan


def open_agenda(user: User, pairing: Pairing) -> list[AgendaPoint]:
    query = (
        access.visible_agenda_points(user)
        .where(AgendaPoint.pairing_id == pairing.id, AgendaPoint.meeting_id.is_(None))
        .options(joinedload(AgendaPoint.author))
        .order_by(AgendaPoint.created_at, AgendaPoint.id)
    )
    return list(db.session.scalars(query))


AGENDA_POINT_LIMIT = 300


def agenda_text(text: str | None) -> str:
    """An agenda point as it is kept (pairs and circles alike): one line, spaces folded, at
    most AGENDA_POINT_LIMIT characters; PracticeError (field ``text``) says what is wrong."""
    text = " ".join((text or "").replace("\x00", "").split())
    if not text:
        raise PracticeError("Write the point you want to talk about.", "text")
    if len(text) > AGENDA_POINT_LIMIT:
        raise PracticeError(f"Keep a point under {AGENDA_POINT_LIMIT} characters.", "text")
    return text


def carried_over_message(carried: int) -> str:
    """What the log says about points not covered: they wait on the next meeting's agenda."""
    points = "agenda point" if carried == 1 else "agenda points"
    return f"{carried} {points} carried over to the next meeting."


def add_agenda_point(pairing: Pairing, user: User, text: str) -> AgendaPoint:
    text = agenda_text(text)
    point = AgendaPoint(pairing_id=pairing.id, author_id=user.id, text=text)
    db.session.add(point)
    db.session.flush()
    return point


def remove_agenda_point(point: AgendaPoint, user: User) -> None:
    """Only the person who added an open point may take it off the agenda."""
    if point.author_id != user.id or not point.is_open:
        raise PermissionError("not yours to remove")
    db.session.delete(point)


def log_meeting(
    pairing: Pairing,
    user: User,
    *,
    held_on: date,
    happened: bool,
    notes: str,
    next_on: date | None,
    practice_for: dict[int, str],
    today: date,
    carry_over: set[int] | frozenset[int] = frozenset(),
) -> Meeting:
    """Log a meeting in one step: close the open agenda, and turn chosen points into practices.

    `practice_for` maps an open agenda point's id to "me", "partner" or "both". The points in
    `carry_over` (not covered this time) stay open: they are on the next meeting's prep.
    """
    if held_on > today:
        raise PracticeError("Log a meeting once it has taken place.", "held_on")
    notes = (notes or "").strip()
    if len(notes) > NOTES_LIMIT:
        raise PracticeError(f"Keep the notes under {NOTES_LIMIT} characters.", "notes")
    if next_on is not None and next_on <= held_on:
        raise PracticeError("The next meeting comes after this one.", "next_meeting_on")
    meeting = Meeting(
        pairing_id=pairing.id, held_on=held_on, happened=happened, notes=notes, logged_by_id=user.id
    )
    db.session.add(meeting)
    db.session.flush()
    partner = pairing.partner_of(user)
    owners = {"me": [user], "partner": [partner], "both": [user, partner]}
    starts = today
    for point in open_agenda(user, pairing) if happened else []:
        if point.id in carry_over:
            continue
        point.meeting_id = meeting.id
        for owner in owners.get(practice_for.get(point.id, ""), []):
            create_practice(
                owner,
                title=point.text[:200],
                idea=f"From our meeting on {held_on:%-d %B %Y}.",
                source_meeting_id=meeting.id,
                action="",
                starts_on=starts,
                ends_on=starts + timedelta(days=20),
                per_week=2,
                visibility=Visibility.shared,
                audience=str(pairing.id),
            )
    # Only an explicit date moves the plan: an agreed next meeting is never replaced by a guess.
    if next_on is not None:
        set_next_meeting(pairing, user, next_on)
    notify(
        partner,
        "meeting-logged",
        f"{user.name} logged your meeting of {held_on:%-d %b %Y}.",
        path_for("pairings.detail", pairing_id=pairing.id),
    )
    return meeting


# --- session prep ------------------------------------------------------------------------


@dataclass
class PrepPractice:
    practice: Practice
    progress: Progress
    check_ins: list[CheckIn]
    comments: list[PracticeComment]


@dataclass
class Prep:
    """Everything since the last meeting that both partners may see, and nothing private."""

    pairing: Pairing
    today: date
    since: date | None
    last_meeting: Meeting | None
    viewer_id: int | None = None  # whose prep this is: their own comments need no answer
    entries: list[JournalEntry] = field(default_factory=list)  # the newest PREP_ENTRIES
    entry_count: int = 0  # every shared entry since the last meeting
    practices: list[PrepPractice] = field(default_factory=list)
    entry_comments: list[EntryComment] = field(default_factory=list)
    practice_comments: list[PracticeComment] = field(default_factory=list)
    agenda: list[AgendaPoint] = field(default_factory=list)
    plan: MeetingPlan | None = None
    next_meeting: NextMeeting | None = None
    suggestions: list[str] = field(default_factory=list)

    @property
    def check_in_count(self) -> int:
        return sum(len(item.check_ins) for item in self.practices)

    @property
    def open_comments(self) -> int:
        """Comments the partner wrote since the last meeting: the viewer's own need no
        follow-up from them."""
        comments = [*self.entry_comments, *self.practice_comments]
        return sum(1 for c in comments if c.author_id != self.viewer_id)


PREP_ENTRIES = 20


def newest_shared(shared_since: Any, *newest_first: Any) -> tuple[list[JournalEntry], int]:
    """A prep page's entries shared since the last meeting: the newest PREP_ENTRIES and how
    many there are. A prolific writer may share hundreds of entries between two meetings: the
    page lists the newest and counts the rest, so it stays one screenful whatever the journal."""
    rows = db.session.execute(
        shared_since.add_columns(func.count().over())
        .options(joinedload(JournalEntry.author))
        .order_by(*newest_first)
        .limit(PREP_ENTRIES)
    ).all()
    return [entry for entry, _ in rows], rows[0][1] if rows else 0


def practices_since(
    user: User, shared: Any, since_at: datetime, today: date
) -> tuple[list[Practice], list[CheckIn]]:
    """A prep page's practices (``shared``: those the user reads in the relationship) that are
    open or closed since the last meeting, and their check-ins the user reads, newest first."""
    practices = list(
        db.session.scalars(
            shared.where(
                (Practice.status == PracticeStatus.open) | (Practice.closed_at >= since_at),
                Practice.starts_on <= today,
            )
            .options(joinedload(Practice.owner))
            .order_by(Practice.owner_id, Practice.ends_on)
        )
    )
    check_ins = list(
        db.session.scalars(
            access.visible_check_ins(user)
            .where(CheckIn.practice_id.in_([p.id for p in practices]))
            .order_by(CheckIn.day.desc(), CheckIn.id.desc())
        )
    )
    return practices, check_ins


def prep_practices(
    practices: list[Practice], check_ins: list[CheckIn], comments: list, since: date | None
) -> list[PrepPractice]:
    """Each practice with its weekly progress, its check-ins since ``since`` and its comments."""
    out = []
    for practice in practices:
        own = [c for c in check_ins if c.practice_id == practice.id]
        recent = [c for c in own if since is None or c.day >= since]
        mine = [c for c in comments if c.practice_id == practice.id]
        out.append(
            PrepPractice(practice, weekly_progress(practice, [c.day for c in own]), recent, mine)
        )
    return out


def _last_meeting(pairing: Pairing) -> Meeting | None:
    return db.session.scalars(
        select(Meeting)
        .where(Meeting.pairing_id == pairing.id, Meeting.happened.is_(True))
        .order_by(Meeting.held_on.desc(), Meeting.id.desc())
        .limit(1)
    ).first()


def prep_for(user: User, pairing: Pairing, today: date) -> Prep:
    """Gather the prep page in a fixed number of queries.

    Every item must be shared: the user's own private entries and practices are left out
    as well, so both partners see exactly the same page.
    """
    last = _last_meeting(pairing)
    since = last.held_on if last else None
    since_at = datetime.combine(since, time.min) if since else datetime.min
    prep = Prep(
        pairing=pairing,
        today=today,
        since=since,
        last_meeting=last,
        viewer_id=user.id,
        plan=plan_of(pairing),
        next_meeting=next_meetings([pairing.id], utcnow(), user.zone).get(pairing.id),
    )

    prep.entries, prep.entry_count = newest_shared(
        access.shared_in_pairing(user, pairing).where(JournalEntry.created_at >= since_at),
        JournalEntry.created_at.desc(),
        JournalEntry.id.desc(),
    )
    practices, check_ins = practices_since(
        user, access.practices_shared_in_pairing(user, pairing), since_at, today
    )
    ids = [p.id for p in practices]
    prep.practice_comments = list(
        db.session.scalars(
            access.visible_practice_comments(user)
            .where(PracticeComment.practice_id.in_(ids), PracticeComment.created_at >= since_at)
            .options(joinedload(PracticeComment.author))
            .order_by(PracticeComment.created_at, PracticeComment.id)
        )
    )
    prep.practices = prep_practices(practices, check_ins, prep.practice_comments, since)

    shared_entry_ids = (
        access.shared_in_pairing(user, pairing).with_only_columns(JournalEntry.id).scalar_subquery()
    )
    prep.entry_comments = list(
        db.session.scalars(
            access.visible_comments(user)
            .where(
                EntryComment.entry_id.in_(shared_entry_ids),
                EntryComment.created_at >= since_at,
            )
            .options(joinedload(EntryComment.author), joinedload(EntryComment.entry))
            .order_by(EntryComment.created_at, EntryComment.id)
        )
    )
    prep.agenda = open_agenda(user, pairing)
    prep.suggestions = suggested_agenda(prep, today)
    return prep


def suggested_agenda(prep: Prep, today: date, limit: int = 6) -> list[str]:
    """A short agenda built from the material, skipping points already on the agenda."""
    points: list[str] = []
    for item in prep.practices:
        practice, who = item.practice, item.practice.owner.first_name
        if practice.phase(today) == "ended":
            points.append(f"{who}'s “{practice.title}” has ended: done or dropped, and why?")
        elif item.check_ins:
            count = count_words(len(item.check_ins), "check-in")
            points.append(f"{who}'s “{practice.title}”: {count} — what did you notice?")
        elif practice.phase(today) == "active" and item.progress.count:
            done = f"{item.progress.count}/{item.progress.target}"
            points.append(
                f"{who}'s “{practice.title}”: no check-in since the last meeting"
                f" ({done} so far) — what got in the way?"
            )
        elif practice.phase(today) == "active":
            points.append(f"{who}'s “{practice.title}” has no check-ins yet: what got in the way?")
    for entry in prep.entries[:2]:
        points.append(f"Talk about {entry.author.first_name}'s entry “{entry.title}”.")
    if prep.open_comments:
        pairing = prep.pairing
        in_pair = prep.viewer_id in (pairing.mentor_id, pairing.mentee_id)
        partner = pairing.mentee if prep.viewer_id == pairing.mentor_id else pairing.mentor
        whose = f" from {partner.first_name}" if in_pair else ""
        count = count_words(prep.open_comments, "comment")
        points.append(f"Follow up on {count}{whose}.")
    points.append("Choose the next idea to practise before we meet again.")
    taken = {p.text for p in prep.agenda}
    return [p for p in points if p not in taken][:limit]


# --- pages ------------------------------------------------------------------------------


def my_pairings(user: User) -> list[Pairing]:
    """The pairings whose log the user may open (their own approved ones), newest first."""
    query = (
        select(Pairing)
        .where(
            (Pairing.mentor_id == user.id) | (Pairing.mentee_id == user.id),
            Pairing.status != PairingStatus.proposed,
        )
        .options(
            joinedload(Pairing.program), joinedload(Pairing.mentor), joinedload(Pairing.mentee)
        )
        .order_by(Pairing.created_at.desc())
    )
    return list(db.session.scalars(query))


@dataclass
class MeetingLog:
    meetings: list[Meeting]
    plan: MeetingPlan | None
    due: MeetingDue | None
    agenda: list[AgendaPoint]
    next_meeting: NextMeeting | None = None


def meeting_log(user: User, pairing: Pairing, today: date) -> MeetingLog:
    meetings = meetings_of(user, pairing)
    plan = plan_of(pairing)
    last_met = next((m.held_on for m in meetings if m.happened), None)
    due = None
    if pairing.status is PairingStatus.active:
        due = meeting_due(pairing, last_met, plan.next_meeting_on if plan else None, today)
    upcoming = next_meetings([pairing.id], utcnow(), user.zone).get(pairing.id)
    if due is not None:
        due.next_meeting = upcoming
    return MeetingLog(meetings, plan, due, open_agenda(user, pairing), upcoming)
