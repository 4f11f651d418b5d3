"""Goals: what, why, how we will know; a dated progress history; practices; the prep page."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models.journal import Visibility
from portal.models.kickoff import Goal, GoalPractice, GoalProgress, GoalRating
from portal.services.pairings.goals import goals_since
from tests.conftest import hx_headers
from tests.factories import make_check_in, make_goal, make_meeting, make_pairing, make_practice


def test_does_a_mentee_add_goals_that_the_mentor_sees(client, auth):
    pairing = make_pairing()
    auth.login(pairing.mentee)
    for title in ("Run planning on my own", "Give feedback that lands"):
        response = client.post(
            f"/pairings/{pairing.id}/goals",
            data={"title": title, "why": "Because.", "measure": "Seen.", "visibility": "shared"},
            headers=hx_headers("goals"),
        )
        assert response.status_code == 200 and title in response.text
    goals = db.session.scalars(select(Goal)).all()
    assert len(goals) == 2 and all(g.owner_id == pairing.mentee_id for g in goals)
    # Each goal starts its history: not started, today.
    assert db.session.scalar(select(func.count(GoalRating.id))) == 2
    auth.logout()
    auth.login(pairing.mentor)
    page = client.get(f"/pairings/{pairing.id}/goals").text
    assert "Run planning on my own" in page and "Give feedback that lands" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": ""}, "Write the goal in a few words."),
        ({"title": "   "}, "Write the goal in a few words."),
        ({"title": "x" * 201}, "under 200 characters"),
        ({"title": "Fine", "why": "y" * 2001}, "under 2,000 characters"),
        ({"title": "Fine", "visibility": "everyone"}, "Not a valid choice"),
    ],
)
def test_is_bad_goal_input_refused_with_the_text_kept(client, auth, data, message):
    pairing = make_pairing()
    auth.login(pairing.mentee)
    values = {"visibility": "shared", "measure": "KEEP-THIS-MEASURE", **data}
    response = client.post(f"/pairings/{pairing.id}/goals", data=values)
    assert response.status_code == 422
    assert message in response.text and "KEEP-THIS-MEASURE" in response.text
    assert db.session.scalars(select(Goal)).all() == []


def test_is_the_number_of_goals_kept_small(client, auth):
    pairing = make_pairing()
    for _ in range(8):
        make_goal(pairing)
    auth.login(pairing.mentee)
    response = client.post(
        f"/pairings/{pairing.id}/goals", data={"title": "Ninth", "visibility": "shared"}
    )
    assert response.status_code == 422 and "8 goals or fewer" in response.text


def test_does_rating_a_goal_keep_a_dated_history(client, auth):
    pairing = make_pairing()
    goal = make_goal(pairing)
    earlier = db.session.scalars(select(GoalRating)).one()
    earlier.rated_on = date.today() - timedelta(days=60)
    db.session.commit()
    auth.login(pairing.mentee)
    url = f"/pairings/{pairing.id}/goals/{goal.id}/rate"
    response = client.post(
        url,
        data={"progress": "halfway", "note": "Ran one on my own."},
        headers=hx_headers("goal-progress"),
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="goal-progress"')
    assert "Ran one on my own." in response.text and "<polyline" in response.text
    assert client.post(url, data={"progress": "finished!"}).status_code == 422
    history = db.session.scalars(select(GoalRating).order_by(GoalRating.rated_on)).all()
    assert [r.progress for r in history] == [GoalProgress.not_started, GoalProgress.halfway]
    db.session.refresh(goal)
    assert goal.progress is GoalProgress.halfway


def test_are_two_ratings_of_one_day_both_kept_and_shown_apart_in_order(client, auth):
    pairing = make_pairing()
    goal = make_goal(pairing)  # rated "not started" today when it was added
    auth.login(pairing.mentee)
    url = f"/pairings/{pairing.id}/goals/{goal.id}/rate"
    client.post(url, data={"progress": "started", "note": "Morning"})
    page = client.post(
        url, data={"progress": "halfway", "note": "Evening"}, headers=hx_headers("goal-progress")
    ).text
    history = db.session.scalars(select(GoalRating).order_by(GoalRating.id)).all()
    assert [r.progress for r in history] == [
        GoalProgress.not_started,
        GoalProgress.started,
        GoalProgress.halfway,
    ]
    assert {r.rated_on for r in history} == {date.today()}
    db.session.refresh(goal)
    assert goal.progress is GoalProgress.halfway  # the latest of the day stands
    # Three points, at three different places left to right, not stacked on one line.
    xs = [float(c.split('"')[1]) for c in page.split("<circle cx=")[1:]]
    assert len(xs) == 3 and xs == sorted(xs) and len(set(xs)) == 3
    # The list shows both of today's ratings, the latest first.
    assert page.index("Evening") < page.index("Morning")


@pytest.mark.pure
def test_does_the_progress_line_keep_its_points_apart_and_inside_the_chart():
    from portal.services.pairings.goals import MIN_GAP, progress_points

    day = date(2026, 3, 1)
    ratings = [
        GoalRating(progress=GoalProgress.started, rated_on=day + timedelta(days=d))
        for d in (0, 0, 0, 1, 200, 200)
    ]
    xs = [x for x, _, _ in progress_points(ratings)]
    assert xs == sorted(xs) and xs[0] >= 30 and xs[-1] <= 550
    assert all(b - a >= MIN_GAP * 0.9 for a, b in zip(xs, xs[1:], strict=False))


def test_can_the_mentor_keep_a_private_goal_the_mentee_never_sees(client, auth):
    pairing = make_pairing()
    auth.login(pairing.mentor)
    client.post(
        f"/pairings/{pairing.id}/goals",
        data={"title": "MENTOR-PRIVATE-GOAL", "visibility": "private"},
    )
    goal = db.session.scalars(select(Goal)).one()
    assert goal.owner_id == pairing.mentor_id and goal.visibility is Visibility.private
    auth.logout()
    auth.login(pairing.mentee)
    assert "MENTOR-PRIVATE-GOAL" not in client.get(f"/pairings/{pairing.id}/goals").text
    assert client.get(f"/pairings/{pairing.id}/goals/{goal.id}").status_code == 404
    assert "MENTOR-PRIVATE-GOAL" not in client.get(f"/pairings/{pairing.id}/prep").text
    assert "MENTOR-PRIVATE-GOAL" not in client.get("/dashboard/").text


def test_does_a_goal_page_show_its_practices_and_their_check_ins(client, auth):
    pairing = make_pairing()
    goal = make_goal(pairing)
    practice = make_practice(owner=pairing.mentee, title="Listen first")
    make_check_in(practice, note="Waited until Sam finished.")
    hidden = make_practice(
        owner=pairing.mentee, title="HIDDEN-PRACTICE", visibility=Visibility.private
    )
    auth.login(pairing.mentee)
    base = f"/pairings/{pairing.id}/goals/{goal.id}"
    for p in (practice, hidden):
        assert client.post(f"{base}/practices", data={"practice_id": str(p.id)}).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(GoalPractice)) == 2
    # Someone else's practice cannot be linked.
    other = make_practice()
    response = client.post(f"{base}/practices", data={"practice_id": str(other.id)})
    assert response.status_code == 422 and "one of your own practices" in response.text
    auth.logout()
    auth.login(pairing.mentor)
    page = client.get(base).text
    assert "Listen first" in page and "Waited until Sam finished." in page
    assert "HIDDEN-PRACTICE" not in page


def test_does_the_prep_page_show_each_goals_progress_since_the_last_meeting(client, auth):
    pairing = make_pairing()
    make_meeting(pairing, held_on=date.today() - timedelta(days=10))
    moved = make_goal(pairing, title="Moved goal")
    still = make_goal(pairing, title="Still goal")
    for goal in (moved, still):
        first = goal.ratings[0]
        first.rated_on = date.today() - timedelta(days=30)
    db.session.add(
        GoalRating(goal_id=moved.id, progress=GoalProgress.halfway, rated_on=date.today())
    )
    moved.progress = GoalProgress.halfway
    make_goal(pairing, title="PRIVATE-PREP-GOAL", visibility=Visibility.private)
    db.session.commit()
    items = {
        g.goal.title: g
        for g in goals_since(pairing.mentee, pairing, date.today() - timedelta(days=10))
    }
    assert set(items) == {"Moved goal", "Still goal"}
    assert items["Moved goal"].then is GoalProgress.not_started and items["Moved goal"].moved == 2
    assert items["Still goal"].moved == 0
    auth.login(pairing.mentor)
    page = client.get(f"/pairings/{pairing.id}/prep").text
    assert "Not started → <strong>Halfway</strong> since the last meeting" in page
    assert "Still <strong>Not started</strong>" in page
    assert "PRIVATE-PREP-GOAL" not in page
