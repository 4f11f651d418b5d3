"""The "first steps" list each partner's dashboard shows, ticked off from real data."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

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
    """For each active pairing: agree, set goals, plan the first meeting, hold it (4 queries)."""
    active = [p for p in pairings if p.status is PairingStatus.active and p.involves(user)]
    ids = [p.id for p in active]
    if not ids:
        return []
    signed = set(
        db.session.scalars(
            select(Agreement.pairing_id)
            .join(AgreementVersion, AgreementVersion.agreement_id == Agreement.id)
            .where(
                Agreement.pairing_id.in_(ids),
                AgreementVersion.mentor_signed_at.is_not(None),
                AgreementVersion.mentee_signed_at.is_not(None),
            )
        )
    )
    # Only goals the viewer may read count, so a private goal is never revealed by a tick.
    with_goals = set(
        db.session.scalars(
            access.visible_goals(user)
            .where(Goal.pairing_id.in_(ids))
            .with_only_columns(Goal.pairing_id)
        )
    )
    planned = set(
        db.session.scalars(
            select(PlannedMeeting.pairing_id).where(
                PlannedMeeting.pairing_id.in_(ids),
                PlannedMeeting.status == MeetingStatus.accepted,
            )
        )
    )
    held = set(
        db.session.scalars(
            select(Meeting.pairing_id).where(Meeting.pairing_id.in_(ids), Meeting.happened)
        )
    )
    result = []
    for pairing in active:
        result.append(
            FirstSteps(
                pairing,
                [
                    Step(
                        "Meet your partner and sign your agreement",
                        pairing.id in signed,
                        "kickoff.agreement",
                    ),
                    Step("Write the mentee's goals", pairing.id in with_goals, "kickoff.goals"),
                    Step("Plan the first meeting", pairing.id in planned, "kickoff.schedule"),
                    Step("Hold it, and log it", pairing.id in held, "pairings.detail"),
                ],
            )
        )
    return result


def fill_dashboard(dashboard) -> None:
    """Give the dashboard its first-steps panel (the dashboard asks; this never imports it)."""
    steps = first_steps(dashboard.user, dashboard.pairings)
    dashboard.first_steps = [s for s in steps if not s.complete]
