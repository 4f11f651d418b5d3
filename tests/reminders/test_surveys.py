"""Pulse surveys and meeting ratings: who answers, what is checked, what the team sees."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models.guide import MeetingRating, SurveyResponse, SurveyRound
from portal.services import surveys
from portal.services.reminders import settings
from tests.conftest import hx_headers, open_session
from tests.factories import (
    make_meeting,
    make_pairing,
    make_program,
    make_survey_response,
    make_user,
)

ANSWERS = {"satisfaction": "4", "recommend": "9", "progress": "3", "comment": "More socials."}


def _midpoint_program():
    today = date.today()
    return make_program(starts_on=today - timedelta(days=100), ends_on=today + timedelta(days=100))


def test_can_a_participant_answer_the_open_midpoint_survey_once(client):
    pairing = make_pairing(program=_midpoint_program())
    open_session(client, pairing.mentee)
    url = f"/surveys/{pairing.program.slug}/midpoint"
    page = client.get(url)
    assert page.status_code == 200
    assert "The programme team will read this answer" in page.text
    assert client.post(url, data=ANSWERS).status_code == 303
    again = client.post(url, data={**ANSWERS, "satisfaction": "1"})
    assert again.status_code == 200 and "You answered on" in again.text
    [row] = db.session.scalars(select(SurveyResponse)).all()
    assert (row.satisfaction, row.recommend, row.progress, row.round) == (
        4,
        9,
        3,
        SurveyRound.midpoint,
    )
    assert row.questions["recommend"] == settings.DEFAULT_QUESTIONS["recommend"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("satisfaction", "6"),
        ("satisfaction", "0"),
        ("recommend", "11"),
        ("recommend", "-1"),
        ("progress", "abc"),
        ("satisfaction", ""),
        ("comment", "x" * 2001),
        ("progress", "9" * 5000),
    ],
)
def test_is_bad_input_refused_next_to_its_field_keeping_the_text(client, field, value):
    pairing = make_pairing(program=_midpoint_program())
    open_session(client, pairing.mentee)
    url = f"/surveys/{pairing.program.slug}/midpoint"
    data = {**ANSWERS, field: value}
    response = client.post(url, data=data, headers=hx_headers("survey-form"))
    assert response.status_code == 422
    assert 'id="survey-form"' in response.text and "<html" not in response.text
    assert "field--invalid" in response.text
    if field != "comment":
        assert "More socials." in response.text
    assert db.session.scalars(select(SurveyResponse)).all() == []


def test_is_a_survey_refused_outside_its_window(client):
    today = date.today()
    program = make_program(
        starts_on=today - timedelta(days=10), ends_on=today + timedelta(days=300)
    )
    pairing = make_pairing(program=program)
    open_session(client, pairing.mentee)
    url = f"/surveys/{program.slug}/midpoint"
    assert "not open yet" in client.get(url).text
    assert client.post(url, data=ANSWERS).status_code == 422
    assert db.session.scalars(select(SurveyResponse)).all() == []


@pytest.mark.parametrize("path", ["/surveys/{slug}/midpoint", "/surveys/{slug}/nonsense"])
def test_does_a_non_participant_get_a_404(client, path):
    pairing = make_pairing(program=_midpoint_program())
    open_session(client, make_user())
    assert client.get(path.format(slug=pairing.program.slug)).status_code == 404
    open_session(client, pairing.mentee)
    expected = 200 if "midpoint" in path else 404
    assert client.get(path.format(slug=pairing.program.slug)).status_code == expected


def test_are_fewer_than_five_answers_suppressed_and_nps_computed():
    program = _midpoint_program()
    people = [make_user() for _ in range(5)]
    for person, recommend in zip(people[:4], (10, 9, 5, 8), strict=True):
        make_survey_response(program, person, recommend=recommend)
    small = surveys.summary(program, SurveyRound.midpoint)
    assert small.suppressed and small.nps is None and small.satisfaction is None
    make_survey_response(program, people[4], recommend=3, satisfaction=2)
    full = surveys.summary(program, SurveyRound.midpoint)
    # promoters 2 (10, 9), detractors 2 (5, 3) of 5: NPS 0
    assert (full.answered, full.nps, full.satisfaction) == (5, 0, 3.6)


def test_can_each_partner_rate_a_logged_meeting_once(client):
    pairing = make_pairing()
    meeting = make_meeting(pairing)
    url = f"/pairings/{pairing.id}/meetings/{meeting.id}/rating"
    open_session(client, pairing.mentee)
    assert client.post(url, data={"rating": "4"}).status_code == 303
    assert client.post(url, data={"rating": "5"}).status_code == 303
    assert client.post(url, data={"rating": "7"}).status_code == 422
    open_session(client, pairing.mentor)
    assert client.post(url, data={"rating": "2"}).status_code == 303
    ratings = {r.user_id: r.rating for r in db.session.scalars(select(MeetingRating))}
    assert ratings == {pairing.mentee_id: 5, pairing.mentor_id: 2}


def test_is_rating_another_pairs_meeting_a_404(client):
    pairing, other = make_pairing(), make_pairing()
    meeting = make_meeting(other)
    open_session(client, pairing.mentee)
    for url in (
        f"/pairings/{other.id}/meetings/{meeting.id}/rating",
        f"/pairings/{pairing.id}/meetings/{meeting.id}/rating",
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, data={"rating": "3"}).status_code == 404


def test_can_admins_edit_questions_only_while_no_round_is_open(client):
    from tests.factories import make_admin

    today = date.today()
    program = make_program(
        starts_on=today - timedelta(days=10), ends_on=today + timedelta(days=300)
    )
    admin = make_admin()
    open_session(client, admin)
    url = f"/admin/programs/{program.slug}/guide"
    page = client.get(url)
    assert page.status_code == 200 and settings.DEFAULT_QUESTIONS["recommend"] in page.text
    form = {f"on_{k}": "y" for k in settings.KINDS}
    form.update({f"days_{k}": "10" for k, kind in settings.KINDS.items() if kind.days})
    form.update({f"q_{k}": v for k, v in settings.DEFAULT_QUESTIONS.items()})
    form["q_satisfaction"] = "How is it going?"
    assert client.post(url, data=form).status_code == 303
    assert settings.questions(program)["satisfaction"] == "How is it going?"
    assert settings.nudges(program)["meeting_overdue"].days == 10
    # Once the midpoint round is open, a reworded question is refused next to it.
    program.starts_on = today - timedelta(days=150)
    program.ends_on = today + timedelta(days=150)
    db.session.commit()
    form["q_satisfaction"] = "Reworded"
    refused = client.post(url, data=form)
    assert refused.status_code == 422 and "A survey round is open" in refused.text
    assert "Reworded" in refused.text
    assert settings.questions(program)["satisfaction"] == "How is it going?"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("days_meeting_overdue", "0"),
        ("days_no_first_meeting", "x"),
        ("q_comment", ""),
        ("days_quiet_practice", "9" * 400),
    ],
)
def test_are_bad_settings_refused_next_to_their_field(client, field, value):
    from tests.factories import make_admin

    program = make_program()
    open_session(client, make_admin())
    form = {f"days_{k}": "7" for k, kind in settings.KINDS.items() if kind.days}
    form.update({f"q_{k}": v for k, v in settings.DEFAULT_QUESTIONS.items()})
    form[field] = value
    response = client.post(f"/admin/programs/{program.slug}/guide", data=form)
    assert response.status_code == 422 and "field--invalid" in response.text


def test_can_an_admin_preview_every_message(client):
    from tests.factories import make_admin

    program = make_program()
    open_session(client, make_admin())
    for kind in settings.KINDS:
        page = client.get(f"/admin/programs/{program.slug}/guide/preview/{kind}")
        assert page.status_code == 200 and "Alex" in page.text, kind
    assert client.get(f"/admin/programs/{program.slug}/guide/preview/nope").status_code == 404
    open_session(client, make_user())
    assert client.get(f"/admin/programs/{program.slug}/guide").status_code == 404


def test_does_the_team_read_comments_only_without_names_and_from_five_answers(client):
    from tests.factories import make_admin

    program = _midpoint_program()
    url = f"/admin/programs/{program.slug}/surveys/midpoint/comments"
    people = [make_user(name=f"Answerer {i}") for i in range(5)]
    comments = ["zebra talk", "", "Apples", "more socials"]
    for person, comment in zip(people[:4], comments, strict=True):
        make_survey_response(program, person, comment=comment)
    admin = make_admin()
    open_session(client, admin)
    assert client.get(url).status_code == 404  # four answers: a comment could be traced
    settings_page = client.get(f"/admin/programs/{program.slug}/guide").text
    assert url not in settings_page
    make_survey_response(program, people[4], comment="Bananas")
    page = client.get(url)
    assert page.status_code == 200
    listed = page.text[page.text.index('id="survey-comments"') :]
    order = [listed.index(text) for text in ("Apples", "Bananas", "more socials", "zebra talk")]
    assert order == sorted(order)  # alphabetical, not in the order people answered
    assert not any(person.name in page.text for person in people)
    assert url in client.get(f"/admin/programs/{program.slug}/guide").text
    assert client.get(url.replace("midpoint", "sideways")).status_code == 404


def test_is_the_comment_page_hidden_from_participants(client):
    program = _midpoint_program()
    people = [make_user() for _ in range(5)]
    for person in people:
        make_survey_response(program, person, comment="Honest words")
    open_session(client, people[0])
    assert (
        client.get(f"/admin/programs/{program.slug}/surveys/midpoint/comments").status_code == 404
    )
