"""Pair health: a published formula over activity metadata, for every active pair.

The formula (also on the page under "How is this computed?" and in docs/insights.md):
C is the programme's cadence in days (monthly 31, every two weeks 14); the gap is the days
since the pair's last logged meeting, or since approval when they have not met yet.

A partner's "yes" to "Did you meet?" (programmes where mentees choose) counts as a meeting on
the day of the answer.

1. At risk, when any of: an open confidential request to end or re-match; a partner answered
   "no" to "Did you meet?", nobody answered "yes" and no meeting was logged on or after that
   answer; the gap is more than 2 x C; a partner rated a meeting, or their satisfaction in a
   pulse survey, 2 or lower (of 5) in the last 60 days; or the gap is more than C and neither
   partner did anything in the last 30 days.
2. Too early to tell, when the pair was approved less than C days ago and has not met yet.
3. Needs a check-in, when any of: the gap is more than C; a planned meeting date passed more
   than 3 days ago with no meeting logged since; one partner did nothing in the last 30 days
   (from day 30 on); 30 days after approval, the agreement is not signed by both, or the pair
   has no goal; the partners answered "Did you meet?" differently (no meeting logged since the
   "no"); "Did you meet?" was asked more than 7 days ago and nobody answered or logged a
   meeting since.
4. On track otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, case, func, select, union_all

from portal.core.text import count_words
from portal.extensions import db
from portal.models import Cadence, Membership, Pairing, PairingStatus, Program, User
from portal.models.choosing import MeetAnswer, MeetCheck
from portal.models.guide import (
    GuideDispatch,
    MeetingRating,
    PairingRequest,
    RequestStatus,
    SurveyResponse,
)
from portal.models.journal import EntryComment, JournalEntry
from portal.models.kickoff import Agreement, AgreementVersion, Goal, MeetingStatus, PlannedMeeting
from portal.models.meetings import AgendaPoint, Meeting, MeetingPlan
from portal.models.practice import CheckIn, Practice, PracticeComment
from portal.services import access
from portal.services.pairings.next_meeting import next_meetings

# The formula's numbers live here only: the page (`admin/insights/_formula.html`, through FORMULA)
# and docs/insights.md read them, and a test holds the doc to these values.
ACTIVITY_DAYS = 30  # the activity window, per partner
RATING_DAYS = 60  # how far back a low rating or survey answer counts
LOW_RATING = 2  # a rating or satisfaction this low (of 5) or lower puts a pair at risk
SETTLING_DAYS = 30  # days after approval before a missing agreement or goal counts
MISSED_GRACE_DAYS = 3  # days a planned meeting may pass before it counts as missed
AT_RISK_GAP_TIMES = 2  # a gap of more than this many cadences is at risk
MEET_ANSWER_DAYS = 7  # days "Did you meet?" may wait for an answer (choosing/meet_checks.py)


FORMULA = {
    "activity_days": ACTIVITY_DAYS,
    "rating_days": RATING_DAYS,
    "low_rating": LOW_RATING,
    "settling_days": SETTLING_DAYS,
    "missed_grace_days": MISSED_GRACE_DAYS,
    "at_risk_gap_times": AT_RISK_GAP_TIMES,
    "meet_answer_days": MEET_ANSWER_DAYS,
    "monthly_days": Cadence.monthly.days,
    "biweekly_days": Cadence.biweekly.days,
}


class HealthStatus(StrEnum):
    at_risk = "at_risk"
    needs_check_in = "needs_check_in"
    too_early = "too_early"
    on_track = "on_track"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def rank(self) -> int:
        """Most urgent first when sorting by status."""
        return list(HealthStatus).index(self)


STATUS_LABELS = {
    HealthStatus.at_risk: "At risk",
    HealthStatus.needs_check_in: "Needs a check-in",
    HealthStatus.too_early: "Too early to tell",
    HealthStatus.on_track: "On track",
}


@dataclass(frozen=True)
class Activity:
    """One partner's counts over the last 30 days (never any text)."""

    check_ins: int = 0
    entries_shared: int = 0
    comments: int = 0
    agenda_points: int = 0

    @property
    def total(self) -> int:
        return self.check_ins + self.entries_shared + self.comments + self.agenda_points


@dataclass(frozen=True)
class PairFacts:
    """What the formula reads about one pair on one day."""

    approved_on: date
    cadence_days: int
    cadence_label: str
    last_met_on: date | None = None
    next_meeting_on: date | None = None
    last_planned_on: date | None = None
    mentor: Activity = field(default_factory=Activity)
    mentee: Activity = field(default_factory=Activity)
    agreement_signed: bool = False
    goals: int = 0
    lowest_rating: int | None = None
    concern: str | None = None  # an open request's kind: "end_early" or "rematch"
    # "Did you meet?" (choosing): when it was first asked, the last "yes" and the last "no".
    meet_asked_on: date | None = None
    said_met_on: date | None = None
    said_not_met_on: date | None = None

    @property
    def met_on(self) -> date | None:
        """The last meeting: logged, or a partner's "yes" to "Did you meet?"."""
        known = [d for d in (self.last_met_on, self.said_met_on) if d is not None]
        return max(known) if known else None


@dataclass(frozen=True)
class Health:
    status: HealthStatus
    reasons: tuple[str, ...]


def _days(n: int) -> str:
    return count_words(n, "day")


def assess(facts: PairFacts, today: date) -> Health:
    """Apply the published formula to one pair's facts."""
    cadence = facts.cadence_days
    met_on = facts.met_on
    since = met_on or facts.approved_on
    gap = (today - since).days
    age = (today - facts.approved_on).days
    gap_words = (
        f"no meeting for {_days(gap)}; cadence {facts.cadence_label}"
        if met_on
        else f"no meeting since approval {_days(gap)} ago; cadence {facts.cadence_label}"
    )
    said_no, said_yes = facts.said_not_met_on, facts.said_met_on
    # A "no" stands until a meeting is logged on or after its day, or a "yes" comes after it;
    # a "yes" on or before the day of the "no" is a disagreement.
    not_met = (
        said_no is not None
        and (facts.last_met_on is None or facts.last_met_on < said_no)
        and (said_yes is None or said_yes <= said_no)
    )
    quiet_both = facts.mentor.total == 0 and facts.mentee.total == 0

    risks = []
    if facts.concern:
        kind = "re-match" if facts.concern == "rematch" else "end the pairing"
        risks.append(f"a partner asked confidentially to {kind}")
    if not_met and said_yes is None:
        risks.append(f"a partner said on {said_no.isoformat()} that they have not met yet")
    if gap > AT_RISK_GAP_TIMES * cadence:
        risks.append(gap_words)
    if facts.lowest_rating is not None and facts.lowest_rating <= LOW_RATING:
        risks.append(f"a rating of {facts.lowest_rating} of 5 in the last {RATING_DAYS} days")
    if gap > cadence and gap <= AT_RISK_GAP_TIMES * cadence and quiet_both:
        risks.append(f"{gap_words}, and neither partner active in {ACTIVITY_DAYS} days")
    if risks:
        return Health(HealthStatus.at_risk, tuple(risks))

    # Nobody answered "Did you meet?" in time, nor logged a meeting since it was asked.
    asked = facts.meet_asked_on
    silent = (
        asked is not None
        and (today - asked).days > MEET_ANSWER_DAYS
        and said_yes is None
        and said_no is None
        and (facts.last_met_on is None or facts.last_met_on < asked)
    )
    if met_on is None and age < cadence and not silent:
        return Health(
            HealthStatus.too_early,
            (f"approved {_days(age)} ago; first meeting due within {_days(cadence)}",),
        )

    checks = []
    if gap > cadence:
        checks.append(gap_words)
    planned = facts.last_planned_on
    if (
        planned is not None
        and (today - planned).days > MISSED_GRACE_DAYS
        and (facts.last_met_on is None or facts.last_met_on < planned)
    ):
        checks.append(f"planned meeting on {planned.isoformat()} not logged")
    if not_met and said_yes is not None:
        checks.append("the partners answered “Did you meet?” differently")
    if silent:
        checks.append(f"nobody answered “Did you meet?” within {_days(MEET_ANSWER_DAYS)}")
    if age >= ACTIVITY_DAYS and not quiet_both:
        for role, activity in (("mentor", facts.mentor), ("mentee", facts.mentee)):
            if activity.total == 0:
                checks.append(f"{role} not active in {ACTIVITY_DAYS} days")
    if age >= SETTLING_DAYS:
        if not facts.agreement_signed:
            checks.append(f"agreement not signed by both after {_days(age)}")
        if facts.goals == 0:
            checks.append(f"no goal written after {_days(age)}")
    if checks:
        return Health(HealthStatus.needs_check_in, tuple(checks))

    met = (
        f"met {_days(gap)} ago; cadence {facts.cadence_label}"
        if met_on
        else f"approved {_days(age)} ago"
    )
    return Health(HealthStatus.on_track, (met, "both partners active"))


# --- gathering the facts in a fixed number of queries ------------------------------------


@dataclass
class PairRow:
    """One active pair with its facts, its health and what the list shows."""

    pairing_id: int
    program_id: int
    mentor_id: int
    mentor_name: str
    mentee_id: int
    mentee_name: str
    department: str
    score: float | None
    facts: PairFacts
    health: Health

    @property
    def status(self) -> HealthStatus:
        return self.health.status

    @property
    def activity(self) -> int:
        return self.facts.mentor.total + self.facts.mentee.total


def _end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time())


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time())


def active_on(day: date) -> ColumnElement[bool]:
    """Pairs active on `day`: approved by then, and active now or ended after that day."""
    end = _end_of(day)
    return (
        Pairing.approved_at.is_not(None)
        & (Pairing.approved_at < end)
        & (
            (Pairing.status == PairingStatus.active)
            | (Pairing.ended_at.is_not(None) & (Pairing.ended_at >= end))
        )
    )


def pair_rows(
    programs: list[Program], today: date, pairing_ids: list[int] | None = None
) -> list[PairRow]:
    """Every pair active on `today` in the programmes (or just `pairing_ids`), with health,
    in fourteen queries."""
    if not programs or pairing_ids == []:
        return []
    by_id = {p.id: p for p in programs}
    ids = list(by_id)
    end = _end_of(today)
    window = _start_of(today - timedelta(days=ACTIVITY_DAYS - 1))
    mentor, mentee = User.__table__.alias("mentor"), User.__table__.alias("mentee")
    member = Membership.__table__.alias("member")
    query = (
        select(
            Pairing.id,
            Pairing.program_id,
            Pairing.mentor_id,
            mentor.c.name,
            Pairing.mentee_id,
            mentee.c.name,
            Pairing.approved_at,
            Pairing.score,
            member.c.profile["department"].as_string(),
        )
        .join(mentor, mentor.c.id == Pairing.mentor_id)
        .join(mentee, mentee.c.id == Pairing.mentee_id)
        .outerjoin(
            member,
            and_(member.c.user_id == Pairing.mentee_id, member.c.program_id == Pairing.program_id),
        )
        # A past day sees the pairs active then.
        .where(Pairing.program_id.in_(ids), active_on(today))
    )
    if pairing_ids is not None:
        query = query.where(Pairing.id.in_(pairing_ids))
    pairs = db.session.execute(query).all()
    if not pairs:
        return []
    pair_filter = Pairing.program_id.in_(ids)
    if pairing_ids is not None:
        pair_filter = Pairing.id.in_(pairing_ids)
    pair_ids = select(Pairing.id).where(pair_filter)

    met = dict(
        db.session.execute(
            select(Meeting.pairing_id, func.max(Meeting.held_on))
            .join(Pairing, Pairing.id == Meeting.pairing_id)
            .where(pair_filter, Meeting.happened.is_(True), Meeting.held_on <= today)
            .group_by(Meeting.pairing_id)
        ).all()
    )
    plans = dict(
        db.session.execute(
            select(MeetingPlan.pairing_id, MeetingPlan.next_meeting_on)
            .join(Pairing, Pairing.id == MeetingPlan.pairing_id)
            .where(pair_filter, MeetingPlan.next_meeting_on.is_not(None))
        ).all()
    )
    planned_rows = db.session.execute(
        select(
            PlannedMeeting.pairing_id,
            func.max(case((PlannedMeeting.starts_at < _start_of(today), PlannedMeeting.starts_at))),
            func.min(
                case((PlannedMeeting.starts_at >= _start_of(today), PlannedMeeting.starts_at))
            ),
        )
        .join(Pairing, Pairing.id == PlannedMeeting.pairing_id)
        .where(pair_filter, PlannedMeeting.status == MeetingStatus.accepted)
        .group_by(PlannedMeeting.pairing_id)
    ).all()
    planned = {pid: (_as_date(past), _as_date(future)) for pid, past, future in planned_rows}
    # The next meeting is the one every page shows (services/next_meeting.py), as of the
    # start of `today` on the programme team's UTC calendar.
    ahead = next_meetings([row[0] for row in pairs], _start_of(today))

    people = (
        select(Pairing.mentor_id.label("uid"))
        .where(pair_filter)
        .union(select(Pairing.mentee_id).where(pair_filter))
        .subquery()
    )
    entries = dict(
        db.session.execute(
            select(JournalEntry.author_id, func.count())
            .join(people, people.c.uid == JournalEntry.author_id)
            .where(
                access.entry_counts_clause(),
                JournalEntry.created_at >= window,
                JournalEntry.created_at < end,
            )
            .group_by(JournalEntry.author_id)
        ).all()
    )
    check_ins = dict(
        db.session.execute(
            select(Practice.owner_id, func.count())
            .join(people, people.c.uid == Practice.owner_id)
            .join(CheckIn, CheckIn.practice_id == Practice.id)
            .where(CheckIn.day >= window.date(), CheckIn.day <= today)
            .group_by(Practice.owner_id)
        ).all()
    )
    comment_union = union_all(
        select(EntryComment.author_id.label("uid")).where(
            EntryComment.created_at >= window, EntryComment.created_at < end
        ),
        select(PracticeComment.author_id).where(
            PracticeComment.created_at >= window, PracticeComment.created_at < end
        ),
    ).subquery()
    comments = dict(
        db.session.execute(
            select(comment_union.c.uid, func.count())
            .join(people, people.c.uid == comment_union.c.uid)
            .group_by(comment_union.c.uid)
        ).all()
    )
    agenda = {
        (pid, uid): n
        for pid, uid, n in db.session.execute(
            select(AgendaPoint.pairing_id, AgendaPoint.author_id, func.count())
            .where(
                AgendaPoint.pairing_id.in_(pair_ids),
                AgendaPoint.created_at >= window,
                AgendaPoint.created_at < end,
            )
            .group_by(AgendaPoint.pairing_id, AgendaPoint.author_id)
        )
    }
    signed = set(
        db.session.scalars(
            select(Agreement.pairing_id)
            .join(AgreementVersion, AgreementVersion.agreement_id == Agreement.id)
            .where(
                Agreement.pairing_id.in_(pair_ids),
                AgreementVersion.mentor_signed_at < end,
                AgreementVersion.mentee_signed_at < end,
            )
            .distinct()
        )
    )
    goals = dict(
        db.session.execute(
            select(Goal.pairing_id, func.count())
            .where(Goal.pairing_id.in_(pair_ids), Goal.created_at < end)
            .group_by(Goal.pairing_id)
        ).all()
    )
    rating_since = _start_of(today - timedelta(days=RATING_DAYS - 1))
    # A meeting rating belongs to the meeting's pair; a pulse survey belongs to a person in a
    # programme, so it counts for the pairs that person was in there when they answered.
    rated = union_all(
        select(Meeting.pairing_id.label("pid"), MeetingRating.rating.label("score"))
        .join(Meeting, Meeting.id == MeetingRating.meeting_id)
        .where(
            Meeting.pairing_id.in_(pair_ids),
            MeetingRating.created_at >= rating_since,
            MeetingRating.created_at < end,
        ),
        select(Pairing.id, SurveyResponse.satisfaction)
        .join(
            SurveyResponse,
            and_(
                SurveyResponse.program_id == Pairing.program_id,
                SurveyResponse.user_id.in_([Pairing.mentor_id, Pairing.mentee_id]),
            ),
        )
        .where(
            pair_filter,
            SurveyResponse.submitted_at >= rating_since,
            SurveyResponse.submitted_at >= Pairing.approved_at,
            SurveyResponse.submitted_at < end,
        ),
    ).subquery()
    ratings = dict(
        db.session.execute(select(rated.c.pid, func.min(rated.c.score)).group_by(rated.c.pid)).all()
    )
    # Only that a request is open, and its kind: never who asked or why.
    concerns = dict(
        db.session.execute(
            select(PairingRequest.pairing_id, func.max(PairingRequest.kind))
            .where(
                PairingRequest.pairing_id.in_(pair_ids),
                PairingRequest.created_at < end,
                (PairingRequest.status == RequestStatus.open) | (PairingRequest.resolved_at >= end),
            )
            .group_by(PairingRequest.pairing_id)
        ).all()
    )

    # "Did you meet?": only the answers' kinds and days (as of the end of `today`).
    answers = {
        pid: (_as_date(yes), _as_date(no))
        for pid, yes, no in db.session.execute(
            select(
                MeetCheck.pairing_id,
                func.max(case((MeetCheck.answer == MeetAnswer.yes, MeetCheck.answered_at))),
                func.max(case((MeetCheck.answer == MeetAnswer.no, MeetCheck.answered_at))),
            )
            .where(MeetCheck.pairing_id.in_(pair_ids), MeetCheck.answered_at < end)
            .group_by(MeetCheck.pairing_id)
        )
    }
    asked = {
        pid: _as_date(first)
        for pid, first in db.session.execute(
            select(GuideDispatch.pairing_id, func.min(GuideDispatch.created_at))
            .where(
                GuideDispatch.pairing_id.in_(pair_ids),
                GuideDispatch.kind == "meet_check",
                GuideDispatch.created_at < end,
            )
            .group_by(GuideDispatch.pairing_id)
        )
    }

    def activity(pid: int, uid: int) -> Activity:
        return Activity(
            check_ins=check_ins.get(uid, 0),
            entries_shared=entries.get(uid, 0),
            comments=comments.get(uid, 0),
            agenda_points=agenda.get((pid, uid), 0),
        )

    rows = []
    for (
        pid,
        prog_id,
        mentor_id,
        mentor_name,
        mentee_id,
        mentee_name,
        approved,
        score,
        dept,
    ) in pairs:
        program = by_id[prog_id]
        past_planned, _ = planned.get(pid, (None, None))
        plan = plans.get(pid)
        passed = [d for d in (past_planned, plan if plan and plan < today else None) if d]
        upcoming = ahead.get(pid)
        facts = PairFacts(
            approved_on=approved.date(),
            cadence_days=program.cadence.days,
            cadence_label=program.cadence.label,
            last_met_on=met.get(pid),
            next_meeting_on=upcoming.day if upcoming else None,
            last_planned_on=max(passed) if passed else None,
            mentor=activity(pid, mentor_id),
            mentee=activity(pid, mentee_id),
            agreement_signed=pid in signed,
            goals=goals.get(pid, 0),
            lowest_rating=ratings.get(pid),
            concern=_concern_value(concerns.get(pid)),
            meet_asked_on=asked.get(pid),
            said_met_on=answers.get(pid, (None, None))[0],
            said_not_met_on=answers.get(pid, (None, None))[1],
        )
        rows.append(
            PairRow(
                pairing_id=pid,
                program_id=prog_id,
                mentor_id=mentor_id,
                mentor_name=mentor_name,
                mentee_id=mentee_id,
                mentee_name=mentee_name,
                department=(dept or "").strip(),
                score=score,
                facts=facts,
                health=assess(facts, today),
            )
        )
    return rows


def _as_date(value: datetime | str | None) -> date | None:
    """Aggregates over datetimes come back as strings on SQLite."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.date()


def _concern_value(kind: object) -> str | None:
    if kind is None:
        return None
    # "rematch" sorts after "end_early": max() keeps the wish to stay in the programme.
    return getattr(kind, "value", str(kind))
