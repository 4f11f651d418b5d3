"""Who may open a pair's kick-off pages? Partner, other mentor, other mentee, admin, anonymous.

The pair sees its agreement, shared goals, goal history and meetings; anyone else gets a
404 for the page and for its htmx fragment alike, admins included. A private goal is its
owner's alone. Admins see whether and when, never what.
"""

from dataclasses import dataclass
from datetime import date

import pytest

from portal.extensions import db
from portal.models.journal import Visibility
from portal.models.kickoff import GoalProgress
from portal.services import access
from portal.services.pairings.goals import rate_goal
from tests.conftest import hx_headers
from tests.factories import (
    make_admin,
    make_agreement,
    make_goal,
    make_pairing,
    make_planned_meeting,
    make_user,
)

ROLES = ["mentee", "partner", "other_mentor", "other_mentee", "admin", "anonymous"]
AGREEMENT_TEXT = "AGREEMENT-TEXT-41"
GOAL_TITLE = "SHARED-GOAL-41"
PRIVATE_GOAL = "PRIVATE-GOAL-41"
RATING_NOTE = "RATING-NOTE-41"
PLACE = "MEETING-PLACE-41"


@dataclass
class World:
    pairing: object
    people: dict
    goal: object
    private_goal: object
    meeting: object


def _world() -> World:
    pairing = make_pairing()
    other = make_pairing(program=pairing.program)
    make_agreement(pairing, sharing=AGREEMENT_TEXT)
    goal = make_goal(pairing, title=GOAL_TITLE)
    rate_goal(goal, "started", RATING_NOTE, date.today())
    private_goal = make_goal(pairing, title=PRIVATE_GOAL, visibility=Visibility.private)
    meeting = make_planned_meeting(pairing, place=PLACE)
    db.session.commit()
    people = {
        "mentee": pairing.mentee,
        "partner": pairing.mentor,
        "other_mentor": other.mentor,
        "other_mentee": make_user(),
        "admin": make_admin(),
    }
    return World(pairing, people, goal, private_goal, meeting)


def _urls(w: World) -> dict[str, tuple[str, str | None, str]]:
    """Page URL, its fragment id, and a text only the pair may see on it."""
    p = w.pairing.id
    return {
        "partner": (f"/pairings/{p}/partner", None, w.pairing.mentee.email),
        "agreement": (f"/pairings/{p}/agreement", "agreement", AGREEMENT_TEXT),
        "goals": (f"/pairings/{p}/goals", "goals", GOAL_TITLE),
        "goal": (f"/pairings/{p}/goals/{w.goal.id}", "goal-progress", RATING_NOTE),
        "schedule": (f"/pairings/{p}/schedule", "schedule", PLACE),
        "ics": (f"/pairings/{p}/schedule/{w.meeting.id}.ics", None, PLACE),
        "prep": (f"/pairings/{p}/prep", None, GOAL_TITLE),
    }


PAGES = ["partner", "agreement", "goals", "goal", "schedule", "ics", "prep"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_who_may_open_a_pairs_kickoff_pages(client, auth, role, page, htmx):
    w = _world()
    url, fragment_id, secret = _urls(w)[page]
    if role != "anonymous":
        auth.login(w.people[role])
    headers = hx_headers(fragment_id) if htmx else {}
    response = client.get(url, headers=headers)
    text = response.get_data(as_text=True)
    if role in ("mentee", "partner"):
        assert response.status_code == 200
        # A page without a fragment of its own may answer htmx with another fragment.
        if (page != "partner" or role == "partner") and not (htmx and fragment_id is None):
            assert secret in text
        assert PRIVATE_GOAL not in text or role == "mentee"
    elif role == "anonymous":
        # Signing in is asked for first; nothing of the pair's text is sent.
        assert response.status_code in (302, 401)
        assert secret not in text
    else:
        assert response.status_code == 404
        assert secret not in text


@pytest.mark.parametrize("role", ["partner", "other_mentor", "other_mentee", "admin"])
def test_is_a_private_goal_its_owners_alone(client, auth, role):
    w = _world()
    auth.login(w.people[role])
    response = client.get(f"/pairings/{w.pairing.id}/goals/{w.private_goal.id}")
    assert response.status_code == 404
    assert PRIVATE_GOAL not in client.get(f"/pairings/{w.pairing.id}/goals").get_data(as_text=True)
    assert not access.can_read_goal(w.people[role], w.private_goal)
    assert w.private_goal not in db.session.scalars(access.visible_goals(w.people[role])).all()
    auth.logout()
    auth.login(w.pairing.mentee)
    assert PRIVATE_GOAL in client.get(f"/pairings/{w.pairing.id}/goals/{w.private_goal.id}").text


@pytest.mark.parametrize("role", ["other_mentor", "other_mentee", "admin"])
def test_does_a_goals_history_reach_only_the_pair(role):
    w = _world()
    ratings = db.session.scalars(access.visible_goal_ratings(w.people[role])).all()
    assert ratings == []
    partner_sees = db.session.scalars(access.visible_goal_ratings(w.people["partner"])).all()
    assert {r.goal_id for r in partner_sees} == {w.goal.id}


@pytest.mark.parametrize(
    ("role", "status"),
    [("partner", 403), ("other_mentor", 404), ("other_mentee", 404), ("admin", 404)],
)
def test_who_may_rate_or_change_a_goal(client, auth, role, status):
    w = _world()
    auth.login(w.people[role])
    base = f"/pairings/{w.pairing.id}/goals/{w.goal.id}"
    assert client.post(f"{base}/rate", data={"progress": "reached"}).status_code == status
    edit = {"title": "Taken over", "visibility": "shared"}
    assert client.post(f"{base}/edit", data=edit).status_code == status
    db.session.refresh(w.goal)
    assert w.goal.progress is GoalProgress.started and w.goal.title == GOAL_TITLE


@pytest.mark.parametrize("role", ["other_mentor", "other_mentee", "admin"])
def test_may_outsiders_write_to_a_pair(client, auth, role):
    w = _world()
    auth.login(w.people[role])
    p = w.pairing.id
    posts = [
        (f"/pairings/{p}/agreement", {"seeking": "x", "version": "1", "meeting_minutes": "60"}),
        (f"/pairings/{p}/agreement/sign", {"version": "1"}),
        (f"/pairings/{p}/goals", {"title": "x", "visibility": "shared"}),
        (f"/pairings/{p}/schedule", {"day": "2090-01-01", "start_time": "10:00", "minutes": "60"}),
        (f"/pairings/{p}/schedule/{w.meeting.id}/accept", {}),
        (f"/pairings/{p}/schedule/{w.meeting.id}/cancel", {}),
    ]
    for url, data in posts:
        assert client.post(url, data=data).status_code == 404, url


def test_does_an_ended_pairing_stay_readable_but_closed_to_writes(client, auth):
    w = _world()
    w.pairing.end("moved on")
    db.session.commit()
    auth.login(w.pairing.mentor)
    p = w.pairing.id
    assert client.get(f"/pairings/{p}/agreement").status_code == 200
    assert client.post(f"/pairings/{p}/agreement/sign", data={"version": "1"}).status_code == 403
    # The e-mail address is for an active pairing only.
    assert w.pairing.mentee.email not in client.get(f"/pairings/{p}/partner").text


def test_does_the_admin_overview_show_dates_and_counts_but_no_text(client, auth):
    w = _world()
    auth.login(w.people["admin"])
    response = client.get(f"/admin/programs/{w.pairing.program.slug}/kickoff")
    assert response.status_code == 200
    assert "not signed yet" in response.text
    for secret in (AGREEMENT_TEXT, GOAL_TITLE, PRIVATE_GOAL, RATING_NOTE, PLACE):
        assert secret not in response.text
    auth.logout()
    auth.login(w.pairing.mentor)
    assert client.get(f"/admin/programs/{w.pairing.program.slug}/kickoff").status_code == 404
