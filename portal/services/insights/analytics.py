"""Programme analytics: funnel, engagement by week, practices, surveys, matching quality.

Each figure is computed from activity metadata in a fixed number of queries, whatever
the programme's size, and every breakdown row describing fewer than 5 people is
suppressed before anything is shown or exported.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Date, and_, case, cast, func, literal, select, union_all

from portal.core.time import add_days
from portal.extensions import db
from portal.models import Membership, MembershipStatus, Pairing, PairingStatus, Program, Role
from portal.models.guide import MeetingRating, SurveyResponse, SurveyRound
from portal.models.insights import InsightFigure, InsightWeek, PairHealthSnapshot
from portal.models.journal import EntryComment, JournalEntry
from portal.models.kickoff import Goal, GoalProgress
from portal.models.meetings import Meeting
from portal.models.practice import (
    CheckIn,
    Practice,
    PracticeComment,
    PracticeStatus,
    PracticeTemplate,
)
from portal.services import access
from portal.services.circles import health as circle_health
from portal.services.insights import circles as circle_figures
from portal.services.insights import office_hours, snapshots, suppression
from portal.services.insights.figures import Figure
from portal.services.insights.health import STATUS_LABELS, HealthStatus, pair_rows
from portal.services.insights.suppression import MIN_PEOPLE as MIN_GROUP
from portal.services.insights.suppression import SUPPRESSED, is_small

FIGURES = (
    "funnel",
    "engagement",
    "activity",
    "practices",
    "templates",
    "surveys",
    "goals",
    "matching",
    "departments",
    "office_hours",
    "office_hours_topics",
)
# Every figure a programme may have: the circle figures only where its format has circles.
ALL_FIGURES = FIGURES + circle_figures.KEYS


def _pct(part: int, whole: int) -> str:
    return f"{part / whole * 100:.0f}%" if whole else "–"


def _count(n: int) -> int | str:
    return SUPPRESSED if is_small(n) else n


# --- the funnel -----------------------------------------------------------------------


@dataclass
class Funnel:
    """Mentees through the programme, step by step (raw counts; the figure suppresses)."""

    applied: int = 0
    accepted: int = 0
    matched: int = 0
    first_meeting: int = 0
    midpoint: int = 0
    completed: int = 0
    median_days_to_first_meeting: float | None = None

    def steps(self) -> list[tuple[str, int]]:
        return [
            ("Applied", self.applied),
            ("Accepted", self.accepted),
            ("Matched", self.matched),
            ("First meeting", self.first_meeting),
            ("Midpoint", self.midpoint),
            ("Completed", self.completed),
        ]


def funnel(programs: list[Program], today: date) -> Funnel:
    """Mentees who applied, were accepted, matched, met, reached the midpoint, completed."""
    ids = [p.id for p in programs]
    result = Funnel()
    for status, n in db.session.execute(
        select(Membership.status, func.count())
        .where(Membership.program_id.in_(ids), Membership.role == Role.mentee)
        .group_by(Membership.status)
    ):
        result.applied += n
        if status is MembershipStatus.active:
            result.accepted += n
    firsts = (
        select(Meeting.pairing_id, func.min(Meeting.held_on).label("first_on"))
        .where(Meeting.happened.is_(True))
        .group_by(Meeting.pairing_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            Pairing.program_id,
            Pairing.mentee_id,
            Pairing.status,
            Pairing.approved_at,
            Pairing.ended_at,
            firsts.c.first_on,
        )
        .outerjoin(firsts, firsts.c.pairing_id == Pairing.id)
        .where(Pairing.program_id.in_(ids), Pairing.approved_at.is_not(None))
    ).all()
    midpoints = {p.id: p.starts_on + (p.ends_on - p.starts_on) / 2 for p in programs}
    matched, met, mid, done = set(), set(), set(), set()
    delays: list[int] = []
    for program_id, mentee_id, status, approved_at, ended_at, first_on in rows:
        person = (program_id, mentee_id)
        matched.add(person)
        if first_on is not None:
            met.add(person)
            delays.append(max((first_on - approved_at.date()).days, 0))
        midpoint = midpoints[program_id]
        if today >= midpoint and (ended_at is None or ended_at.date() >= midpoint):
            mid.add(person)
        if status is PairingStatus.completed:
            done.add(person)
    result.matched, result.first_meeting = len(matched), len(met)
    result.midpoint, result.completed = len(mid), len(done)
    if delays:
        result.median_days_to_first_meeting = statistics.median(delays)
    return result


def funnel_figure(data: Funnel) -> Figure:
    figure = Figure(
        "funnel",
        "Funnel: mentees from application to completion",
        ["Step", "Mentees", "Of the step before", "Of all applicants"],
        chart="hbar",
        series=[1],
        empty="Nobody has applied yet.",
    )
    previous = None
    for label, n in data.steps():
        # No rate beside a suppressed count, nor over a suppressed step: either gives it back.
        figure.rows.append(
            [
                label,
                _count(n),
                suppression.rate(n, previous) if previous is not None else "–",
                suppression.rate(n, data.applied),
            ]
        )
        previous = n
    if not data.applied:
        figure.rows = []
    return figure


# --- engagement week by week ------------------------------------------------------------


def _week_index(column: ColumnElement, start: date) -> ColumnElement:
    """Whole weeks between the programme's start and a date or datetime, in SQL."""
    if db.engine.dialect.name == "postgresql":
        days = cast(column, Date) - literal(start, Date)
        return func.floor(days / 7.0)
    return cast(
        (func.julianday(func.date(column)) - func.julianday(start.isoformat())) / 7, db.Integer
    )


def _period(programs: list[Program], today: date) -> tuple[date, date]:
    end = min(max(p.ends_on for p in programs), today)
    # At most five years of weeks: a start date stored before dates were bounded on input
    # (year 1, say) must not make the page build a row for every week since then.
    start = max(min(p.starts_on for p in programs), add_days(end, -5 * 366))
    return start, max(end, start)


@dataclass
class WeekRow:
    starts_on: date
    meetings: int = 0
    active_pairs: int = 0
    live_pairs: int = 0
    # (role, kind) -> events, and role -> distinct active people
    events: dict[tuple[str, str], int] | None = None
    people: dict[str, int] | None = None


def engagement(programs: list[Program], today: date) -> list[WeekRow]:
    """Week by week: meetings, each role's check-ins, shared entries and comments, active pairs."""
    start, end = _period(programs, today)
    ids = [p.id for p in programs]
    lo, hi = datetime.combine(start, time()), datetime.combine(add_days(end, 1), time())
    weeks = [WeekRow(start + timedelta(days=7 * i)) for i in range((end - start).days // 7 + 1)]
    for w in weeks:
        w.events, w.people = defaultdict(int), {}
    members = (
        select(Membership.user_id.label("uid"), Membership.role.label("role"))
        .where(Membership.program_id.in_(ids), Membership.status == MembershipStatus.active)
        .subquery()
    )
    acts = union_all(
        select(
            JournalEntry.author_id.label("uid"),
            literal("entries").label("kind"),
            _week_index(JournalEntry.created_at, start).label("wk"),
        ).where(
            access.entry_counts_clause(),
            JournalEntry.created_at >= lo,
            JournalEntry.created_at < hi,
        ),
        select(Practice.owner_id, literal("check_ins"), _week_index(CheckIn.day, start))
        .join(CheckIn, CheckIn.practice_id == Practice.id)
        .where(CheckIn.day >= start, CheckIn.day <= end),
        select(
            EntryComment.author_id, literal("comments"), _week_index(EntryComment.created_at, start)
        ).where(EntryComment.created_at >= lo, EntryComment.created_at < hi),
        select(
            PracticeComment.author_id,
            literal("comments"),
            _week_index(PracticeComment.created_at, start),
        ).where(PracticeComment.created_at >= lo, PracticeComment.created_at < hi),
    ).subquery()
    joined = (
        select(members.c.role, acts.c.kind, acts.c.wk, acts.c.uid)
        .join(members, members.c.uid == acts.c.uid)
        .subquery()
    )
    for role, kind, wk, n in db.session.execute(
        select(joined.c.role, joined.c.kind, joined.c.wk, func.count()).group_by(
            joined.c.role, joined.c.kind, joined.c.wk
        )
    ):
        if 0 <= int(wk) < len(weeks):
            weeks[int(wk)].events[(_role(role), kind)] += n
    for role, wk, n in db.session.execute(
        select(joined.c.role, joined.c.wk, func.count(func.distinct(joined.c.uid))).group_by(
            joined.c.role, joined.c.wk
        )
    ):
        if 0 <= int(wk) < len(weeks):
            weeks[int(wk)].people[_role(role)] = n

    pair_live = db.session.execute(
        select(Pairing.id, Pairing.approved_at, Pairing.ended_at).where(
            Pairing.program_id.in_(ids), Pairing.approved_at.is_not(None)
        )
    ).all()
    for w in weeks:
        w_end = datetime.combine(add_days(w.starts_on, 7), time())
        w_start = datetime.combine(w.starts_on, time())
        w.live_pairs = sum(
            1
            for _, approved, ended in pair_live
            if approved < w_end and (ended is None or ended >= w_start)
        )
    meeting_wk = _week_index(Meeting.held_on, start)
    for wk, n in db.session.execute(
        select(meeting_wk, func.count())
        .join(Pairing, Pairing.id == Meeting.pairing_id)
        .where(
            Pairing.program_id.in_(ids),
            Meeting.happened.is_(True),
            Meeting.held_on >= start,
            Meeting.held_on <= end,
        )
        .group_by(meeting_wk)
    ):
        if 0 <= int(wk) < len(weeks):
            weeks[int(wk)].meetings = n
    # A pair is active in a week when it met or either partner did something that week.
    # Each activity row maps straight to its pairs (a small hash table of partner -> pair),
    # so the activity is read once, not once per partner.
    partners = union_all(
        select(Pairing.mentor_id.label("uid"), Pairing.id.label("pid")).where(
            Pairing.program_id.in_(ids), Pairing.approved_at.is_not(None)
        ),
        select(Pairing.mentee_id, Pairing.id).where(
            Pairing.program_id.in_(ids), Pairing.approved_at.is_not(None)
        ),
    ).subquery()
    pair_weeks = union_all(
        select(partners.c.pid.label("pid"), acts.c.wk.label("wk")).join(
            partners, partners.c.uid == acts.c.uid
        ),
        select(Meeting.pairing_id, meeting_wk)
        .join(Pairing, Pairing.id == Meeting.pairing_id)
        .where(
            Pairing.program_id.in_(ids),
            Meeting.happened.is_(True),
            Meeting.held_on >= start,
            Meeting.held_on <= end,
        ),
    ).subquery()
    distinct_weeks = select(pair_weeks.c.wk, pair_weeks.c.pid).distinct().subquery()
    for wk, n in db.session.execute(
        select(distinct_weeks.c.wk, func.count()).group_by(distinct_weeks.c.wk)
    ):
        if 0 <= int(wk) < len(weeks):
            weeks[int(wk)].active_pairs = n
    return weeks


KINDS = (("check_ins", "check_ins"), ("entries", "entries"), ("comments", "comments"))


def _from_row(row: InsightWeek) -> WeekRow:
    events: dict[tuple[str, str], int] = defaultdict(int)
    for role in ("mentee", "mentor"):
        for column, kind in KINDS:
            events[(role, kind)] = getattr(row, f"{role}_{column}")
    return WeekRow(
        starts_on=row.week_start,
        meetings=row.meetings,
        active_pairs=row.active_pairs,
        live_pairs=row.live_pairs,
        events=events,
        people={"mentee": row.mentee_people, "mentor": row.mentor_people},
    )


def weekly(
    programs: list[Program], today: date, scope_id: int | None
) -> tuple[list[WeekRow], datetime | None]:
    """The weeks from the rollup when it exists, else computed directly (with no timestamp)."""
    query = select(InsightWeek).order_by(InsightWeek.week_start)
    if scope_id is None:
        query = query.where(InsightWeek.program_id.is_(None))
    else:
        query = query.where(InsightWeek.program_id == scope_id)
    rows = list(db.session.scalars(query))
    if not rows:
        return engagement(programs, today), None
    return [_from_row(r) for r in rows], max(r.refreshed_at for r in rows)


def _role(role: object) -> str:
    return getattr(role, "value", str(role))


def engagement_figure(weeks: list[WeekRow]) -> Figure:
    figure = Figure(
        "engagement",
        "Engagement week by week: meetings and active pairs",
        [
            "Week starting",
            "Meetings held",
            "Active pairs",
            "Pairs in the programme",
            "Share active",
        ],
        chart="line",
        series=[1, 2],
        note="A pair is active in a week when it logged a meeting or either partner checked in, "
        "shared an entry or commented. Weeks with fewer than 5 active pairs are suppressed.",
        empty="No weeks of activity yet.",
    )
    for w in weeks:
        small = is_small(w.active_pairs)
        figure.rows.append(
            [
                w.starts_on.isoformat(),
                SUPPRESSED if is_small(w.meetings) or small else w.meetings,
                SUPPRESSED if small else w.active_pairs,
                w.live_pairs,
                SUPPRESSED if small else _pct(w.active_pairs, w.live_pairs),
            ]
        )
    return figure


def activity_figure(weeks: list[WeekRow]) -> Figure:
    figure = Figure(
        "activity",
        "Activity week by week, mentors and mentees separately",
        [
            "Week starting",
            "Mentees active",
            "Mentee check-ins",
            "Mentee entries shared",
            "Mentee comments",
            "Mentors active",
            "Mentor check-ins",
            "Mentor entries shared",
            "Mentor comments",
        ],
        chart="line",
        series=[2, 6],
        note="Counts only. A role's numbers in a week when fewer than 5 of them were active "
        "show “fewer than 5”.",
        empty="No weeks of activity yet.",
    )
    for w in weeks:
        row: list = [w.starts_on.isoformat()]
        for role in ("mentee", "mentor"):
            people = (w.people or {}).get(role, 0)
            numbers = [people] + [
                (w.events or {}).get((role, kind), 0)
                for kind in ("check_ins", "entries", "comments")
            ]
            row += [SUPPRESSED] * 4 if is_small(people) else numbers
        figure.rows.append(row)
    return figure


# --- practices ------------------------------------------------------------------------------


def practices(programs: list[Program], today: date) -> tuple[Figure, Figure]:
    """Practices started, completed and dropped by role; the most used templates."""
    start, end = _period(programs, today)
    ids = [p.id for p in programs]
    members = (
        select(Membership.user_id.label("uid"), Membership.role.label("role"))
        .where(Membership.program_id.in_(ids), Membership.status == MembershipStatus.active)
        .subquery()
    )
    in_period = (Practice.starts_on >= start) & (Practice.starts_on <= end)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    people: dict[str, int] = {}
    for role, status, n in db.session.execute(
        select(members.c.role, Practice.status, func.count())
        .join(members, members.c.uid == Practice.owner_id)
        .where(in_period)
        .group_by(members.c.role, Practice.status)
    ):
        counts[_role(role)][_role(status)] += n
    for role, owners in db.session.execute(
        select(members.c.role, func.count(func.distinct(Practice.owner_id)))
        .join(members, members.c.uid == Practice.owner_id)
        .where(in_period)
        .group_by(members.c.role)
    ):
        people[_role(role)] = owners
    figure = Figure(
        "practices",
        "Practices started, completed and dropped",
        ["Role", "Started", "Completed", "Dropped", "Still open", "Completed of started"],
        series=[1, 2, 3],
        empty="No practices started yet.",
    )
    for role in ("mentee", "mentor"):
        c = counts.get(role)
        if not c:
            continue
        started = sum(c.values())
        done, dropped = c.get(PracticeStatus.done.value, 0), c.get(PracticeStatus.dropped.value, 0)
        row = [
            f"{role.capitalize()}s",
            started,
            done,
            dropped,
            c.get("open", 0),
            # Of every practice started, not only the finished ones: 14 of 29 is 48%, not 100%.
            _pct(done, started),
        ]
        if is_small(people.get(role, 0)):
            row = [row[0]] + [SUPPRESSED] * 5
        figure.rows.append(row)
    templates = Figure(
        "templates",
        "Most used practice templates",
        ["Template", "Practices", "People"],
        chart="hbar",
        series=[1],
        note="Templates used by fewer than 5 people are left out.",
        empty="No template used by 5 or more people yet.",
    )
    for title, n, owners in db.session.execute(
        select(PracticeTemplate.title, func.count(), func.count(func.distinct(Practice.owner_id)))
        .join(Practice, Practice.template_id == PracticeTemplate.id)
        .join(members, members.c.uid == Practice.owner_id)
        .where(in_period)
        .group_by(PracticeTemplate.id, PracticeTemplate.title)
        .having(func.count(func.distinct(Practice.owner_id)) >= MIN_GROUP)
        .order_by(func.count().desc(), PracticeTemplate.title)
        .limit(10)
    ):
        templates.rows.append([title, n, owners])
    return figure, templates


# --- surveys and goals ----------------------------------------------------------------------


def nps(scores: list[int]) -> float | None:
    """Net Promoter Score: % answering 9-10 minus % answering 0-6."""
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return (promoters - detractors) / len(scores) * 100


@dataclass
class _Answers:
    """One role's answers to one survey (or its meeting ratings), and who gave them."""

    people: set[int]
    ratings: list[int]
    recommend: list[int]
    progress: list[int]


MEETINGS = "meeting"
SURVEY_LABELS = {
    SurveyRound.midpoint.value: "Midpoint",
    SurveyRound.close.value: "Close",
    MEETINGS: "Per meeting",
}


def _survey_answers(programs: list[Program]) -> dict[tuple[str, str], _Answers]:
    """Pulse-survey answers by the person's role in that programme, and meeting ratings by role."""
    ids = [p.id for p in programs]
    answers: dict[tuple[str, str], _Answers] = defaultdict(lambda: _Answers(set(), [], [], []))
    for role, round_, uid, sat, rec, progress in db.session.execute(
        select(
            Membership.role,
            SurveyResponse.round,
            SurveyResponse.user_id,
            SurveyResponse.satisfaction,
            SurveyResponse.recommend,
            SurveyResponse.progress,
        )
        .join(
            Membership,
            and_(
                Membership.user_id == SurveyResponse.user_id,
                Membership.program_id == SurveyResponse.program_id,
            ),
        )
        .where(SurveyResponse.program_id.in_(ids))
    ):
        group = answers[(_role(role), _role(round_))]
        group.people.add(uid)
        group.ratings.append(sat)
        group.recommend.append(rec)
        group.progress.append(progress)
    rater_role = case((MeetingRating.user_id == Pairing.mentor_id, "mentor"), else_="mentee")
    for role, uid, rating in db.session.execute(
        select(rater_role, MeetingRating.user_id, MeetingRating.rating)
        .join(Meeting, Meeting.id == MeetingRating.meeting_id)
        .join(Pairing, Pairing.id == Meeting.pairing_id)
        .where(Pairing.program_id.in_(ids))
    ):
        group = answers[(role, MEETINGS)]
        group.people.add(uid)
        group.ratings.append(rating)
    return answers


def surveys(programs: list[Program]) -> Figure:
    """Satisfaction, NPS and goal progress by role, midpoint against close; meeting usefulness."""
    answers = _survey_answers(programs)
    figure = Figure(
        "surveys",
        "Satisfaction and NPS by role: midpoint against close",
        [
            "Role",
            "Survey",
            "Answers",
            "Mean satisfaction or usefulness (1–5)",
            "NPS (−100 to 100)",
            "Mean progress on goals (1–5)",
        ],
        series=[3],
        note="From the midpoint and closing pulse surveys (satisfaction, would you recommend, "
        "progress on goals) and from per-meeting ratings (how useful was this meeting). "
        "Groups of fewer than 5 people are suppressed.",
        empty="No survey answers yet.",
    )
    for role in ("mentee", "mentor"):
        for kind, label in SURVEY_LABELS.items():
            group = answers.get((role, kind))
            if not group:
                continue
            row = [
                f"{role.capitalize()}s",
                label,
                len(group.ratings),
                f"{statistics.mean(group.ratings):.1f}",
                f"{nps(group.recommend):.0f}" if group.recommend else "–",
                f"{statistics.mean(group.progress):.1f}" if group.progress else "–",
            ]
            if is_small(len(group.people)):
                row = row[:2] + [SUPPRESSED] * 4
            figure.rows.append(row)
    return figure


def goals(programs: list[Program]) -> Figure:
    """Where the pairs' goals stand now (shared and private goals are counted, never read)."""
    ids = [p.id for p in programs]
    counts = dict(
        db.session.execute(
            select(Goal.progress, func.count())
            .join(Pairing, Pairing.id == Goal.pairing_id)
            .where(Pairing.program_id.in_(ids))
            .group_by(Goal.progress)
        ).all()
    )
    total = sum(counts.values())
    shown = suppression.breakdown({step: counts.get(step, 0) for step in GoalProgress})
    figure = Figure(
        "goals",
        "Goal progress",
        ["Progress", "Goals", "Share"],
        series=[1],
        empty="No goals written yet.",
    )
    if total:
        for step in GoalProgress:
            figure.rows.append([step.label, shown.shown(step), shown.rate(step)])
    return figure


# --- matching quality and breakdowns --------------------------------------------------------


@dataclass
class HealthBreakdown:
    """Today's pair health in numbers: per status, the matcher's scores; per department, the
    statuses (read from the health snapshot, so no pair's facts are gathered here)."""

    scores: dict[HealthStatus, list[float | None]]
    departments: dict[str, dict[HealthStatus, int]]

    @property
    def counts(self) -> dict[HealthStatus, int]:
        return {status: len(self.scores.get(status, [])) for status in HealthStatus}


def health_breakdown(programs: list[Program], today: date) -> HealthBreakdown:
    """Two grouped queries over today's snapshot of the programmes' active pairs; pairs it
    lacks (approved since the nightly refresh) are computed and counted, not stored: the
    analytics page is a GET, and a GET never inserts."""
    ids = [p.id for p in programs]
    computed = pair_rows(programs, today, pairing_ids=snapshots.missing_pairs(programs, today))
    today_active = (
        Pairing.status == PairingStatus.active,
        PairHealthSnapshot.program_id.in_(ids),
        PairHealthSnapshot.as_of == today,
    )
    scores: dict[HealthStatus, list[float | None]] = defaultdict(list)
    for status, score in db.session.execute(
        select(PairHealthSnapshot.status, Pairing.score)
        .join(Pairing, Pairing.id == PairHealthSnapshot.pairing_id)
        .where(*today_active)
    ):
        scores[HealthStatus(status)].append(score)
    departments: dict[str, dict[HealthStatus, int]] = defaultdict(lambda: defaultdict(int))
    for department, status, n in db.session.execute(
        select(PairHealthSnapshot.department, PairHealthSnapshot.status, func.count())
        .join(Pairing, Pairing.id == PairHealthSnapshot.pairing_id)
        .where(*today_active)
        .group_by(PairHealthSnapshot.department, PairHealthSnapshot.status)
    ):
        departments[department or "(not given)"][HealthStatus(status)] += n
    for row in computed:
        scores[row.status].append(row.score)
        departments[row.department or "(not given)"][row.status] += 1
    return HealthBreakdown(scores, departments)


def matching_figure(health: HealthBreakdown) -> Figure:
    """The matcher's score of the pairs in each health status: does the score predict anything?"""
    figure = Figure(
        "matching",
        "Matching score by pair health",
        ["Health", "Pairs", "Pairs with a score", "Mean score", "Median score"],
        series=[3],
        note="Scores are the matcher's 0–100 at proposal time; hand-made pairs have none. "
        "Statuses with fewer than 5 scored pairs are suppressed. "
        "A difference is a hint, not a proof.",
        empty="No active pairs yet.",
    )
    for status in HealthStatus:
        group = health.scores.get(status, [])
        if not group:
            continue
        scores = [s for s in group if s is not None]
        line = [
            STATUS_LABELS[status],
            _count(len(group)),
            _count(len(scores)),
            f"{statistics.mean(scores):.1f}" if scores else "–",
            f"{statistics.median(scores):.1f}" if scores else "–",
        ]
        if is_small(len(scores)):
            line[3:] = [SUPPRESSED, SUPPRESSED]
        figure.rows.append(line)
    return figure


def departments_figure(health: HealthBreakdown) -> Figure:
    """Pair health by the mentee's department; a department of fewer than 5 pairs is suppressed."""
    figure = Figure(
        "departments",
        "Pair health by department (the mentee's)",
        ["Department", "Pairs", "On track", "Needs a check-in", "At risk", "Too early to tell"],
        series=[2, 3, 4],
        note="Departments with fewer than 5 pairs show “fewer than 5” so nobody can be picked out.",
        empty="No active pairs yet.",
    )
    order = [
        HealthStatus.on_track,
        HealthStatus.needs_check_in,
        HealthStatus.at_risk,
        HealthStatus.too_early,
    ]
    # A small department is suppressed, and so is a second one, since the pairs list gives
    # the total: one hidden department could be worked back by subtraction.
    names = sorted(health.departments, key=str.lower)
    sizes = suppression.breakdown({name: sum(health.departments[name].values()) for name in names})
    for name in names:
        counts = health.departments[name]
        if name in sizes.suppressed:
            figure.rows.append([name] + [SUPPRESSED] * 5)
            continue
        figure.rows.append([name, sizes.cells[name]] + [counts.get(s, 0) for s in order])
    return figure


# --- figures kept as rollups ------------------------------------------------------------------

# The year-long figures the worker rolls up each night (`rollups.refresh_figures`); the page
# reads them in one query, and computes a figure directly until its first refresh.
ROLLED = ("funnel", "practices", "templates", "surveys", "goals")


def rolled_figures(programs: list[Program], today: date) -> list[tuple[Figure, dict]]:
    """The rolled-up figures computed directly, each with the numbers the page shows beside it."""
    data = funnel(programs, today)
    practice_figure, templates = practices(programs, today)
    return [
        (funnel_figure(data), {"funnel": asdict(data)}),
        (practice_figure, {}),
        (templates, {}),
        (surveys(programs), {}),
        (goals(programs), {}),
    ]


def figure_shape(figure: Figure) -> dict:
    """Everything about a figure but its key and rows: how it is titled and drawn."""
    return {k: v for k, v in asdict(figure).items() if k not in ("key", "rows")}


def _rolled(
    programs: list[Program], scope_id: int | None, keys: set[str]
) -> tuple[dict[str, tuple[Figure, dict]], datetime | None]:
    """The rolled-up figures for the scope that cover exactly these programmes."""
    if not keys or not programs:
        return {}, None
    query = select(InsightFigure).where(InsightFigure.key.in_(sorted(keys)))
    if scope_id is None:
        query = query.where(InsightFigure.program_id.is_(None))
    else:
        query = query.where(InsightFigure.program_id == scope_id)
    wanted = sorted(p.id for p in programs)
    found: dict[str, tuple[Figure, dict]] = {}
    as_of = None
    for row in db.session.scalars(query):
        if sorted(row.program_ids) != wanted:
            continue  # a programme was added or removed since: compute directly
        extra = dict(row.extra)
        figure = Figure(key=row.key, rows=row.rows, **extra.pop("figure"))
        found[row.key] = (figure, extra)
        as_of = row.refreshed_at if as_of is None else min(as_of, row.refreshed_at)
    return found, as_of


# --- the whole page ---------------------------------------------------------------------------


@dataclass
class Analytics:
    programs: list[Program]
    funnel: Funnel
    figures: dict[str, Figure]
    status_counts: dict[HealthStatus, int]
    weeks_as_of: datetime | None = None
    figures_as_of: datetime | None = None
    # Circles at risk ("fewer than 5" when their people are too few), None without circles.
    circles_at_risk: int | str | None = None


def build(
    programs: list[Program], today: date, only: str | None = None, scope_id: int | None = None
) -> Analytics:
    """Every figure (or just `only`) for one programme or for all of them."""
    want = set(ALL_FIGURES) if only is None else {only}
    figures: dict[str, Figure] = {}
    data = Funnel()
    rolled, figures_as_of = (
        _rolled(programs, scope_id, want & set(ROLLED)) if programs else ({}, None)
    )
    if programs and "funnel" in want:
        if "funnel" in rolled:
            figures["funnel"], extra = rolled["funnel"]
            data = Funnel(**extra["funnel"])
        else:
            data = funnel(programs, today)
            figures["funnel"] = funnel_figure(data)
    weeks_as_of = None
    if programs and want & {"engagement", "activity"}:
        weeks, weeks_as_of = weekly(programs, today, scope_id)
        figures["engagement"] = engagement_figure(weeks)
        figures["activity"] = activity_figure(weeks)
    if programs and want & {"practices", "templates"}:
        if {"practices", "templates"} <= rolled.keys():
            figures["practices"], figures["templates"] = (
                rolled["practices"][0],
                rolled["templates"][0],
            )
        else:
            figures["practices"], figures["templates"] = practices(programs, today)
    if programs and "surveys" in want:
        figures["surveys"] = rolled["surveys"][0] if "surveys" in rolled else surveys(programs)
    if programs and "goals" in want:
        figures["goals"] = rolled["goals"][0] if "goals" in rolled else goals(programs)
    counts = dict.fromkeys(HealthStatus, 0)
    if programs and want & {"matching", "departments"}:
        health = health_breakdown(programs, today)
        figures["matching"] = matching_figure(health)
        figures["departments"] = departments_figure(health)
        counts = health.counts
    if programs and want & {"office_hours", "office_hours_topics"}:
        conversations = office_hours.figures(programs)
        figures["office_hours"] = office_hours.outcome_figure(conversations)
        figures["office_hours_topics"] = office_hours.topics_figure(conversations)
    circle_programs = circle_figures.with_circles(programs)
    circles_at_risk = None
    if circle_programs and want & set(circle_figures.KEYS):
        period = _period(circle_programs, today)
        figures.update(circle_figures.figures(circle_programs, period, want))
    if circle_programs and only is None:
        rows = circle_health.circle_rows(circle_programs)
        circles_at_risk = circle_health.summarise(rows).at_risk
    ordered = {key: figures[key] for key in ALL_FIGURES if key in figures}
    return Analytics(
        programs=programs,
        funnel=data,
        figures=ordered,
        status_counts=counts,
        weeks_as_of=weeks_as_of,
        figures_as_of=figures_as_of if rolled else None,
        circles_at_risk=circles_at_risk,
    )
