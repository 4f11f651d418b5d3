"""Who is due which reminder now, in their own morning; the worker sends what this finds.

Each finder yields `Message`s whose keys name the event they are about (a meeting's
UID and SEQUENCE, the date of the last meeting, the ISO week of a digest), so the same
event never reaches a person twice, while a new event does.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal.core.time import YearAware, add_days, local_now
from portal.extensions import db
from portal.models import Pairing, PairingStatus, Program, ProgramStatus, User
from portal.models.circles import Circle, CircleStatus
from portal.models.guide import ClosingReflection, GuideDispatch, SurveyResponse
from portal.models.journal import JournalEntry
from portal.models.kickoff import Agreement, AgreementVersion
from portal.models.meetings import Meeting
from portal.models.practice import CheckIn, Practice, PracticeStatus
from portal.models.programs import Membership
from portal.services import access, surveys
from portal.services.choosing import due as choosing_due
from portal.services.pairings import closing
from portal.services.pairings.next_meeting import next_meetings
from portal.services.reminders import preferences, settings
from portal.services.reminders.dispatch import Message, dispatch
from portal.services.reminders.kinds import DAILY_EMAIL_CAP, KINDS, PRIORITY

log = logging.getLogger(__name__)


def is_morning(user: User, now: datetime) -> bool:
    """True in the person's own morning window, whatever the offset or the season."""
    start, end = current_app.config["GUIDE_MORNING_HOURS"]
    return start <= local_now(user, now).hour < end


class Run:
    """One pass over the schedules at `now`; remembers each programme's settings."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._nudges: dict[int, dict[str, settings.Nudge]] = {}

    def nudge(self, program: Program, kind: str) -> settings.Nudge:
        if program.id not in self._nudges:
            self._nudges[program.id] = settings.nudges(program)
        return self._nudges[program.id][kind]

    def today(self, user: User) -> date:
        return local_now(user, self.now).date()

    def morning(self, user: User) -> bool:
        """It is the person's morning (for messages about no pairing: requests, office hours)."""
        return is_morning(user, self.now)

    def live_pairings(self) -> list[Pairing]:
        """Active pairings of programmes that have not ended: ended pairings get nothing."""
        query = (
            select(Pairing)
            .join(Program, Program.id == Pairing.program_id)
            .where(
                Pairing.status == PairingStatus.active,
                Program.status != ProgramStatus.completed,
                Program.ends_on >= (self.now - timedelta(days=1)).date(),
            )
            .options(
                joinedload(Pairing.program), joinedload(Pairing.mentor), joinedload(Pairing.mentee)
            )
        )
        return list(db.session.scalars(query).unique())

    def on(self, pairing: Pairing, kind: str, person: User) -> bool:
        """The programme has the nudge on, it is morning there, and the programme still runs."""
        return (
            self.nudge(pairing.program, kind).on
            and is_morning(person, self.now)
            and self.today(person) <= pairing.program.ends_on
        )


def _partners(pairing: Pairing) -> tuple[User, User]:
    return pairing.mentor, pairing.mentee


def _next_meetings_by_zone(run: Run, pairings: list[Pairing]) -> dict[str, dict]:
    """Each pair's next meeting, as each time zone among the partners sees its day."""
    ids = [p.id for p in pairings]
    zones = {person.timezone: person.zone for p in pairings for person in _partners(p)}
    return {name: next_meetings(ids, run.now, zone) for name, zone in zones.items()}


def meeting_tomorrow(run: Run, pairings: list[Pairing]) -> Iterator[Message]:
    """The day before the next agreed meeting (scheduled or planned), with its invitation."""
    from portal.services.pairings.schedule import invitation

    kind = KINDS["meeting_tomorrow"]
    by_zone = _next_meetings_by_zone(run, pairings)
    invitations: dict[int, bytes] = {}  # built once per meeting, and only when someone is due
    for pairing in pairings:
        for person in _partners(pairing):
            upcoming = by_zone[person.timezone].get(pairing.id)
            if upcoming is None or upcoming.day != run.today(person) + timedelta(days=1):
                continue
            if not run.on(pairing, kind.key, person):
                continue
            partner = pairing.partner_of(person)
            local = upcoming.local_time(person.zone)
            at = f" at {local:%H:%M}" if local else ""
            meeting, attachment = upcoming.meeting, None
            if meeting is not None:
                key = f"meeting_tomorrow:{meeting.uid}:{meeting.sequence}:{person.id}"
                if meeting.id not in invitations:
                    invitations[meeting.id] = invitation(meeting)
                ics = invitations[meeting.id]
                attachment = ("invite.ics", ics, "text/calendar; method=REQUEST")
            else:
                key = f"meeting_tomorrow:plan:{pairing.id}:{upcoming.day.isoformat()}:{person.id}"
            yield Message(
                kind=kind.key,
                key=key,
                recipient=person,
                subject=kind.subject_for(at=at),
                notice=kind.notice_for(at=at, partner=partner.name),
                endpoint="pairings.prep",
                values={"pairing_id": pairing.id},
                context={"partner": partner, "meeting": meeting, "local": local},
                pairing_id=pairing.id,
                attachment=attachment,
            )


def _last_meetings(pairings: list[Pairing]) -> dict[int, date]:
    ids = [p.id for p in pairings] or [0]
    rows = db.session.execute(
        select(Meeting.pairing_id, func.max(Meeting.held_on))
        .where(Meeting.pairing_id.in_(ids), Meeting.happened.is_(True))
        .group_by(Meeting.pairing_id)
    )
    return dict(rows.all())


def _planned_ahead(run: Run, pairings: list[Pairing]) -> set[int]:
    """Pairs with an agreed meeting ahead, however it was agreed."""
    return set(next_meetings([p.id for p in pairings], run.now))


def quiet_pairs(run: Run, pairings: list[Pairing]) -> Iterator[Message]:
    """No meeting within the cadence plus grace, or no first meeting after approval."""
    last = _last_meetings(pairings)
    planned = _planned_ahead(run, pairings)
    for pairing in pairings:
        if pairing.id in planned:
            continue  # a meeting is agreed: nothing to nudge about
        held = last.get(pairing.id)
        for person in _partners(pairing):
            partner = pairing.partner_of(person)
            today = run.today(person)
            if held is None:
                kind = "no_first_meeting"
                days = KINDS[kind].days_or_default(run.nudge(pairing.program, kind).days)
                approved = (pairing.approved_at or pairing.created_at).date()
                if today < add_days(approved, days) or not run.on(pairing, kind, person):
                    continue
                yield Message(
                    kind=kind,
                    key=f"no_first_meeting:{pairing.id}:{person.id}",
                    recipient=person,
                    subject=KINDS[kind].subject_for(),
                    notice=KINDS[kind].notice_for(partner=partner.name),
                    endpoint="pairings.schedule",
                    values={"pairing_id": pairing.id},
                    context={"partner": partner, "since": approved},
                    pairing_id=pairing.id,
                    event_on=add_days(approved, days),
                )
                continue
            kind = "meeting_overdue"
            grace = KINDS[kind].days_or_default(run.nudge(pairing.program, kind).days)
            due = add_days(held, pairing.program.cadence.days + grace)
            if today < due or not run.on(pairing, kind, person):
                continue
            yield Message(
                kind=kind,
                key=f"meeting_overdue:{pairing.id}:{held.isoformat()}:{person.id}",
                recipient=person,
                subject=KINDS[kind].subject_for(held=YearAware(held, today)),
                notice=KINDS[kind].notice_for(partner=partner.name, held=YearAware(held, today)),
                endpoint="pairings.schedule",
                values={"pairing_id": pairing.id},
                context={"partner": partner, "held": held, "cadence": pairing.program.cadence},
                pairing_id=pairing.id,
                event_on=due,
            )


def unsigned_agreements(run: Run, pairings: list[Pairing]) -> Iterator[Message]:
    """A week (the programme's timing) after the agreement was saved, to whoever has not signed."""
    by_id = {p.id: p for p in pairings}
    rows = db.session.execute(
        select(Agreement, AgreementVersion)
        .join(
            AgreementVersion,
            (AgreementVersion.agreement_id == Agreement.id)
            & (AgreementVersion.version == Agreement.version),
        )
        .where(Agreement.pairing_id.in_(list(by_id) or [0]))
    )
    for agreement, version in rows:
        pairing = by_id[agreement.pairing_id]
        if version.signed_at is not None:
            continue
        kind = KINDS["unsigned_agreement"]
        days = kind.days_or_default(run.nudge(pairing.program, kind.key).days)
        if run.now < version.saved_at + timedelta(days=days):
            continue
        unsigned = [
            person
            for person, signed in (
                (pairing.mentor, version.mentor_signed_at),
                (pairing.mentee, version.mentee_signed_at),
            )
            if signed is None
        ]
        for person in unsigned:
            if not run.on(pairing, "unsigned_agreement", person):
                continue
            yield Message(
                kind="unsigned_agreement",
                key=f"unsigned_agreement:{pairing.id}:v{version.version}:{person.id}",
                recipient=person,
                subject=kind.subject_for(),
                notice=kind.notice_for(partner=pairing.partner_of(person).name),
                endpoint="pairings.agreement",
                values={"pairing_id": pairing.id},
                context={"partner": pairing.partner_of(person), "version": version.version},
                pairing_id=pairing.id,
                event_on=(version.saved_at + timedelta(days=days)).date(),
            )


def quiet_practices(run: Run, pairings: list[Pairing]) -> Iterator[Message]:
    """An active practice with no check-in for a week; opt-in, so preferences filter it."""
    pairing_of = {}
    for pairing in pairings:
        for person in _partners(pairing):
            pairing_of.setdefault(person.id, (pairing, person))
    if not pairing_of:
        return
    last_check_in = (
        select(CheckIn.practice_id, func.max(CheckIn.day).label("last_day"))
        .group_by(CheckIn.practice_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Practice, last_check_in.c.last_day)
        .outerjoin(last_check_in, last_check_in.c.practice_id == Practice.id)
        .where(
            Practice.owner_id.in_(list(pairing_of)),
            Practice.status == PracticeStatus.open,
            Practice.starts_on <= run.now.date(),
            Practice.ends_on >= run.now.date(),
        )
    )
    for practice, last_day in rows:
        pairing, person = pairing_of[practice.owner_id]
        since = last_day or practice.starts_on
        kind = KINDS["quiet_practice"]
        days = kind.days_or_default(run.nudge(pairing.program, kind.key).days)
        if run.today(person) < add_days(since, days):
            continue
        if not run.on(pairing, "quiet_practice", person):
            continue
        yield Message(
            kind="quiet_practice",
            key=f"quiet_practice:{practice.id}:{since.isoformat()}:{person.id}",
            recipient=person,
            subject=kind.subject_for(since=YearAware(since, run.today(person))),
            # The notice reaches the practice's owner only; the subject names no title.
            notice=kind.notice_for(title=practice.title, since=YearAware(since, run.today(person))),
            endpoint="practice.detail",
            values={"practice_id": practice.id},
            context={"practice": practice, "since": since},
            pairing_id=pairing.id,
            event_on=add_days(since, days),
        )


def held_back(user_ids: set[int], now: datetime) -> dict[int, list[tuple[str, int]]]:
    """Reminders of the last week that the daily cap kept out of each person's e-mail:
    (kind label, count), for the digest. Sent in the app only although the person wanted
    e-mail: that is what the cap did."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(GuideDispatch.user_id, GuideDispatch.kind, func.count())
        .where(
            GuideDispatch.user_id.in_(user_ids),
            GuideDispatch.emailed.is_(False),
            GuideDispatch.kind != "weekly_digest",
            GuideDispatch.created_at > now - timedelta(days=7),
        )
        .group_by(GuideDispatch.user_id, GuideDispatch.kind)
        .order_by(GuideDispatch.user_id, GuideDispatch.kind)
    )
    found: dict[int, list[tuple[str, int]]] = {}
    people = {
        user.id: user for user in db.session.scalars(select(User).where(User.id.in_(user_ids)))
    }
    for user_id, kind, count in rows.tuples():
        if kind in KINDS and preferences.channels(people[user_id], kind).email:
            found.setdefault(user_id, []).append((KINDS[kind].label, count))
    return found


def weekly_digests(run: Run, pairings: list[Pairing]) -> Iterator[Message]:
    """Monday morning: titles and counts of what the partner shared in the last seven days,
    and how many reminders the daily e-mail cap left waiting in the app."""
    due = [
        (pairing, person)
        for pairing in pairings
        for person in _partners(pairing)
        if run.today(person).isoweekday() == 1 and run.on(pairing, "weekly_digest", person)
    ]
    waiting = held_back({person.id for _, person in due}, run.now)
    for pairing, person in due:
        today = run.today(person)
        partner = pairing.partner_of(person)
        since = run.now - timedelta(days=7)
        # Only what the partner shared in this pairing, through the access rules.
        entries = list(
            db.session.scalars(
                access.shared_in_pairing(person, pairing)
                .where(
                    JournalEntry.author_id == partner.id,
                    JournalEntry.published_at >= since,
                )
                .with_only_columns(JournalEntry.title)
                .order_by(JournalEntry.published_at)
                .limit(20)
            )
        )
        check_ins = access.shared_check_in_count(person, partner.id, pairing, since)
        in_app = waiting.pop(person.id, [])  # one digest carries them, if two pairings
        if not entries and not check_ins and not in_app:
            continue
        year, week, _ = today.isocalendar()
        yield Message(
            kind="weekly_digest",
            key=f"weekly_digest:{pairing.id}:{year}-W{week:02d}:{person.id}",
            recipient=person,
            subject=KINDS["weekly_digest"].subject_for(),
            notice=KINDS["weekly_digest"].notice_for(
                partner=partner.name,
                entries=f"{len(entries)} {'entry' if len(entries) == 1 else 'entries'}",
                check_ins=check_ins,
            ),
            endpoint="journal.index",
            context={
                "partner": partner,
                "titles": entries,
                "check_ins": check_ins,
                "waiting": in_app,
                "cap": DAILY_EMAIL_CAP,
            },
            pairing_id=pairing.id,
        )


def survey_invitations(run: Run, pairings: list[Pairing]) -> Iterator[Message]:
    """Every active participant of a programme whose survey round is open, once per round:
    programmes with live pairs, and programmes with an active, open circle (a circles-only
    programme has no pairs, and its members answer about their circle too)."""
    programs = {p.program_id: p.program for p in pairings}
    with_circles = select(Program).where(
        Program.id.in_(
            select(Circle.program_id).where(
                Circle.status == CircleStatus.active, Circle.opens_at <= run.now
            )
        ),
        Program.status != ProgramStatus.completed,
        Program.ends_on >= (run.now - timedelta(days=1)).date(),
    )
    for program in db.session.scalars(with_circles):
        programs.setdefault(program.id, program)
    for program in programs.values():
        round_ = surveys.open_round(program, run.now.date())
        if round_ is None:
            continue
        answered = set(
            db.session.scalars(
                select(SurveyResponse.user_id).where(
                    SurveyResponse.program_id == program.id, SurveyResponse.round == round_
                )
            )
        )
        members = db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.active_in(program.id),
            )
        )
        for person in members:
            if person.id in answered or not is_morning(person, run.now):
                continue
            if not run.nudge(program, "survey").on:
                continue
            yield Message(
                kind="survey",
                key=f"survey:{program.id}:{round_}:{person.id}",
                recipient=person,
                subject=KINDS["survey"].subject_for(round=round_, program=program.name),
                notice=KINDS["survey"].notice_for(round=round_, program=program.name),
                endpoint="surveys.survey",
                values={"slug": program.slug, "round_name": round_.value},
                context={"program": program, "round": round_},
            )


def meeting_ratings(run: Run, pairings: list[Pairing]) -> Iterator[Message]:
    """After each logged meeting, one optional question for both partners."""
    by_id = {p.id: p for p in pairings}
    meetings = db.session.scalars(
        select(Meeting).where(
            Meeting.pairing_id.in_(list(by_id) or [0]),
            Meeting.happened.is_(True),
            Meeting.created_at >= run.now - timedelta(days=3),
            Meeting.created_at <= run.now,
            # A meeting logged (or imported, or seeded) long after it was held is not asked
            # about: the kind's window counts from the day it was held.
            Meeting.held_on
            >= (run.now - timedelta(days=KINDS["meeting_rating"].window + 1)).date(),
        )
    )
    for meeting in meetings:
        pairing = by_id[meeting.pairing_id]
        for person in _partners(pairing):
            if not run.on(pairing, "meeting_rating", person):
                continue
            held = YearAware(meeting.held_on, run.today(person))
            yield Message(
                kind="meeting_rating",
                key=f"meeting_rating:{meeting.id}:{person.id}",
                recipient=person,
                subject=KINDS["meeting_rating"].subject_for(held=held),
                notice=KINDS["meeting_rating"].notice_for(held=held),
                endpoint="pairings.rate_meeting",
                values={"pairing_id": pairing.id, "meeting_id": meeting.id},
                context={"partner": pairing.partner_of(person), "meeting": meeting},
                pairing_id=pairing.id,
                event_on=meeting.held_on,
            )


def closing_invitations(run: Run, pairings: list[Pairing]) -> Iterator[Message]:
    """In the programme's last month, each partner is asked to write a closing reflection."""
    written = set(
        db.session.execute(select(ClosingReflection.pairing_id, ClosingReflection.user_id)).tuples()
    )
    for pairing in pairings:
        for person in _partners(pairing):
            if (pairing.id, person.id) in written:
                continue
            if run.today(person) < closing.closing_opens(pairing):
                continue
            if not run.on(pairing, "closing", person):
                continue
            yield Message(
                kind="closing",
                key=f"closing:{pairing.id}:{person.id}",
                recipient=person,
                subject=KINDS["closing"].subject_for(),
                notice=KINDS["closing"].notice_for(partner=pairing.partner_of(person).name),
                endpoint="pairings.closing",
                values={"pairing_id": pairing.id},
                context={"partner": pairing.partner_of(person), "program": pairing.program},
                pairing_id=pairing.id,
            )


FINDERS = (
    meeting_tomorrow,
    choosing_due.request_reminders,
    choosing_due.meet_checks,
    choosing_due.office_hours_tomorrow,
    quiet_pairs,
    unsigned_agreements,
    quiet_practices,
    weekly_digests,
    survey_invitations,
    meeting_ratings,
    closing_invitations,
)


def due_messages(now: datetime) -> list[Message]:
    """Everything due at `now` (not yet filtered by what was already sent)."""
    run = Run(now)
    pairings = run.live_pairings()
    return [message for finder in FINDERS for message in finder(run, pairings)]


def _sent_keys(keys: list[str]) -> set[str]:
    """Which of these keys went out before, in a few batched queries."""
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        batch = keys[start : start + 500]
        found.update(
            db.session.scalars(select(GuideDispatch.key).where(GuideDispatch.key.in_(batch)))
        )
    return found


def in_window(message: Message, now: datetime) -> bool:
    """Is it still time to send this? Past its kind's window after the event, it is not."""
    window = KINDS[message.kind].window
    if window is None or message.event_on is None:
        return True
    return local_now(message.recipient, now).date() <= add_days(message.event_on, window)


def emailed_today(user_ids: set[int], now: datetime) -> dict[int, int]:
    """How many scheduled e-mails each person got in the last 24 hours (one query)."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(GuideDispatch.user_id, func.count())
        .where(
            GuideDispatch.user_id.in_(user_ids),
            GuideDispatch.emailed.is_(True),
            GuideDispatch.created_at > now - timedelta(days=1),
        )
        .group_by(GuideDispatch.user_id)
    )
    return dict(rows.tuples().all())


def send_due(now: datetime) -> int:
    """Send what is due; each message commits alone, so one failure loses no other.

    Nothing is sent past its kind's window, and nobody gets more than DAILY_EMAIL_CAP
    scheduled e-mails a day: the rest reach them in the app only (the digest counts them).
    """
    sent = 0
    due = due_messages(now)
    # Most of what a pass finds went out on an earlier pass: skip it without a query each.
    # `dispatch` still checks, and the unique key decides any race with another worker.
    done = _sent_keys([message.key for message in due])
    fresh = [m for m in due if m.key not in done and in_window(m, now)]
    fresh.sort(key=lambda m: PRIORITY.index(m.kind))
    emailed = emailed_today({m.recipient.id for m in fresh}, now)
    for message in fresh:
        person = message.recipient.id
        allowed = emailed.get(person, 0) < DAILY_EMAIL_CAP
        try:
            went = dispatch(message, now, email_allowed=allowed)
        except Exception:  # a broken message must not stop the others; it is retried next run
            db.session.rollback()
            log.exception("guide: could not send %s", message.key)
            continue
        sent += went
        if went and allowed and preferences.channels(message.recipient, message.kind).email:
            emailed[person] = emailed.get(person, 0) + 1
    return sent
