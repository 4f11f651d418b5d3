"""Surveys per circle: a survey round reaches circle members about their circle; the
response records the circle; the team sees circle results only as programme totals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import utcnow
from portal.models.circles import CircleStatus
from portal.models.guide import SurveyCircleAnswer, SurveyResponse
from portal.models.programs import ProgramFormat
from tests.conftest import hx_headers, open_session
from tests.factories import (
    leave_circle,
    make_admin,
    make_circle,
    make_lead,
    make_program,
    make_user,
)

ANSWERS = {"satisfaction": "4", "recommend": "9", "progress": "3", "comment": ""}


@pytest.fixture
def program():
    today = date.today()
    return make_program(
        format=ProgramFormat.circles,
        starts_on=today - timedelta(days=100),
        ends_on=today + timedelta(days=100),
    )


@pytest.fixture
def circle(program):
    # Opened days ago, so that it is open at any hour the invitation test picks today.
    return make_circle(
        program, theme="Leading through change", approved_at=utcnow() - timedelta(days=2)
    )


def test_does_a_member_answer_about_their_circle_and_the_response_record_it(
    client, program, circle
):
    member = circle.current_stints[0].user
    open_session(client, member)
    url = f"/surveys/{program.slug}/midpoint"
    page = client.get(url).get_data(as_text=True)
    assert "How useful is your circle “Leading through change” for you?" in page
    assert "never for your circle alone" in page
    response = client.post(url, data={**ANSWERS, "circle_usefulness": "2"})
    assert response.status_code == 303
    row = db.session.scalar(select(SurveyResponse).where(SurveyResponse.user_id == member.id))
    answer = db.session.get(SurveyCircleAnswer, row.id)
    assert (answer.circle_id, answer.usefulness) == (circle.id, 2)


def test_does_the_facilitator_answer_about_their_circle_too(client, program, circle):
    open_session(client, circle.facilitator)
    url = f"/surveys/{program.slug}/midpoint"
    assert client.post(url, data={**ANSWERS, "circle_usefulness": "5"}).status_code == 303
    (answer,) = db.session.scalars(select(SurveyCircleAnswer)).all()
    assert answer.circle_id == circle.id


@pytest.mark.parametrize("value", ["", "0", "6", "abc"])
def test_is_a_missing_or_bad_circle_answer_refused_next_to_its_field(
    client, program, circle, value
):
    member = circle.current_stints[0].user
    open_session(client, member)
    url = f"/surveys/{program.slug}/midpoint"
    data = {**ANSWERS, "comment": "Kept text", "circle_usefulness": value}
    for headers in ({}, hx_headers("survey-form")):
        response = client.post(url, data=data, headers=headers)
        assert response.status_code == 422
        text = response.get_data(as_text=True)
        assert 'id="circle_usefulness-error"' in text and "Kept text" in text
    assert db.session.scalars(select(SurveyResponse)).all() == []
    assert db.session.scalars(select(SurveyCircleAnswer)).all() == []


@pytest.mark.parametrize("how", ["left", "proposed", "not in a circle"])
def test_does_someone_not_in_a_circle_answer_without_the_circle_question(client, program, how):
    person = make_user()
    if how == "left":
        circle = make_circle(program, members=[person, make_user(), make_user()])
        leave_circle(circle, person)
    elif how == "proposed":
        make_circle(
            program,
            members=[person, make_user(), make_user()],
            status=CircleStatus.proposed,
            approved_at=None,
        )
    else:
        from portal.models import Role
        from tests.factories import make_membership

        make_membership(user=person, program=program, role=Role.mentee)
    open_session(client, person)
    url = f"/surveys/{program.slug}/midpoint"
    assert "How useful is your circle" not in client.get(url).get_data(as_text=True)
    assert client.post(url, data=ANSWERS).status_code == 303
    assert db.session.scalars(select(SurveyCircleAnswer)).all() == []


def test_does_the_circle_page_offer_the_open_round_until_answered(client, program, circle):
    member = circle.current_stints[0].user
    open_session(client, member)
    page = client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert 'id="circle-survey"' in page
    assert f"/surveys/{program.slug}/midpoint" in page
    client.post(f"/surveys/{program.slug}/midpoint", data={**ANSWERS, "circle_usefulness": "4"})
    page = client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert 'id="circle-survey"' not in page


def test_is_no_round_offered_when_none_is_open(client, circle):
    closed = make_program(format=ProgramFormat.circles)  # started 30 days ago: no round open
    other = make_circle(closed)
    open_session(client, other.facilitator)
    assert 'id="circle-survey"' not in client.get(f"/circles/{other.id}").get_data(as_text=True)


def test_does_the_team_never_see_one_circles_answers(client, auth, program, circle):
    for stint in circle.current_stints:
        open_session(client, stint.user)
        client.post(
            f"/surveys/{program.slug}/midpoint",
            data={**ANSWERS, "circle_usefulness": "1", "comment": "Circle-comment-4471"},
        )
    auth.logout()
    for person in (make_admin(), make_lead(program)):
        auth.login(person)
        for url in (
            f"/admin/programs/{program.slug}/circles",
            f"/admin/programs/{program.slug}/analytics",
            f"/admin/programs/{program.slug}/analytics/circle_surveys.csv",
        ):
            text = client.get(url).get_data(as_text=True)
            assert "Circle-comment-4471" not in text
        csv_text = client.get(
            f"/admin/programs/{program.slug}/analytics/circle_surveys.csv"
        ).get_data(as_text=True)
        # Three people answered: "fewer than 5", with no mean that describes them.
        assert "fewer than 5" in csv_text and "1.0" not in csv_text
        auth.logout()
    # The round's comments stay where the existing rule puts them: admins, from five answers.
    auth.login(make_admin())
    assert (
        client.get(f"/admin/programs/{program.slug}/surveys/midpoint/comments").status_code == 404
    )


def test_does_the_round_invite_a_circles_only_programmes_members(app, program, circle):
    from datetime import datetime, time

    from portal.services.reminders.due import due_messages

    start, _ = app.config["GUIDE_MORNING_HOURS"]
    # Every person here is in UTC by default: their morning is the configured hour.
    now = datetime.combine(date.today(), time(start, 30))
    invited = {m.recipient.id for m in due_messages(now) if m.kind == "survey"}
    people = {circle.facilitator_id} | {s.user_id for s in circle.current_stints}
    assert people <= invited


def test_do_the_new_pages_have_unique_ids_and_no_bare_hx(client, auth, program, circle):
    import re
    from collections import Counter

    member = circle.current_stints[0].user
    pages = []
    open_session(client, member)
    pages += [client.get(f"/circles/{circle.id}"), client.get(f"/surveys/{program.slug}/midpoint")]
    auth.logout()
    auth.login(make_lead(program))
    pages += [
        client.get(f"/admin/programs/{program.slug}/circles"),
        client.get(f"/admin/programs/{program.slug}/analytics"),
        client.get("/dashboard/"),
    ]
    for response in pages:
        assert response.status_code == 200
        ids = Counter(re.findall(r'\sid="([^"]+)"', response.text))
        assert [i for i, n in ids.items() if n > 1] == []
        assert not re.search(r"(?<!data-)hx-[a-z-]+=", response.text)
    assert 'id="circle-survey"' in pages[0].text and 'id="circle-states"' in pages[2].text
