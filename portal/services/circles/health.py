"""Circle health for the programme team: aggregates over all the programme's circles only.

A circle is usually under five people, so no figure is ever shown per circle: every figure
here is over the whole programme, and one that describes fewer than five distinct people is
suppressed (``insights.suppression``). Activity is counted from metadata (rows and dates),
never from what anyone wrote.

The formula (also on the board under "How is this computed?" and in docs/circles.md): C is
the circle's cadence in days (monthly 31, every two weeks 14); the gap is the days since the
circle's last meeting that has started, or since it opened when none has. Attendance is the
share of places taken among the places the facilitator recorded for meetings that started in
the last ATTENDANCE_DAYS days. Activity is the items shared with the circle (entries,
practices, goals) and the practice check-ins of its people (the facilitator and the current
members) in the last ACTIVITY_DAYS days.

1. At risk, when any of: the gap is more than 2 x C; attendance below 50%; the gap is more
   than C and nothing was shared nor checked in over the activity window.
2. Needs a check-in, when any of: the gap is more than C; attendance below 75%; meetings
   started in the attendance window and no place was recorded; from the circle's 30th day
   on, nothing shared with the circle, or no check-in by its people, in 30 days.
3. On track otherwise.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import case, func, select, union_all

from portal.core.text import count_words
from portal.extensions import db
from portal.models import Cadence, Program, utcnow
from portal.models.circles import (
    Circle,
    CircleAttendance,
    CircleMeeting,
    CircleMember,
    CircleStatus,
    EntryCircleAudience,
    GoalCircleAudience,
    PracticeCircleAudience,
)
from portal.models.journal import JournalEntry
from portal.models.practice import CheckIn, Practice
from portal.services.insights import suppression

# The formula's numbers live here only: the board (`admin/_circle_formula.html`, through
# FORMULA) and docs/circles.md read them, and a test holds the doc to these values.
ACTIVITY_DAYS = 30  # the sharing and practice window, and the days before its rules count
ATTENDANCE_DAYS = 90  # how far back recorded attendance counts
AT_RISK_GAP_TIMES = 2  # a gap of more than this many cadences is at risk
LOW_ATTENDANCE_PERCENT = 75  # attendance below this needs a check-in
AT_RISK_ATTENDANCE_PERCENT = 50  # attendance below this is at risk

FORMULA = {
    "activity_days": ACTIVITY_DAYS,
    "attendance_days": ATTENDANCE_DAYS,
    "at_risk_gap_times": AT_RISK_GAP_TIMES,
    "low_attendance_percent": LOW_ATTENDANCE_PERCENT,
    "at_risk_attendance_percent": AT_RISK_ATTENDANCE_PERCENT,
    "monthly_days": Cadence.monthly.days,
    "biweekly_days": Cadence.biweekly.days,
    "min_people": suppression.MIN_PEOPLE,
}


class CircleState(StrEnum):
    at_risk = "at_risk"
    needs_check_in = "needs_check_in"
    on_track = "on_track"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {
    CircleState.at_risk: "At risk",
    CircleState.needs_check_in: "Needs a check-in",
    CircleState.on_track: "On track",
}


@dataclass(frozen=True)
class CircleFacts:
    """What the formula reads about one active circle on one day (counts and dates only)."""

    opened_on: date
    cadence_days: int
    last_met_on: date | None = None
    meetings_recent: int = 0  # meetings started in the attendance window
    places_recorded: int = 0  # attendance rows of those meetings
    places_taken: int = 0  # of which attended
    shared: int = 0  # items shared with the circle in the activity window
    check_ins: int = 0  # practice check-ins of its people in the activity window


@dataclass(frozen=True)
class Assessment:
    state: CircleState
    reasons: tuple[str, ...]


def _days(n: int) -> str:
    return count_words(n, "day")


def _below(taken: int, recorded: int, percent: int) -> bool:
    """Whether taken / recorded is below `percent`, in whole numbers (no rounding at the edge)."""
    return recorded > 0 and taken * 100 < percent * recorded


def assess(facts: CircleFacts, today: date) -> Assessment:
    """Apply the published formula to one circle's facts. The result is never shown for one
    circle: only the number of circles (and people) in each state, over the programme."""
    cadence = facts.cadence_days
    since = facts.last_met_on or facts.opened_on
    gap = (today - since).days
    age = (today - facts.opened_on).days
    gap_words = (
        f"no meeting for {_days(gap)}" if facts.last_met_on else f"no meeting in {_days(gap)}"
    )
    quiet = facts.shared == 0 and facts.check_ins == 0
    taken, recorded = facts.places_taken, facts.places_recorded
    attendance = f"{taken} of {recorded} places taken"

    risks = []
    if gap > AT_RISK_GAP_TIMES * cadence:
        risks.append(gap_words)
    if _below(taken, recorded, AT_RISK_ATTENDANCE_PERCENT):
        risks.append(attendance)
    if cadence < gap <= AT_RISK_GAP_TIMES * cadence and quiet:
        risks.append(f"{gap_words}, and nothing shared or practised in {_days(ACTIVITY_DAYS)}")
    if risks:
        return Assessment(CircleState.at_risk, tuple(risks))

    checks = []
    if gap > cadence:
        checks.append(gap_words)
    if _below(taken, recorded, LOW_ATTENDANCE_PERCENT):
        checks.append(attendance)
    if facts.meetings_recent and not recorded:
        checks.append("attendance not recorded")
    if age >= ACTIVITY_DAYS:
        if facts.shared == 0:
            checks.append(f"nothing shared with the circle in {_days(ACTIVITY_DAYS)}")
        if facts.check_ins == 0:
            checks.append(f"no practice check-in in {_days(ACTIVITY_DAYS)}")
    if checks:
        return Assessment(CircleState.needs_check_in, tuple(checks))
    return Assessment(CircleState.on_track, ("meeting and active",))


def _as_date(value: datetime | str | None) -> date | None:
    """Aggregates over datetimes come back as strings on SQLite."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.date()


@dataclass
class CircleRow:
    """One active circle's facts and state: only ever counted, never listed."""

    circle_id: int
    program_id: int
    people: frozenset[int]
    facts: CircleFacts
    assessment: Assessment


def circle_rows(programs: list[Program], now: datetime | None = None) -> list[CircleRow]:
    """Every active, open circle of the programmes with its state, in six queries."""
    if not programs:
        return []
    now = now or utcnow()
    today = now.date()
    ids = [p.id for p in programs]
    circles = db.session.execute(
        select(
            Circle.id, Circle.program_id, Circle.cadence, Circle.opens_at, Circle.facilitator_id
        ).where(
            Circle.program_id.in_(ids),
            Circle.status == CircleStatus.active,
            Circle.opens_at.is_not(None),
            Circle.opens_at <= now,
        )
    ).all()
    if not circles:
        return []
    live = select(Circle.id).where(
        Circle.program_id.in_(ids),
        Circle.status == CircleStatus.active,
        Circle.opens_at.is_not(None),
        Circle.opens_at <= now,
    )
    people: dict[int, set[int]] = defaultdict(set)
    for circle_id, _, _, _, facilitator_id in circles:
        people[circle_id].add(facilitator_id)
    for circle_id, user_id in db.session.execute(
        select(CircleMember.circle_id, CircleMember.user_id).where(
            CircleMember.circle_id.in_(live), CircleMember.left_at.is_(None)
        )
    ):
        people[circle_id].add(user_id)

    recent = now - timedelta(days=ATTENDANCE_DAYS)
    meetings = {
        cid: (_as_date(last), n or 0)
        for cid, last, n in db.session.execute(
            select(
                CircleMeeting.circle_id,
                func.max(CircleMeeting.starts_at),
                func.sum(case((CircleMeeting.starts_at >= recent, 1), else_=0)),
            )
            .where(CircleMeeting.circle_id.in_(live), CircleMeeting.starts_at <= now)
            .group_by(CircleMeeting.circle_id)
        )
    }
    places = {
        cid: (recorded, taken or 0)
        for cid, recorded, taken in db.session.execute(
            select(
                CircleMeeting.circle_id,
                func.count(),
                func.sum(case((CircleAttendance.attended.is_(True), 1), else_=0)),
            )
            .join(CircleMeeting, CircleMeeting.id == CircleAttendance.meeting_id)
            .where(
                CircleMeeting.circle_id.in_(live),
                CircleMeeting.starts_at >= recent,
                CircleMeeting.starts_at <= now,
            )
            .group_by(CircleMeeting.circle_id)
        )
    }
    window = now - timedelta(days=ACTIVITY_DAYS)
    shares = union_all(
        *(
            select(link.circle_id.label("cid")).where(
                link.circle_id.in_(live), link.created_at >= window, link.created_at <= now
            )
            for link in (EntryCircleAudience, PracticeCircleAudience, GoalCircleAudience)
        )
    ).subquery()
    shared = dict(
        db.session.execute(select(shares.c.cid, func.count()).group_by(shares.c.cid)).all()
    )
    everyone = {uid for group in people.values() for uid in group}
    check_ins: dict[int, int] = dict(
        db.session.execute(
            select(Practice.owner_id, func.count())
            .join(CheckIn, CheckIn.practice_id == Practice.id)
            .where(
                Practice.owner_id.in_(everyone),
                CheckIn.day > window.date(),
                CheckIn.day <= today,
            )
            .group_by(Practice.owner_id)
        ).all()
    )

    rows = []
    for circle_id, program_id, cadence, opens_at, _ in circles:
        last_met, recent_meetings = meetings.get(circle_id, (None, 0))
        recorded, taken = places.get(circle_id, (0, 0))
        facts = CircleFacts(
            opened_on=opens_at.date(),
            cadence_days=cadence.days,
            last_met_on=last_met,
            meetings_recent=int(recent_meetings),
            places_recorded=recorded,
            places_taken=int(taken),
            shared=shared.get(circle_id, 0),
            check_ins=sum(check_ins.get(uid, 0) for uid in people[circle_id]),
        )
        rows.append(
            CircleRow(
                circle_id, program_id, frozenset(people[circle_id]), facts, assess(facts, today)
            )
        )
    return rows


@dataclass(frozen=True)
class ProgrammeHealth:
    """How many active circles are in each state, and the people in them, after suppression:
    a state whose circles hold fewer than 5 distinct people shows "fewer than 5" for both, and
    one more state is hidden with it so that neither can be worked back from the totals."""

    circles: suppression.Breakdown[CircleState]
    people: suppression.Breakdown[CircleState]
    computed: int = 0  # active circles assessed

    @property
    def at_risk(self) -> int | str:
        """Circles at risk (or "fewer than 5"), the figure shown beside pairs at risk."""
        return self.circles.shown(CircleState.at_risk)


def summarise(rows: list[CircleRow]) -> ProgrammeHealth:
    circles = dict.fromkeys(CircleState, 0)
    people: dict[CircleState, set[int]] = {state: set() for state in CircleState}
    for row in rows:
        circles[row.assessment.state] += 1
        people[row.assessment.state] |= row.people
    everyone = set().union(*people.values())
    shown_people = suppression.breakdown(
        {state: len(people[state]) for state in CircleState}, total_people=len(everyone)
    )
    hidden = shown_people.suppressed
    shown_circles = suppression.Breakdown(
        {state: None if state in hidden else circles[state] for state in CircleState},
        None if shown_people.total is None else sum(circles.values()),
    )
    return ProgrammeHealth(shown_circles, shown_people, computed=len(rows))


def programme_health(program: Program, now: datetime | None = None) -> ProgrammeHealth:
    """The board's circle health: the states of the programme's active circles, suppressed."""
    return summarise(circle_rows([program], now))


def at_risk_by_programme(
    programs: list[Program], now: datetime | None = None
) -> dict[int, int | str]:
    """Circles at risk in each programme that has circles (suppressed as on the board)."""
    with_circles = [p for p in programs if p.format.has_circles]
    grouped: dict[int, list[CircleRow]] = defaultdict(list)
    for row in circle_rows(with_circles, now):
        grouped[row.program_id].append(row)
    return {p.id: summarise(grouped.get(p.id, [])).at_risk for p in with_circles}


@dataclass
class CircleHealth:
    proposed: int
    active: int
    past: int
    members: int | str  # current members of active circles (suppressed under five)
    left: int | str  # members who left an active or past circle
    shared: int | str  # items shared with circles in the last ACTIVITY_DAYS days
    sharers: int | str  # distinct people who shared them


def health(program: Program) -> CircleHealth:
    statuses = dict(
        db.session.execute(
            select(Circle.status, func.count(Circle.id))
            .where(Circle.program_id == program.id)
            .group_by(Circle.status)
        ).all()
    )
    approved = select(Circle.id).where(
        Circle.program_id == program.id, Circle.status != CircleStatus.proposed
    )
    current = db.session.scalar(
        select(func.count(func.distinct(CircleMember.user_id))).where(
            CircleMember.circle_id.in_(
                select(Circle.id).where(
                    Circle.program_id == program.id, Circle.status == CircleStatus.active
                )
            ),
            CircleMember.left_at.is_(None),
        )
    )
    left = db.session.scalar(
        select(func.count(func.distinct(CircleMember.user_id))).where(
            CircleMember.circle_id.in_(approved), CircleMember.left_at.is_not(None)
        )
    )
    since = utcnow() - timedelta(days=ACTIVITY_DAYS)
    entries = (
        select(JournalEntry.author_id.label("person"))
        .join(EntryCircleAudience, EntryCircleAudience.entry_id == JournalEntry.id)
        .where(EntryCircleAudience.circle_id.in_(approved), EntryCircleAudience.created_at >= since)
    )
    practices = (
        select(Practice.owner_id.label("person"))
        .join(PracticeCircleAudience, PracticeCircleAudience.practice_id == Practice.id)
        .where(
            PracticeCircleAudience.circle_id.in_(approved),
            PracticeCircleAudience.created_at >= since,
        )
    )
    shares = union_all(entries, practices).subquery()
    shared, sharers = db.session.execute(
        select(func.count(), func.count(func.distinct(shares.c.person)))
    ).one()
    return CircleHealth(
        proposed=statuses.get(CircleStatus.proposed, 0),
        active=statuses.get(CircleStatus.active, 0),
        past=statuses.get(CircleStatus.completed, 0) + statuses.get(CircleStatus.ended, 0),
        members=suppression.count(current or 0),
        left=suppression.count(left or 0),
        shared=suppression.count(shared or 0, sharers or 0),
        sharers=suppression.count(sharers or 0),
    )
