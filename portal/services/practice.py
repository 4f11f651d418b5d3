"""Practices: creating them, checking in, weekly progress, comments, closing and the library."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Date, bindparam, or_, select, tuple_
from sqlalchemy.orm import joinedload

from portal.core.errors import FieldError
from portal.core.time import add_days, local_today
from portal.extensions import db
from portal.models import Membership, MembershipStatus, Pairing, User, utcnow
from portal.models.journal import EntryStatus, JournalEntry, Visibility
from portal.models.practice import (
    CheckIn,
    CommentKind,
    Practice,
    PracticeComment,
    PracticeStatus,
    PracticeTemplate,
)
from portal.services import access, sharing
from portal.services.platform.links import path_for
from portal.services.platform.notifications import notify
from portal.services.platform.paging import after_key, key_token
from portal.services.sharing import (
    SharingError,
    audience_sentence,
    resolve_audience,
)

# The built-in library (also seeded by migration 0004_practice, which keeps its own copy).
BUILT_IN_TEMPLATES = [
    (
        "active-listening",
        "Active listening",
        "People open up when they feel heard, not when they get advice.",
        "In one conversation a day, listen without interrupting, then summarise what you heard "
        "before you answer. Note how the other person responded.",
        3,
        3,
    ),
    (
        "certification-research",
        "Research a new skill certification",
        "A certification is a map of a skill: it shows what good looks like.",
        "Pick one skill you want to grow. Compare two or three certifications: content, effort, "
        "cost and who recognises them. Talk to someone who holds one.",
        3,
        2,
    ),
    (
        "vision-statement",
        "Write a vision statement",
        "Knowing where you want to be in three years makes today's choices easier.",
        "Write a first draft of where you want to be in three years, then revise it a little "
        "each session: what would you be doing, with whom, and why it matters.",
        4,
        2,
    ),
    (
        "self-assessment",
        "Complete a self-assessment",
        "Honest self-knowledge is the start of every development plan.",
        "Rate yourself on the skills your role needs, with one example for each rating. Ask a "
        "trusted colleague for one rating to compare.",
        2,
        2,
    ),
    (
        "interview-colleague",
        "Interview another colleague",
        "Every colleague has lived through something you have not.",
        "Ask a colleague from another team for 30 minutes about how they grew into their role. "
        "Prepare three questions and write down one thing you will try.",
        3,
        1,
    ),
]

ENCOURAGEMENTS = ["Keep going!", "Great noticing.", "Proud of you for sticking with it."]
REFLECTION_PROMPT_KEY = "practice-reflection"
MAX_WINDOW_DAYS = 7 * 16


class PracticeError(FieldError):
    """Bad input for one form field of this domain; nothing was written."""


# --- time ------------------------------------------------------------------------------


# --- weekly progress -------------------------------------------------------------------


@dataclass
class WeekProgress:
    number: int
    starts_on: date
    ends_on: date
    target: int
    count: int

    @property
    def met(self) -> bool:
        return self.count >= self.target

    def is_current(self, today: date) -> bool:
        return self.starts_on <= today <= self.ends_on


@dataclass
class Progress:
    """Check-ins against the target for each week of a practice's window."""

    weeks: list[WeekProgress]
    outside: int = 0  # check-ins before or after the window (kept, not counted)

    @property
    def done(self) -> int:
        return sum(min(w.count, w.target) for w in self.weeks)

    @property
    def count(self) -> int:
        return sum(w.count for w in self.weeks)

    @property
    def target(self) -> int:
        return sum(w.target for w in self.weeks)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.target) if self.target else 0

    @property
    def weeks_met(self) -> int:
        return sum(1 for w in self.weeks if w.met)

    @property
    def scale(self) -> int:
        """The chart's top: the larger of the highest target and the busiest week."""
        return max([1, *(w.target for w in self.weeks), *(w.count for w in self.weeks)])


# A practice runs a few weeks; a longer window (a date typed wrong long ago) is charted
# for two years at most, so the chart stays small and date arithmetic cannot overflow.
MAX_CHART_WEEKS = 104


def weekly_progress(practice: Practice, days: Iterable[date]) -> Progress:
    """Count check-in days per week of the window; a short last week gets a prorated target."""
    last = min(practice.ends_on, add_days(practice.starts_on, 7 * MAX_CHART_WEEKS - 1))
    total_days = (last - practice.starts_on).days + 1
    weeks: list[WeekProgress] = []
    for number in range(math.ceil(total_days / 7)):
        start = practice.starts_on + timedelta(days=7 * number)
        end = min(add_days(start, 6), last)
        length = (end - start).days + 1
        target = practice.per_week if length == 7 else math.ceil(practice.per_week * length / 7)
        weeks.append(WeekProgress(number + 1, start, end, max(target, 1), 0))
    outside = 0
    # Days, not rows: a note and "Practised today" on one day are one day practised.
    for day in set(days):
        index = (day - practice.starts_on).days // 7
        if day < practice.starts_on or day > last:
            outside += 1
        else:
            weeks[index].count += 1
    return Progress(weeks=weeks, outside=outside)


# Built once: the same statement for any list of practices (an expanding parameter).
_CHECK_IN_DAYS = select(CheckIn.practice_id, CheckIn.day).where(
    CheckIn.practice_id.in_(bindparam("practice_ids", expanding=True))
)


def check_in_days(practice_ids: list[int]) -> dict[int, list[date]]:
    """Every check-in day of the given practices, in one query."""
    by_practice: dict[int, list[date]] = defaultdict(list)
    if practice_ids:
        rows = db.session.execute(_CHECK_IN_DAYS, {"practice_ids": list(practice_ids)})
        for practice_id, day in rows:
            by_practice[practice_id].append(day)
    return by_practice


def progress_for(practices: list[Practice]) -> dict[int, Progress]:
    days = check_in_days([p.id for p in practices])
    return {p.id: weekly_progress(p, days.get(p.id, [])) for p in practices}


# --- the library -----------------------------------------------------------------------


def ensure_built_in_templates() -> None:
    """Add the built-in templates when the library has none (the migration seeds them too)."""
    exists = db.session.scalar(
        select(PracticeTemplate.id).where(PracticeTemplate.program_id.is_(None)).limit(1)
    )
    if exists is not None:
        return
    for position, (key, title, idea, action, weeks, per_week) in enumerate(BUILT_IN_TEMPLATES):
        db.session.add(
            PracticeTemplate(
                key=key,
                title=title,
                idea=idea,
                action=action,
                weeks=weeks,
                per_week=per_week,
                position=position,
            )
        )
    db.session.flush()


def library_for(user: User) -> list[PracticeTemplate]:
    """Built-in templates plus those of the programmes the user takes part in."""
    my_programs = select(Membership.program_id).where(
        Membership.user_id == user.id, Membership.status == MembershipStatus.active
    )
    query = (
        select(PracticeTemplate)
        .where(
            PracticeTemplate.archived.is_(False),
            or_(
                PracticeTemplate.program_id.is_(None),
                PracticeTemplate.program_id.in_(my_programs),
            ),
        )
        .order_by(
            PracticeTemplate.program_id.is_not(None),
            PracticeTemplate.position,
            PracticeTemplate.id,
        )
    )
    return list(db.session.scalars(query))


def template_for(user: User, template_id: int | None) -> PracticeTemplate | None:
    if not template_id:
        return None
    return next((t for t in library_for(user) if t.id == template_id), None)


def all_templates() -> list[PracticeTemplate]:
    """Every template, for the admin's library editor."""
    query = (
        select(PracticeTemplate)
        .options(joinedload(PracticeTemplate.program))
        .order_by(
            PracticeTemplate.archived,
            PracticeTemplate.program_id.is_not(None),
            PracticeTemplate.program_id,
            PracticeTemplate.position,
            PracticeTemplate.id,
        )
    )
    return list(db.session.scalars(query))


# --- creating and listing ----------------------------------------------------------------


def validate_window(starts_on: date, ends_on: date) -> None:
    if ends_on < starts_on:
        raise PracticeError("The end date comes after the start date.", "ends_on")
    if (ends_on - starts_on).days > MAX_WINDOW_DAYS:
        raise PracticeError("Keep a practice to sixteen weeks at most.", "ends_on")


def _wanted_audience(owner: User, values: dict, practice: Practice | None) -> list[int] | None:
    """The pairing ids a save shares in ([] keeps it private; None keeps a shared practice's
    audience), from ``visibility`` and the optional ``audience`` choice; may raise."""
    choice = values.pop("audience", None)
    if values.get("visibility", Visibility.shared) is not Visibility.shared:
        return []
    already = practice is not None and practice.is_shared
    try:
        return resolve_audience(owner, choice or None, already_shared=already)
    except SharingError as error:
        raise PracticeError(str(error), "visibility") from error


def create_practice(owner: User, **values) -> Practice:
    """A new practice for its owner, shared in the pairing(s) chosen by ``audience`` (by
    default the owner's one current pairing); the caller commits."""
    validate_window(values["starts_on"], values["ends_on"])
    audience = _wanted_audience(owner, values, None)
    practice = Practice(owner_id=owner.id, **values)
    db.session.add(practice)
    db.session.flush()
    if audience:
        share_practice(practice, audience)
    else:
        practice.visibility = Visibility.private
    return practice


def share_practice(practice: Practice, pairing_ids: list[int]) -> list[int]:
    """Share the practice (and its check-ins) in exactly these of its owner's sharable
    pairings (see ``sharing.set_audience``); returns the pairing ids newly added. The caller
    commits. Raises PracticeError for a pairing that is not the owner's sharable one."""
    try:
        return sharing.set_audience(practice, pairing_ids)
    except sharing.SharingError as error:
        raise PracticeError(str(error), "visibility") from error


def unshare_practice(practice: Practice) -> None:
    """Make the practice private: every audience row goes. The caller commits."""
    sharing.clear_audience(practice)


def set_practice_visibility(practice: Practice, shared: bool, choice: str | None = None) -> None:
    """The share/unshare switch on a practice's page; the caller commits."""
    if not shared:
        unshare_practice(practice)
        return
    try:
        audience = resolve_audience(practice.owner, choice)
    except SharingError as error:
        raise PracticeError(str(error), "visibility") from error
    share_practice(practice, audience or [])


def audience_line(practice: Practice) -> str:
    """For the owner: exactly who sees the practice and its check-ins."""
    owner = practice.owner or db.session.get(User, practice.owner_id)
    pairings = access.practice_audience(practice) if practice.is_shared else []
    circles = access.practice_circle_audience(practice) if practice.is_shared else []
    people = access.practice_private_readers(practice) if practice.is_shared else []
    return audience_sentence(owner, pairings, circles, people)


def _live_reader_ids(practice: Practice) -> list[int]:
    """The partners of the sharable pairings the practice is shared in."""
    owner = practice.owner or db.session.get(User, practice.owner_id)
    pairings = [
        p for p in access.practice_audience(practice) if access.is_sharable_pairing(owner, p)
    ]
    return sorted({p.partner_of(owner).id for p in pairings})


def linkable_entries(user: User, limit: int = 30) -> list[JournalEntry]:
    """Journal entries a practice may come from: ones the user may read, newest first."""
    query = (
        access.visible_entries(user)
        .where(JournalEntry.status == EntryStatus.published)
        .options(joinedload(JournalEntry.author))
        .order_by(JournalEntry.created_at.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


CLOSED_PAGE = 20


@dataclass
class PracticeList:
    active: list[Practice] = field(default_factory=list)
    planned: list[Practice] = field(default_factory=list)
    closed: list[Practice] = field(default_factory=list)
    partners: list[Practice] = field(default_factory=list)
    progress: dict[int, Progress] = field(default_factory=dict)
    # Closed practices come a page at a time; `older` is the next page's key, if any.
    older: str | None = None
    paged: bool = False


def practice_list(user: User, today: date, older: str | None = None) -> PracticeList:
    """Open practices (the user's and partners' shared ones) and one page of the user's
    closed practices, newest first, in four queries whatever the history."""
    newest_first = (Practice.starts_on.desc(), Practice.id.desc())
    open_practices = db.session.scalars(
        access.visible_practices(user)
        .where(Practice.status == PracticeStatus.open)
        .options(joinedload(Practice.owner))
        .order_by(*newest_first)
    ).all()
    closed_query = access.visible_practices(user).where(
        Practice.owner_id == user.id, Practice.status != PracticeStatus.open
    )
    key = after_key(older, date)
    if key:
        closed_query = closed_query.where(tuple_(Practice.starts_on, Practice.id) < key)
    closed = db.session.scalars(
        closed_query.options(joinedload(Practice.owner))
        .order_by(*newest_first)
        .limit(CLOSED_PAGE + 1)
    ).all()
    shown = list(closed[:CLOSED_PAGE])
    listing = PracticeList(progress=progress_for([*open_practices, *shown]), closed=shown)
    listing.paged = key is not None
    if len(closed) > CLOSED_PAGE:
        listing.older = key_token(shown[-1].starts_on, shown[-1].id)
    for practice in open_practices:
        if practice.owner_id != user.id:
            listing.partners.append(practice)
        elif practice.phase(today) == "planned":
            listing.planned.append(practice)
        else:
            listing.active.append(practice)
    listing.planned.reverse()
    return listing


@dataclass
class PracticeDetail:
    practice: Practice
    check_ins: list[CheckIn]
    comments: list[PracticeComment]
    progress: Progress
    source_entry: JournalEntry | None = None

    def comments_on(self, check_in_id: int | None) -> list[PracticeComment]:
        return [c for c in self.comments if c.check_in_id == check_in_id]


def practice_detail(user: User, practice: Practice) -> PracticeDetail:
    """A practice's check-ins, comments and progress, in two queries."""
    check_ins = list(
        db.session.scalars(
            access.visible_check_ins(user)
            .where(CheckIn.practice_id == practice.id)
            .order_by(CheckIn.day.desc(), CheckIn.id.desc())
        )
    )
    comments = list(
        db.session.scalars(
            access.visible_practice_comments(user)
            .where(PracticeComment.practice_id == practice.id)
            .options(joinedload(PracticeComment.author))
            .order_by(PracticeComment.created_at, PracticeComment.id)
        )
    )
    progress = weekly_progress(practice, [c.day for c in check_ins])
    source = None
    if practice.source_entry_id:
        # Only shown when the viewer may read it: a partner never learns a private title.
        source = db.session.scalar(
            access.visible_entries(user).where(JournalEntry.id == practice.source_entry_id)
        )
    return PracticeDetail(practice, check_ins, comments, progress, source)


# --- check-ins, comments, closing ------------------------------------------------------


def check_in(
    practice: Practice, user: User, note: str = "", day: date | None = None, now=None
) -> CheckIn:
    """Record one practice on a local day (today by default); the caller commits."""
    today = local_today(user, now)
    day = day or today
    if day > today:
        raise PracticeError("You can check in for today or an earlier day, not the future.", "day")
    if day < practice.starts_on:
        raise PracticeError("That day is before this practice started.", "day")
    if practice.is_closed:
        raise PracticeError("This practice is closed.", "note")
    entry = CheckIn(practice_id=practice.id, day=day, note=(note or "").strip())
    db.session.add(entry)
    if practice.is_shared:
        for partner_id in _live_reader_ids(practice):
            notify(
                partner_id,
                "practice-check-in",
                f"{user.name} checked in on the practice “{practice.title}”.",
                path_for("practice.detail", practice_id=practice.id),
                group=True,
            )
    db.session.flush()
    return entry


def add_comment(
    practice: Practice,
    author: User,
    body: str,
    kind: CommentKind = CommentKind.comment,
    check_in_id: int | None = None,
) -> PracticeComment:
    """A comment or encouragement; the owner hears of a partner's, partners of the owner's."""
    body = (body or "").strip()
    if not body:
        raise PracticeError("Write a few words first.", "body")
    if check_in_id is not None:
        owned = db.session.scalar(
            select(CheckIn.id).where(CheckIn.id == check_in_id, CheckIn.practice_id == practice.id)
        )
        if owned is None:
            raise PracticeError("That check-in is not part of this practice.", "body")
    pairing = None
    if author.id != practice.owner_id:
        pairing = access.practice_comment_pairing(author, practice)
        if pairing is None:
            raise PracticeError("This practice is no longer shared with you.", "body")
    comment = PracticeComment(
        practice_id=practice.id,
        author_id=author.id,
        body=body[:1000],
        kind=kind,
        check_in_id=check_in_id,
        pairing_id=pairing and pairing.id,
    )
    db.session.add(comment)
    verb = "encouraged you on" if kind is CommentKind.encouragement else "commented on"
    link, title = path_for("practice.detail", practice_id=practice.id), practice.title
    if author.id != practice.owner_id:
        notify(practice.owner_id, "practice-comment", f"{author.name} {verb} “{title}”.", link)
    elif practice.is_shared:
        for partner_id in _live_reader_ids(practice):
            notify(partner_id, "practice-comment", f"{author.name} replied on “{title}”.", link)
    db.session.flush()
    return comment


def close_practice(practice: Practice, outcome: PracticeStatus, reflection: str) -> None:
    """Mark a practice done or dropped, with what the owner takes away from it."""
    if outcome is PracticeStatus.open:
        raise PracticeError("Choose done or dropped.", "outcome")
    practice.status = outcome
    practice.reflection = (reflection or "").strip()
    practice.closed_at = utcnow()


def reopen_practice(practice: Practice) -> None:
    practice.status = PracticeStatus.open
    practice.closed_at = None


def reflection_to_journal(practice: Practice) -> JournalEntry:
    """Turn a closed practice's reflection into a private journal entry (once)."""
    if practice.reflection_entry_id:
        existing = db.session.get(JournalEntry, practice.reflection_entry_id)
        if existing is not None:
            return existing
    if not practice.reflection.strip():
        raise PracticeError("Write a reflection first.", "reflection")
    outcome = "Done" if practice.status is PracticeStatus.done else "Dropped"
    body = f"{practice.reflection.strip()}\n\n*{outcome}: {practice.title}, "
    body += f"{practice.starts_on:%-d %b} – {practice.ends_on:%-d %b %Y}.*"
    now = utcnow()
    entry = JournalEntry(
        author_id=practice.owner_id,
        title=f"What I learned from “{practice.title}”"[:200],
        body=body,
        visibility=Visibility.private,
        status=EntryStatus.published,
        prompt_key=REFLECTION_PROMPT_KEY,
        created_at=now,
        updated_at=now,
        published_at=now,
    )
    db.session.add(entry)
    db.session.flush()
    practice.reflection_entry_id = entry.id
    return entry


# --- the dashboard ----------------------------------------------------------------------


@dataclass
class PracticePanel:
    today: date
    active: list[Practice] = field(default_factory=list)
    progress: dict[int, Progress] = field(default_factory=dict)
    partner_check_ins: list[CheckIn] = field(default_factory=list)


def dashboard_panel(
    user: User, today: date, limit: int = 5, partner_ids: list[int] | None = None
) -> PracticePanel:
    """The user's active practices and partners' latest check-ins, in three queries.

    ``partner_ids`` (from pairings the caller already loaded) only narrows the access rule.
    The newest check-ins are chosen first and joined to their practice and owner after,
    so the database sorts bare check-ins, not a join of every one of them.
    """
    # Both statements are built once per process (`access.prebuilt`): the same rules, with
    # the viewer, the day and the partners as parameters.
    own_open = access.prebuilt(
        "practice.dashboard.own",
        lambda viewer: (
            access.own_practices(viewer)
            .where(
                Practice.status == PracticeStatus.open,
                Practice.starts_on <= bindparam("today", type_=Date),
            )
            .order_by(Practice.ends_on)
        ),
    )
    mine = db.session.scalars(own_open, access.viewer_params(user, today=today)).all()
    narrowed = partner_ids is not None
    partners = access.prebuilt(
        ("practice.dashboard.partner_check_ins", limit, narrowed),
        lambda viewer: _partner_check_ins(viewer, limit, narrowed),
    )
    values = {"among": list(partner_ids)} if narrowed else {}
    partner_check_ins = db.session.scalars(partners, access.viewer_params(user, **values)).all()
    return PracticePanel(
        today=today,
        active=list(mine),
        progress=progress_for(list(mine)),
        partner_check_ins=list(partner_check_ins),
    )


def _partner_check_ins(viewer: User, limit: int, narrowed: bool):
    """The newest check-ins on partners' practices the viewer reads, with their practice
    and owner; ``narrowed``: the partners' ids come as the ``among`` parameter."""
    newest_first = (CheckIn.created_at.desc(), CheckIn.id.desc())
    among = bindparam("among", expanding=True) if narrowed else None
    newest = (
        access.visible_check_ins(viewer, among=among)
        .join(Practice, CheckIn.practice_id == Practice.id)
        .where(Practice.owner_id != viewer.id)
        .with_only_columns(CheckIn.id)
        .order_by(*newest_first)
        .limit(limit)
    )
    return (
        select(CheckIn)
        .where(CheckIn.id.in_(newest))
        .options(joinedload(CheckIn.practice).joinedload(Practice.owner))
        .order_by(*newest_first)
    )


# --- the new-practice form ------------------------------------------------------------


def program_choices() -> list[tuple[int | None, str]]:
    from portal.models import Program

    programs = db.session.scalars(select(Program).order_by(Program.starts_on.desc()))
    return [(None, "Every programme (built-in)")] + [(p.id, p.name) for p in programs]


def save_template(template: PracticeTemplate, values: dict) -> None:
    """Store a library template from plain values (programme id, title, idea, action, weeks,
    per week)."""
    template.program_id = values["program_id"]
    template.title = values["title"].strip()
    template.idea = (values.get("idea") or "").strip()
    template.action = values["action"].strip()
    template.weeks = values["weeks"]
    template.per_week = values["per_week"]
    db.session.add(template)


def update_practice(practice: Practice, values: dict) -> None:
    """Apply an edit from its owner; the template a practice came from stays."""
    validate_window(values["starts_on"], values["ends_on"])
    values.pop("template_id", None)
    audience = _wanted_audience(practice.owner, values, practice)
    for name, value in values.items():
        setattr(practice, name, value)
    if audience is not None:
        share_practice(practice, audience)


def panel(user: User, roles: set[str], pairings: list[Pairing]) -> PracticePanel | None:
    """The practice panel of a partner's dashboard (the dashboard asks; this answers)."""
    if not roles & {"mentor", "mentee"}:
        return None
    return dashboard_panel(user, local_today(user), partner_ids=Pairing.partner_ids(user, pairings))


def source_choices(user: User) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The journal entries and the meetings a practice may come from, as (id, label)."""
    from portal.models.meetings import Meeting

    entries = [
        (e.id, f"{e.title} ({'yours' if e.author_id == user.id else e.author.first_name})")
        for e in linkable_entries(user)
    ]
    meetings = db.session.scalars(
        access.visible_meetings(user)
        .where(Meeting.happened.is_(True))
        .order_by(Meeting.held_on.desc())
        .limit(12)
    )
    return entries, [(m.id, f"Meeting of {m.held_on:%-d %b %Y}") for m in meetings]
