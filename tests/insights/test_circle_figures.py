"""The circle figures on the analytics page: the circle funnel, circle engagement and surveys
from people in circles; only for programmes with circles, over all their circles, suppressed
below five people, never per circle."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, timedelta

import pytest

from portal.extensions import db
from portal.models import utcnow
from portal.models.circles import CircleAttendance, CircleMeeting, CircleReflection
from portal.models.guide import SurveyCircleAnswer, SurveyRound
from portal.models.programs import ProgramFormat
from portal.services.insights import circles as figures
from portal.services.insights.suppression import SUPPRESSED
from tests.conftest import hx_headers
from tests.factories import (
    make_admin,
    make_check_in,
    make_circle,
    make_entry,
    make_lead,
    make_practice,
    make_program,
    make_survey_response,
    make_user,
    share_with_circle,
)

KEYS = ("circle_funnel", "circle_engagement", "circle_surveys")


@pytest.fixture
def program():
    return make_program(format=ProgramFormat.circles, starts_on=date.today() - timedelta(days=60))


def meet(circle, came, days_ago: int = 3) -> None:
    meeting = CircleMeeting(
        circle_id=circle.id,
        uid=f"{uuid.uuid4()}@test",
        starts_at=utcnow() - timedelta(days=days_ago),
    )
    db.session.add(meeting)
    db.session.flush()
    for person in came:
        db.session.add(CircleAttendance(meeting_id=meeting.id, user_id=person.id, attended=True))
    db.session.commit()


def circle_of(program, n: int):
    people = [make_user() for _ in range(n)]
    return make_circle(program, members=people, approved_at=utcnow() - timedelta(days=20)), people


def csv_rows(client, program, key: str) -> list[list[str]]:
    response = client.get(f"/admin/programs/{program.slug}/analytics/{key}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_does_the_funnel_follow_members_from_placement_to_reflection(program):
    first, people = circle_of(program, 4)
    second, others = circle_of(program, 4)
    meet(first, people)  # 4 attended
    meet(second, others[:1])  # 1 more
    for person in people:  # 4 share
        share_with_circle(make_entry(author=person, audience=[]), first)
    db.session.add(CircleReflection(circle_id=first.id, user_id=people[0].id, text="x"))
    db.session.add(CircleReflection(circle_id=first.id, user_id=people[1].id, text=""))
    db.session.commit()
    steps = figures.funnel([program])
    assert list(steps.values()) == [8, 8, 5, 4, 1]
    figure = figures.funnel_figure(steps)
    assert figure.rows[0] == ["Placed in a circle", 8, "–", "100%"]
    assert figure.rows[2] == ["Attended a first meeting", 5, "62%", "62%"]
    # 4 people shared and 1 reflected: "fewer than 5", with no rate that gives them back.
    assert figure.rows[3] == ["Shared with the circle", SUPPRESSED, "–", "–"]
    assert figure.rows[4] == ["Wrote a closing reflection", SUPPRESSED, "–", "–"]


def test_is_a_funnel_of_four_people_suppressed_and_of_five_shown(program):
    circle_of(program, 4)
    assert figures.funnel_figure(figures.funnel([program])).rows[0][1] == SUPPRESSED
    circle_of(program, 1)
    assert figures.funnel_figure(figures.funnel([program])).rows[0][1] == 5


def test_is_engagement_counted_by_week_and_suppressed_below_five(program):
    circle, people = circle_of(program, 5)
    meet(circle, people[:4], days_ago=1)
    weeks = figures.engagement([program], (program.starts_on, date.today()))
    assert sum(w.meetings for w in weeks) == 1
    assert weeks[-1].members == 5 and weeks[-1].active == 4
    row = figures.engagement_figure(weeks).rows[-1]
    assert row[1:] == [SUPPRESSED, SUPPRESSED, 5, SUPPRESSED]
    make_check_in(make_practice(owner=people[4], audience=[]), day=date.today())
    weeks = figures.engagement([program], (program.starts_on, date.today()))
    assert weeks[-1].active == 5
    assert figures.engagement_figure(weeks).rows[-1][1:] == [1, 5, 5, "100%"]


def answer(program, circle, person, usefulness: int, **values) -> None:
    response = make_survey_response(program, person, **values)
    db.session.add(
        SurveyCircleAnswer(response_id=response.id, circle_id=circle.id, usefulness=usefulness)
    )
    db.session.commit()


def test_are_circle_survey_results_shown_from_five_people_only(program):
    first, people = circle_of(program, 3)
    second, others = circle_of(program, 3)
    for person in people:
        answer(program, first, person, 5)
    answer(program, second, others[0], 1)
    make_survey_response(program, make_user())  # not in a circle: not counted here
    (row,) = figures.surveys_figure([program]).rows
    assert row == ["Midpoint survey", SUPPRESSED] + [SUPPRESSED] * 4
    answer(program, second, others[1], 2, recommend=3)
    (row,) = figures.surveys_figure([program]).rows
    # Over both circles: (5+5+5+1+2)/5 = 3.6; NPS (4 promoters - 1 detractor) / 5 = 60.
    assert row == ["Midpoint survey", 5, 4.0, 60, 4.0, 3.6]


def test_do_lead_and_admin_read_the_figures_and_everyone_else_gets_404(client, auth, program):
    circle_of(program, 5)
    page_url = f"/admin/programs/{program.slug}/analytics"
    for person, status in (
        (make_lead(program), 200),
        (make_admin(), 200),
        (make_lead(make_program(format=ProgramFormat.circles)), 404),
        (make_user(), 404),
    ):
        auth.login(person)
        assert client.get(page_url).status_code == status
        for key in KEYS:
            assert client.get(f"{page_url}/{key}.csv").status_code == status, key
            assert client.get(f"{page_url}/{key}.svg").status_code == status, key
        auth.logout()


def test_does_the_page_show_the_circle_figures_and_circles_at_risk(client, auth, program):
    circle_of(program, 5)
    auth.login(make_lead(program))
    page = client.get(f"/admin/programs/{program.slug}/analytics").get_data(as_text=True)
    for key in KEYS:
        assert f'id="figure-{key}"' in page
    assert 'id="circles-at-risk"' in page
    assert csv_rows(client, program, "circle_funnel")[1] == ["Placed in a circle", "5", "–", "100%"]
    fragment = client.get(
        f"/admin/programs/{program.slug}/analytics", headers=hx_headers("figure-circle_funnel")
    )
    assert fragment.status_code == 200


def test_has_a_programme_without_circles_no_circle_figures(client, auth):
    program = make_program()
    auth.login(make_admin())
    page = client.get(f"/admin/programs/{program.slug}/analytics").get_data(as_text=True)
    assert "figure-circle_funnel" not in page and "circles at risk" not in page
    for key in KEYS:
        assert client.get(f"/admin/programs/{program.slug}/analytics/{key}.csv").status_code == 404


def test_does_no_circle_figure_name_a_circle_or_a_person(client, auth, program):
    circle, people = circle_of(program, 5)
    circle.theme = "Theme-marker-8812"
    for person in people:
        person.name = f"Name-marker-{person.id}"
        answer(program, circle, person, 4, comment="Comment-marker-5521")
    meet(circle, people)
    db.session.commit()
    auth.login(make_admin())
    texts = [client.get(f"/admin/programs/{program.slug}/analytics").get_data(as_text=True)]
    texts += [
        client.get(f"/admin/programs/{program.slug}/analytics/{key}.csv").get_data(as_text=True)
        for key in KEYS
    ]
    texts.append(client.get("/admin/analytics").get_data(as_text=True))
    for text in texts:
        assert "Theme-marker" not in text and "Name-marker" not in text
        assert "Comment-marker" not in text
    # One row per round, never one per circle.
    assert len(csv_rows(client, program, "circle_surveys")) == 2
    assert SurveyRound.midpoint.label in texts[0]
