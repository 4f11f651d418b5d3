"""Pulse surveys (midpoint and close) and the per-meeting "how useful was it?" question.

Answers belong to the programme team as aggregates: a person reads only their own, a
partner never sees them, and a breakdown of fewer than five people is suppressed.

A person who is in a circle when they answer (its facilitator or a current member) is also
asked "how useful is your circle?"; the response then records that circle
(`SurveyCircleAnswer`). Circle results are read only over all of a programme's circles
(`circle_results`), never per circle, and only from five respondents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from portal.core.time import add_days
from portal.extensions import db
from portal.models import Program, User
from portal.models.circles import Circle
from portal.models.guide import MeetingRating, SurveyCircleAnswer, SurveyResponse, SurveyRound
from portal.models.meetings import Meeting
from portal.services import access
from portal.services.insights import suppression
from portal.services.reminders import GuideError, settings

# A round is open this long (days) from the day it opens.
ROUND_DAYS = 21
CLOSE_OPENS_BEFORE_END = 14
COMMENT_MAX = 2000
MIN_GROUP = suppression.MIN_PEOPLE


def window(program: Program, round_: SurveyRound) -> tuple[date, date]:
    """The first and last day a round accepts answers."""
    if round_ is SurveyRound.midpoint:
        opens = settings.midpoint(program)
    else:
        opens = add_days(program.ends_on, -CLOSE_OPENS_BEFORE_END)
    return opens, add_days(opens, ROUND_DAYS - 1)


def open_round(program: Program, today: date) -> SurveyRound | None:
    """The round that accepts answers today, if any."""
    for round_ in SurveyRound:
        opens, closes = window(program, round_)
        if opens <= today <= closes:
            return round_
    return None


def response_of(user: User, program: Program, round_: SurveyRound) -> SurveyResponse | None:
    return db.session.scalar(
        select(SurveyResponse).where(
            SurveyResponse.program_id == program.id,
            SurveyResponse.user_id == user.id,
            SurveyResponse.round == round_,
        )
    )


def circle_of(user: User, program: Program) -> Circle | None:
    """The circle the person is in now in the programme (facilitator or current member of an
    active, open circle): what their survey answers are also about. A person is in at most
    one live circle of a programme."""
    return db.session.scalars(
        access.sharable_circles(user).where(Circle.program_id == program.id).order_by(Circle.id)
    ).first()


def open_for_circle(user: User, circle: Circle, today: date) -> SurveyRound | None:
    """The open round the circle page offers: to the circle's facilitator or a current member
    (an active participant of the programme) who has not answered it yet."""
    round_ = open_round(circle.program, today)
    if round_ is None or not access.can_answer_survey(user, circle.program):
        return None
    mine = circle_of(user, circle.program)
    if mine is None or mine.id != circle.id or response_of(user, circle.program, round_):
        return None
    return round_


def circle_answered(response: SurveyResponse | None) -> bool:
    """Whether a response recorded a circle (the person reads back only their own)."""
    if response is None:
        return False
    return db.session.get(SurveyCircleAnswer, response.id) is not None


@dataclass
class Answers:
    satisfaction: int | None
    recommend: int | None
    progress: int | None
    comment: str
    circle_usefulness: int | None = None


def _scale(value: int | None, low: int, high: int, field: str) -> int:
    if value is None:
        raise GuideError("Choose an answer.", field)
    if not low <= value <= high:
        raise GuideError(f"Choose a number from {low} to {high}.", field)
    return value


def submit(user: User, program: Program, round_: SurveyRound, answers: Answers, today: date):
    """Record one person's answers once; the caller commits."""
    if open_round(program, today) is not round_:
        raise GuideError("This survey is not open.", "satisfaction")
    comment = (answers.comment or "").replace("\x00", "").strip()
    if len(comment) > COMMENT_MAX:
        raise GuideError(f"Keep your answer under {COMMENT_MAX} characters.", "comment")
    circle = circle_of(user, program)
    usefulness = _scale(answers.circle_usefulness, 1, 5, "circle_usefulness") if circle else None
    response = SurveyResponse(
        program_id=program.id,
        user_id=user.id,
        round=round_,
        satisfaction=_scale(answers.satisfaction, 1, 5, "satisfaction"),
        recommend=_scale(answers.recommend, 0, 10, "recommend"),
        progress=_scale(answers.progress, 1, 5, "progress"),
        comment=comment,
        questions=settings.questions(program),
    )
    try:
        with db.session.begin_nested():
            db.session.add(response)
            if circle is not None:
                db.session.flush()
                db.session.add(
                    SurveyCircleAnswer(
                        response_id=response.id, circle_id=circle.id, usefulness=usefulness
                    )
                )
    except IntegrityError as error:
        raise GuideError(
            "You have already answered this survey. Thank you!", "satisfaction"
        ) from error
    return response


def rate_meeting(user: User, meeting: Meeting, rating: int | None) -> MeetingRating:
    """One person's answer to "how useful was this meeting?"; a second answer replaces it."""
    value = _scale(rating, 1, 5, "rating")
    # One statement, insert or replace, under the unique (meeting, person): a double submit
    # cannot insert twice, whichever database runs it.
    dialect = sqlite_insert if db.engine.dialect.name == "sqlite" else postgresql_insert
    upsert = dialect(MeetingRating).values(meeting_id=meeting.id, user_id=user.id, rating=value)
    db.session.execute(
        upsert.on_conflict_do_update(
            index_elements=[MeetingRating.meeting_id, MeetingRating.user_id],
            set_={"rating": value},
        )
    )
    return db.session.scalars(
        select(MeetingRating)
        .where(MeetingRating.meeting_id == meeting.id, MeetingRating.user_id == user.id)
        .execution_options(populate_existing=True)
    ).one()


def my_rating(user: User, meeting: Meeting) -> int | None:
    return db.session.scalar(
        select(MeetingRating.rating).where(
            MeetingRating.meeting_id == meeting.id, MeetingRating.user_id == user.id
        )
    )


@dataclass
class RoundSummary:
    """A round's aggregates for the programme team; None figures when fewer than five answered."""

    round: SurveyRound
    answered: int
    satisfaction: float | None
    progress: float | None
    nps: int | None
    comments: int

    @property
    def suppressed(self) -> bool:
        return self.answered < MIN_GROUP


def summary(program: Program, round_: SurveyRound) -> RoundSummary:
    """Averages and NPS (promoters 9-10 minus detractors 0-6, in percent); counts only."""
    row = db.session.execute(
        select(
            func.count(SurveyResponse.id),
            func.avg(SurveyResponse.satisfaction),
            func.avg(SurveyResponse.progress),
            func.sum(func.cast(SurveyResponse.recommend >= 9, db.Integer)),
            func.sum(func.cast(SurveyResponse.recommend <= 6, db.Integer)),
            func.sum(func.cast(SurveyResponse.comment != "", db.Integer)),
        ).where(SurveyResponse.program_id == program.id, SurveyResponse.round == round_)
    ).one()
    answered = row[0] or 0
    if answered < MIN_GROUP:
        return RoundSummary(round_, answered, None, None, None, 0)
    nps = round(100 * ((row[3] or 0) - (row[4] or 0)) / answered)
    return RoundSummary(
        round_, answered, round(float(row[1]), 1), round(float(row[2]), 1), nps, row[5] or 0
    )


def comments(program: Program, round_: SurveyRound) -> list[str]:
    """The round's non-empty free-text answers, without names or dates, in alphabetical
    order so that the order says nothing about who answered when."""
    rows = db.session.scalars(
        select(SurveyResponse.comment).where(
            SurveyResponse.program_id == program.id,
            SurveyResponse.round == round_,
            SurveyResponse.comment != "",
        )
    )
    return sorted(rows, key=str.casefold)


def meeting_rating_summary(program: Program) -> tuple[int | str, float | None]:
    """How many meeting ratings the programme has, and their mean; both suppressed when
    fewer than five distinct people rated (five ratings by one mentor are one person)."""
    from portal.models.pairings import Pairing

    count, people, mean = db.session.execute(
        select(
            func.count(MeetingRating.id),
            func.count(func.distinct(MeetingRating.user_id)),
            func.avg(MeetingRating.rating),
        )
        .join(Meeting, Meeting.id == MeetingRating.meeting_id)
        .join(Pairing, Pairing.id == Meeting.pairing_id)
        .where(Pairing.program_id == program.id)
    ).one()
    return suppression.count(count or 0, people or 0), suppression.mean(mean, people or 0)


@dataclass
class CircleRoundResult:
    """One round's answers from people in circles, over all the programmes' circles: None
    figures when fewer than five people answered (then not even the count is shown)."""

    round: SurveyRound
    respondents: int | str
    satisfaction: float | None
    nps: int | None
    progress: float | None
    usefulness: float | None


def circle_results(programs: list[Program]) -> list[CircleRoundResult]:
    """Each round's answers from people in the programmes' circles, as totals over every
    circle, never one circle; comments are not read here (docs/circles.md)."""
    ids = [p.id for p in programs]
    rows = {
        round_: (n, people, sat, promoters, detractors, progress, useful)
        for round_, n, people, sat, promoters, detractors, progress, useful in db.session.execute(
            select(
                SurveyResponse.round,
                func.count(),
                func.count(func.distinct(SurveyResponse.user_id)),
                func.avg(SurveyResponse.satisfaction),
                func.sum(func.cast(SurveyResponse.recommend >= 9, db.Integer)),
                func.sum(func.cast(SurveyResponse.recommend <= 6, db.Integer)),
                func.avg(SurveyResponse.progress),
                func.avg(SurveyCircleAnswer.usefulness),
            )
            .join(SurveyCircleAnswer, SurveyCircleAnswer.response_id == SurveyResponse.id)
            .join(Circle, Circle.id == SurveyCircleAnswer.circle_id)
            .where(Circle.program_id.in_(ids), SurveyResponse.program_id.in_(ids))
            .group_by(SurveyResponse.round)
        )
    }
    results = []
    for round_ in SurveyRound:
        if round_ not in rows:
            continue
        n, people, sat, promoters, detractors, progress, useful = rows[round_]
        if suppression.is_small(people):
            results.append(
                CircleRoundResult(round_, suppression.SUPPRESSED, None, None, None, None)
            )
            continue
        results.append(
            CircleRoundResult(
                round_,
                n,
                suppression.mean(sat, people),
                round(100 * ((promoters or 0) - (detractors or 0)) / n),
                suppression.mean(progress, people),
                suppression.mean(useful, people),
            )
        )
    return results
