"""Does a kick-off page cost the same number of queries however much the pair has written?"""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models.kickoff import Goal, GoalProgress, GoalRating, MeetingStatus
from portal.services.pairings.agreement import AgreementTerms, save_agreement, state_of
from tests.factories import make_agreement, make_goal, make_pairing, make_planned_meeting


def _grow(pairing, scale: int) -> None:
    """Goals with long histories, many meetings and many agreement versions."""
    agreement = make_agreement(pairing, seeking="Lead.")
    for n in range(scale):
        goal = make_goal(pairing, title=f"Goal {n}")
        for day in range(scale * 3):
            db.session.add(
                GoalRating(
                    goal_id=goal.id,
                    progress=GoalProgress.started,
                    rated_on=date.today() - timedelta(days=day + 1),
                )
            )
        make_planned_meeting(
            pairing,
            status=MeetingStatus.accepted,
            starts_at=pairing.created_at + timedelta(days=30 + n),
        )
        terms = AgreementTerms(
            sections={**agreement.sections, "ending": f"Version {n}"},
            meeting_minutes=60,
            meeting_format="video",
            meeting_place="",
        )
        save_agreement(agreement, pairing.mentee, terms, agreement.version)
        for version in agreement.versions:
            version.mentor_signed_at = version.mentee_signed_at = pairing.created_at
        db.session.commit()
    assert len(state_of(agreement).signed_versions) == scale + 1


@pytest.mark.parametrize(
    "page", ["agreement", "goals", "goal", "schedule", "partner", "prep", "dashboard"]
)
def test_is_the_query_count_independent_of_the_amount_of_data(client, auth, count_queries, page):
    counts = []
    for scale in (1, 6):
        pairing = make_pairing()
        _grow(pairing, scale)
        goal_id = db.session.scalar(select(Goal.id).where(Goal.pairing_id == pairing.id))
        url = {
            "agreement": f"/pairings/{pairing.id}/agreement",
            "goals": f"/pairings/{pairing.id}/goals",
            "goal": f"/pairings/{pairing.id}/goals/{goal_id}",
            "schedule": f"/pairings/{pairing.id}/schedule",
            "partner": f"/pairings/{pairing.id}/partner",
            "prep": f"/pairings/{pairing.id}/prep",
            "dashboard": "/dashboard/",
        }[page]
        auth.login(pairing.mentee)
        client.get(url)
        db.session.expire_all()
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        counts.append(counter.count)
        auth.logout()
    assert counts[0] == counts[1], counts
