"""The "first steps" list each partner's dashboard shows, ticked off from real data."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select

from portal.extensions import db
from portal.models import Pairing, PairingStatus, User
from portal.models.kickoff import Agreement, AgreementVersion, Goal, MeetingStatus, PlannedMeeting
from portal.models.meetings import Meeting
from portal.services import access


@dataclass
class Step:
    label: str
    done: bool
    endpoint: str


@dataclass
class FirstSteps:
    pairing: Pairing
    steps: list[Step]

    @property
    def done(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def complete(self) -> bool:
        return self.done == len(self.steps)


def first_steps(user: User, pairings: list[Pairing]) -> list[FirstSteps]:
    """For each active pairing: agree, set goals, plan the first meeting, hold it (one query)."""
    active = [p for p in pairings if p.status is PairingStatus.active and p.involves(user)]
    if not active:
        return []
    query = access.prebuilt("pairings.first_steps", _first_steps)  # built once per process
    rows = db.session.execute(query, access.viewer_params(user, pairing_ids=[p.id for p in active]))
    done = {row[0]: row[1:] for row in rows}
    labels = [
        ("Meet your partner and sign your agreement", "pairings.agreement"),
        ("Write the mentee's goals", "pairings.goals"),
        ("Plan the first meeting", "pairings.schedule"),
        ("Hold it, and log it", "pairings.detail"),
    ]
    return [
        FirstSteps(
            pairing,
            [
                Step(label, bool(flag), endpoint)
                for (label, endpoint), flag in zip(labels, done[pairing.id], strict=True)
            ],
        )
        for pairing in active
    ]


def _first_steps(viewer: User):
    """Per pairing (the ``pairing_ids`` parameter): signed, goals, planned, held."""
    signed = (
        select(Agreement.id)
        .join(AgreementVersion, AgreementVersion.agreement_id == Agreement.id)
        .where(
            Agreement.pairing_id == Pairing.id,
            AgreementVersion.mentor_signed_at.is_not(None),
            AgreementVersion.mentee_signed_at.is_not(None),
        )
        .exists()
    )
    # Only goals the viewer may read count, so a private goal is never revealed by a tick.
    goals = access.visible_goals(viewer).where(Goal.pairing_id == Pairing.id).exists()
    planned = (
        select(PlannedMeeting.id)
        .where(
            PlannedMeeting.pairing_id == Pairing.id,
            PlannedMeeting.status == MeetingStatus.accepted,
        )
        .exists()
    )
    held = select(Meeting.id).where(Meeting.pairing_id == Pairing.id, Meeting.happened).exists()
    return select(Pairing.id, signed, goals, planned, held).where(
        Pairing.id.in_(bindparam("pairing_ids", expanding=True))
    )


def panel(user: User, pairings: list[Pairing]) -> list[FirstSteps]:
    """The first steps still open in each pairing, for the dashboard."""
    return [s for s in first_steps(user, pairings) if not s.complete]
