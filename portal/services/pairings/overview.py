"""What the programme team sees of each pair's start: whether and when, never what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal.core.errors import NotVisible
from portal.extensions import db
from portal.models import Pairing, PairingStatus, Program, User
from portal.models.kickoff import Agreement, AgreementVersion, Goal
from portal.services import access
from portal.services.pairings.next_meeting import next_meetings
from portal.services.pairings.steps import FirstSteps, first_steps


def steps_for(user: User, pairing: Pairing) -> FirstSteps | None:
    steps = first_steps(user, [pairing])
    return steps[0] if steps else None


@dataclass
class PairStart:
    pairing: Pairing
    signed_on: datetime | None
    goals: int
    next_meeting_at: datetime | date | None  # a time when scheduled, a date when only planned


def program_overview(user: User, program: Program, now: datetime) -> list[PairStart]:
    """One row per approved pair, in four queries: dates and counts only."""
    if not access.can_see_kickoff_overview(user):
        raise NotVisible
    pairings = list(
        db.session.scalars(
            select(Pairing)
            .where(
                Pairing.program_id == program.id,
                Pairing.status.in_([PairingStatus.active, PairingStatus.completed]),
            )
            .options(joinedload(Pairing.mentor), joinedload(Pairing.mentee))
            .order_by(Pairing.approved_at, Pairing.id)
        )
    )
    ids = [p.id for p in pairings]
    signed: dict[int, datetime] = {}
    rows = db.session.execute(
        select(
            Agreement.pairing_id,
            AgreementVersion.mentor_signed_at,
            AgreementVersion.mentee_signed_at,
        )
        .join(AgreementVersion, AgreementVersion.agreement_id == Agreement.id)
        .where(
            Agreement.pairing_id.in_(ids),
            AgreementVersion.mentor_signed_at.is_not(None),
            AgreementVersion.mentee_signed_at.is_not(None),
        )
    )
    for pairing_id, mentor_at, mentee_at in rows:
        # A version is signed when its second partner signs; the newest signed version counts.
        signed[pairing_id] = max(signed.get(pairing_id, mentor_at), mentor_at, mentee_at)
    goals = dict(
        db.session.execute(
            select(Goal.pairing_id, func.count(Goal.id))
            .where(Goal.pairing_id.in_(ids))
            .group_by(Goal.pairing_id)
        ).all()
    )
    # The same next meeting the pair's own pages show, on the programme team's (UTC) calendar.
    upcoming = next_meetings(ids, now)
    meetings = {pid: nm.starts_at or nm.day for pid, nm in upcoming.items()}
    return [
        PairStart(p, signed.get(p.id), goals.get(p.id, 0), meetings.get(p.id)) for p in pairings
    ]
