"""Pulse surveys (midpoint and close) and the per-meeting "how useful was it?" question.

Answers belong to the programme team as aggregates: a person reads only their own, a
partner never sees them, and a breakdown of fewer than five people is suppressed.
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
from portal.models.guide import MeetingRating, SurveyResponse, SurveyRound
from portal.models.meetings import Meeting
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


@dataclass
class Answers:
    satisfaction: int | None
    recommend: int | None
    progress: int | None
    comment: str


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
