"""'Did you meet?': asked of both partners `meet_check_days` after a pairing opened, when no
meeting was logged; a "no" (or no answer a week after the question) is a pair-health flag:
services/insights/health.py reads the answers into the published formula.

The answer is one row per partner (unique): a double click meets the constraint and the
first answer stands.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from portal.core.errors import FieldError
from portal.extensions import db
from portal.models import Pairing, PairingStatus, Program, User
from portal.models.choosing import ChoosingSettings, MatchingMode, MeetAnswer, MeetCheck
from portal.models.guide import GuideDispatch
from portal.models.meetings import Meeting
from portal.services.insights.health import MEET_ANSWER_DAYS

# The formula's constant (insights/health.py) is the one copy: the lead's flags and pair
# health wait the same number of days for an answer.
UNANSWERED_AFTER = timedelta(days=MEET_ANSWER_DAYS)


class MeetCheckError(FieldError):
    """An answer that cannot be recorded."""


def answer_of(pairing: Pairing, user: User) -> MeetCheck | None:
    return db.session.scalar(
        select(MeetCheck).where(MeetCheck.pairing_id == pairing.id, MeetCheck.user_id == user.id)
    )


def answer(pairing: Pairing, user: User, value: str, now: datetime) -> MeetCheck:
    """Record the partner's yes or no; the first answer stands."""
    if value not in ("yes", "no"):
        raise MeetCheckError("Choose yes or no.", "answer")
    if user.id not in (pairing.mentee_id, pairing.mentor_id):
        raise MeetCheckError("Only the two partners answer this question.")
    row = MeetCheck(
        pairing_id=pairing.id, user_id=user.id, answer=MeetAnswer(value), answered_at=now
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError as error:
        raise MeetCheckError("You answered this already: thank you.") from error
    db.session.commit()
    return row


def due(now: datetime, pairings: list[Pairing]) -> Iterator[tuple[Pairing, User]]:
    """The partners of pairings in programmes where mentees choose, opened at least
    `meet_check_days` ago, with no meeting logged and no answer yet."""
    by_program = {p.program_id for p in pairings}
    if not by_program:
        return
    rows = db.session.execute(
        select(ChoosingSettings.program_id, ChoosingSettings.meet_check_days).where(
            ChoosingSettings.program_id.in_(list(by_program)),
            ChoosingSettings.mode != MatchingMode.admin,
        )
    ).all()
    days = {program_id: number for program_id, number in rows}
    candidates = [
        p
        for p in pairings
        if p.program_id in days
        and p.opens_at is not None
        and p.opens_at + timedelta(days=days[p.program_id]) <= now
    ]
    if not candidates:
        return
    ids = [p.id for p in candidates]
    met = set(db.session.scalars(select(Meeting.pairing_id).where(Meeting.pairing_id.in_(ids))))
    answered = {
        (row.pairing_id, row.user_id)
        for row in db.session.execute(
            select(MeetCheck.pairing_id, MeetCheck.user_id).where(MeetCheck.pairing_id.in_(ids))
        ).all()
    }
    for pairing in candidates:
        if pairing.id in met:
            continue
        for person in (pairing.mentor, pairing.mentee):
            if (pairing.id, person.id) not in answered:
                yield pairing, person


def flags(program: Program, now: datetime) -> list[tuple[Pairing, str]]:
    """Active pairs of the programme where someone said they did not meet, or nobody
    answered within a week of being asked (the team's pair-health signal)."""
    said_no = db.session.scalars(
        select(Pairing)
        .where(
            Pairing.program_id == program.id,
            Pairing.status == PairingStatus.active,
            exists(
                select(MeetCheck.id).where(
                    MeetCheck.pairing_id == Pairing.id, MeetCheck.answer == MeetAnswer.no
                )
            ),
        )
        .order_by(Pairing.id)
    ).all()
    result = [(p, "A partner said they have not met yet.") for p in said_no]
    asked_keys = select(GuideDispatch.pairing_id).where(
        GuideDispatch.kind == "meet_check", GuideDispatch.created_at <= now - UNANSWERED_AFTER
    )
    silent = db.session.scalars(
        select(Pairing)
        .where(
            Pairing.program_id == program.id,
            Pairing.status == PairingStatus.active,
            Pairing.id.in_(asked_keys),
            ~exists(select(MeetCheck.id).where(MeetCheck.pairing_id == Pairing.id)),
            ~exists(select(Meeting.id).where(Meeting.pairing_id == Pairing.id)),
        )
        .order_by(Pairing.id)
    ).all()
    result += [(p, "Nobody answered “Did you meet?” within a week.") for p in silent]
    return result
