"""Circle figures for the analytics page: the circle funnel, circle engagement week by week,
and the surveys' answers from people in circles.

Only programmes whose format includes circles have them. Every figure is over all the
programmes' circles together, never one circle (a circle is usually under five people), and
a figure describing fewer than five distinct people shows "fewer than 5" (suppression.py).
Counted from rows and dates only, never from what anyone wrote.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select, union_all

from portal.core.time import add_days
from portal.extensions import db
from portal.models import Program, utcnow
from portal.models.circles import (
    Circle,
    CircleAttendance,
    CircleMeeting,
    CircleMember,
    CircleReflection,
    CircleStatus,
    EntryCircleAudience,
    GoalCircleAudience,
    PracticeCircleAudience,
)
from portal.models.journal import JournalEntry
from portal.models.kickoff import Goal
from portal.models.practice import CheckIn, Practice
from portal.services import surveys as survey_service
from portal.services.insights import suppression
from portal.services.insights.figures import Figure
from portal.services.insights.suppression import SUPPRESSED, is_small

KEYS = ("circle_funnel", "circle_engagement", "circle_surveys")


def with_circles(programs: list[Program]) -> list[Program]:
    """The programmes whose format includes circles: the only ones with circle figures."""
    return [p for p in programs if p.format.has_circles]


@dataclass(frozen=True)
class _Stint:
    program_id: int
    circle_id: int
    user_id: int
    joined_at: datetime
    left_at: datetime | None
    opens_at: datetime | None
    ended_at: datetime | None


def _stints(programs: list[Program]) -> list[_Stint]:
    """Every member's stint in an approved circle of the programmes (facilitators are not
    members: the funnel follows the people placed in circles)."""
    rows = db.session.execute(
        select(
            Circle.program_id,
            Circle.id,
            CircleMember.user_id,
            CircleMember.joined_at,
            CircleMember.left_at,
            Circle.opens_at,
            Circle.ended_at,
        )
        .join(Circle, Circle.id == CircleMember.circle_id)
        .where(
            Circle.program_id.in_([p.id for p in programs]),
            Circle.status != CircleStatus.proposed,
            Circle.approved_at.is_not(None),
        )
    ).all()
    return [_Stint(*row) for row in rows]


def _approved(programs: list[Program]):
    return select(Circle.id).where(
        Circle.program_id.in_([p.id for p in programs]), Circle.status != CircleStatus.proposed
    )


# --- the circle funnel ------------------------------------------------------------------


STEPS = (
    "Placed in a circle",
    "Circle opened",
    "Attended a first meeting",
    "Shared with the circle",
    "Wrote a closing reflection",
)


def funnel(programs: list[Program], now: datetime | None = None) -> dict[str, int]:
    """People (members) at each step, counted once per programme, in four queries."""
    now = now or utcnow()
    stints = _stints(programs)
    program_of = {s.circle_id: s.program_id for s in stints}
    members = {(s.circle_id, s.user_id) for s in stints}
    approved = _approved(programs)
    attended = set(
        db.session.execute(
            select(CircleMeeting.circle_id, CircleAttendance.user_id)
            .join(CircleMeeting, CircleMeeting.id == CircleAttendance.meeting_id)
            .where(
                CircleMeeting.circle_id.in_(approved),
                CircleMeeting.starts_at <= now,
                CircleAttendance.attended.is_(True),
            )
            .distinct()
        ).all()
    )
    shares = union_all(
        select(EntryCircleAudience.circle_id.label("cid"), JournalEntry.author_id.label("uid"))
        .join(JournalEntry, JournalEntry.id == EntryCircleAudience.entry_id)
        .where(EntryCircleAudience.circle_id.in_(approved)),
        select(PracticeCircleAudience.circle_id, Practice.owner_id)
        .join(Practice, Practice.id == PracticeCircleAudience.practice_id)
        .where(PracticeCircleAudience.circle_id.in_(approved)),
        select(GoalCircleAudience.circle_id, Goal.owner_id)
        .join(Goal, Goal.id == GoalCircleAudience.goal_id)
        .where(GoalCircleAudience.circle_id.in_(approved)),
    ).subquery()
    shared = set(db.session.execute(select(shares.c.cid, shares.c.uid).distinct()).all())
    reflected = set(
        db.session.execute(
            select(CircleReflection.circle_id, CircleReflection.user_id).where(
                CircleReflection.circle_id.in_(approved), CircleReflection.text != ""
            )
        ).all()
    )
    opened = {(s.circle_id, s.user_id) for s in stints if s.opens_at and s.opens_at <= now}

    def people(pairs: set[tuple[int, int]]) -> int:
        return len({(program_of[cid], uid) for cid, uid in pairs & members})

    return dict(
        zip(
            STEPS,
            (
                people(members),
                people(opened),
                people(attended & opened),
                people(shared & opened),
                people(reflected & opened),
            ),
            strict=True,
        )
    )


def funnel_figure(steps: dict[str, int]) -> Figure:
    figure = Figure(
        "circle_funnel",
        "Circle funnel: members from placement to a closing reflection",
        ["Step", "Members", "Of the step before", "Of all placed"],
        chart="hbar",
        series=[1],
        note="People placed as members of an approved circle, over all the programme's circles "
        "(never one circle). A step of fewer than 5 people shows “fewer than 5”, with no rate.",
        empty="Nobody has been placed in a circle yet.",
    )
    placed = steps[STEPS[0]]
    if not placed:
        return figure
    previous = None
    for label, n in steps.items():
        figure.rows.append(
            [
                label,
                suppression.count(n),
                suppression.rate(n, previous) if previous is not None else "–",
                suppression.rate(n, placed),
            ]
        )
        previous = n
    return figure


# --- circle engagement week by week ---------------------------------------------------------


@dataclass
class CircleWeek:
    starts_on: date
    meetings: int = 0
    members: int = 0  # members in an open circle that week
    active: int = 0  # of whom: attended a meeting, shared with the circle or checked in


def _week(moment: date | datetime, start: date) -> int:
    day = moment.date() if isinstance(moment, datetime) else moment
    return (day - start).days // 7


def engagement(programs: list[Program], period: tuple[date, date]) -> list[CircleWeek]:
    """Week by week over the period (the analytics page's weeks): circle meetings held,
    members in open circles, and members active, in four queries."""
    start, end = period
    lo, hi = datetime.combine(start, time()), datetime.combine(add_days(end, 1), time())
    weeks = [CircleWeek(start + timedelta(days=7 * i)) for i in range((end - start).days // 7 + 1)]
    stints = _stints(programs)
    live_by_week: dict[int, set[int]] = defaultdict(set)
    for i, week in enumerate(weeks):
        w_start = datetime.combine(week.starts_on, time())
        w_end = w_start + timedelta(days=7)
        for s in stints:
            if (
                s.opens_at is not None
                and s.opens_at < w_end
                and s.joined_at < w_end
                and (s.left_at is None or s.left_at >= w_start)
                and (s.ended_at is None or s.ended_at >= w_start)
            ):
                live_by_week[i].add(s.user_id)
        week.members = len(live_by_week[i])
    approved = _approved(programs)
    for (starts_at,) in db.session.execute(
        select(CircleMeeting.starts_at).where(
            CircleMeeting.circle_id.in_(approved),
            CircleMeeting.starts_at >= lo,
            CircleMeeting.starts_at < min(hi, utcnow()),
        )
    ):
        i = _week(starts_at, start)
        if 0 <= i < len(weeks):
            weeks[i].meetings += 1
    members = {s.user_id for s in stints}
    moments = union_all(
        select(CircleAttendance.user_id.label("uid"), CircleMeeting.starts_at.label("at"))
        .join(CircleMeeting, CircleMeeting.id == CircleAttendance.meeting_id)
        .where(
            CircleMeeting.circle_id.in_(approved),
            CircleAttendance.attended.is_(True),
            CircleMeeting.starts_at >= lo,
            CircleMeeting.starts_at < hi,
        ),
        *(
            select(owner, link.created_at)
            .join(item, item.id == getattr(link, key))
            .where(link.circle_id.in_(approved), link.created_at >= lo, link.created_at < hi)
            for link, item, owner, key in (
                (EntryCircleAudience, JournalEntry, JournalEntry.author_id, "entry_id"),
                (PracticeCircleAudience, Practice, Practice.owner_id, "practice_id"),
                (GoalCircleAudience, Goal, Goal.owner_id, "goal_id"),
            )
        ),
    ).subquery()
    seen: set[tuple[int, int]] = set()
    for uid, at in db.session.execute(select(moments.c.uid, moments.c.at)):
        seen.add((uid, _week(_as_datetime(at), start)))
    for uid, day in db.session.execute(
        select(Practice.owner_id, CheckIn.day)
        .join(CheckIn, CheckIn.practice_id == Practice.id)
        .where(Practice.owner_id.in_(members), CheckIn.day >= start, CheckIn.day <= end)
        .distinct()
    ):
        seen.add((uid, _week(day, start)))
    for uid, i in seen:
        if 0 <= i < len(weeks) and uid in live_by_week[i]:
            weeks[i].active += 1
    return weeks


def _as_datetime(value: datetime | str) -> datetime:
    """A union's datetime column comes back as a string on SQLite."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def engagement_figure(weeks: list[CircleWeek]) -> Figure:
    figure = Figure(
        "circle_engagement",
        "Circle engagement week by week: meetings and active members",
        [
            "Week starting",
            "Meetings held",
            "Members active",
            "Members in circles",
            "Share active",
        ],
        chart="line",
        series=[1, 2],
        note="A member is active in a week when they attended a circle meeting, shared with "
        "their circle or checked in on a practice that week. Over all the programme's circles; "
        "a week with fewer than 5 members active (or in circles) shows “fewer than 5”.",
        empty="No circle has opened yet.",
    )
    if not any(w.members for w in weeks):
        return figure
    for w in weeks:
        small = is_small(w.active) or is_small(w.members)
        figure.rows.append(
            [
                w.starts_on.isoformat(),
                SUPPRESSED if small else w.meetings,
                SUPPRESSED if small else w.active,
                suppression.count(w.members),
                SUPPRESSED if small else suppression.rate(w.active, w.members),
            ]
        )
    return figure


# --- surveys from people in circles ---------------------------------------------------------


def surveys_figure(programs: list[Program]) -> Figure:
    figure = Figure(
        "circle_surveys",
        "Surveys from people in circles",
        [
            "Survey",
            "People who answered",
            "Mean satisfaction (1–5)",
            "NPS (−100 to 100)",
            "Mean progress on goals (1–5)",
            "How useful is the circle (mean, 1–5)",
        ],
        chart="",  # a table: one or two rounds read better as numbers than as bars
        series=[5],
        note="Answers from people who were in a circle (facilitator or member) when they "
        "answered, over all the programme's circles, never one circle. A round with fewer than "
        "5 people answering shows “fewer than 5”. Comments are never shown here.",
        empty="Nobody in a circle has answered a survey yet.",
    )
    for result in survey_service.circle_results(programs):
        small = result.respondents == SUPPRESSED
        figure.rows.append(
            [result.round.label, result.respondents]
            + (
                [SUPPRESSED] * 4
                if small
                else [result.satisfaction, result.nps, result.progress, result.usefulness]
            )
        )
    return figure


def figures(
    programs: list[Program], period: tuple[date, date], want: set[str]
) -> dict[str, Figure]:
    """The circle figures asked for, for programmes that have circles (`with_circles`)."""
    found: dict[str, Figure] = {}
    if "circle_funnel" in want:
        found["circle_funnel"] = funnel_figure(funnel(programs))
    if "circle_engagement" in want:
        found["circle_engagement"] = engagement_figure(engagement(programs, period))
    if "circle_surveys" in want:
        found["circle_surveys"] = surveys_figure(programs)
    return found
