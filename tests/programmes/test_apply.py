"""Can people find a programme and apply, and what happens with a bad application?"""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Membership, MembershipStatus, ProgramStatus
from portal.models.enrollment import ProgramQuestion
from tests.factories import make_program, make_user

GOOD_MENTEE = {
    "role": "mentee",
    "department": "Sales",
    "seniority": "2",
    "location": "Berlin",
    "timezone": "Europe/Berlin",
    "format": "remote",
    "values": ["growth", "calm"],
    "goals": "lead my first team, speak up",
    "develop": "negotiation",
    "style_directness": "direct",
    "style_structure": "structured",
    "style_pace": "reflective",
    "avoid": "boss@example.org",
    "manager": "Boss@Example.org",
}


@pytest.fixture
def open_program(app):
    return make_program(
        slug="spring",
        status=ProgramStatus.enrolling,
        enrollment_opens_on=date.today() - timedelta(days=1),
        enrollment_closes_on=date.today() + timedelta(days=10),
    )


def test_anyone_can_read_an_open_programme_page(client, open_program):
    page = client.get("/programs/spring")
    assert page.status_code == 200
    assert "Sign in to apply" in page.text
    assert "/auth/login?next=/programs/spring/apply" in page.text


def test_draft_programmes_are_hidden_from_non_admins(client, app):
    make_program(slug="secret", status=ProgramStatus.draft)
    assert client.get("/programs/secret").status_code == 404
    assert "secret" not in client.get("/programs/").text


def test_anonymous_applicant_is_sent_to_sign_in_and_back(client, open_program):
    response = client.get("/programs/spring/apply")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]
    assert response.headers["Location"].endswith("next=/programs/spring/apply")


def test_a_mentee_applies_and_answers_land_in_the_profile(client, auth, open_program):
    user = make_user()
    auth.login(user)
    response = client.post("/programs/spring/apply", data=GOOD_MENTEE)
    assert response.status_code == 303
    membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
    assert membership.status is MembershipStatus.applied
    assert membership.profile["goals"] == ["lead my first team", "speak up"]
    assert membership.profile["style"]["pace"] == "reflective"
    assert membership.profile["manager"] == "boss@example.org"
    assert membership.profile["seniority"] == 2
    assert "waiting for review" in client.get("/programs/spring").text
    # A second application to the same programme is not possible.
    again = client.post("/programs/spring/apply", data=GOOD_MENTEE)
    assert again.status_code == 303
    count = db.session.query(Membership).filter_by(user_id=user.id).count()
    assert count == 1


def test_a_mentee_without_goals_gets_an_error_and_keeps_their_text(client, auth, open_program):
    auth.login(make_user())
    data = {**GOOD_MENTEE, "goals": "", "department": "Sales and Partnerships"}
    response = client.post("/programs/spring/apply", data=data)
    assert response.status_code == 422
    assert "Tell your mentor what you are trying to achieve." in response.text
    assert "Sales and Partnerships" in response.text
    assert db.session.query(Membership).count() == 0


def test_a_mentor_needs_strengths_and_a_capacity_from_1_to_5(client, auth, open_program):
    auth.login(make_user())
    data = {**GOOD_MENTEE, "role": "mentor", "strengths": "coaching", "capacity": "9"}
    response = client.post("/programs/spring/apply", data=data)
    assert response.status_code == 422
    assert "Choose from 1 to 5 mentees." in response.text
    data["capacity"] = "3"
    assert client.post("/programs/spring/apply", data=data).status_code == 303
    membership = db.session.scalar(select(Membership))
    assert membership.profile["capacity"] == 3 and membership.profile["strengths"] == ["coaching"]


def test_closed_programme_refuses_applications(client, auth, app):
    make_program(slug="closed", status=ProgramStatus.running)
    auth.login(make_user())
    response = client.post("/programs/closed/apply", data=GOOD_MENTEE)
    assert response.status_code == 303
    assert db.session.query(Membership).count() == 0


def test_admins_own_questions_appear_and_required_ones_must_be_answered(client, auth, open_program):
    question = ProgramQuestion(program_id=open_program.id, label="Why now?", required=True)
    db.session.add(question)
    db.session.commit()
    auth.login(make_user())
    assert "Why now?" in client.get("/programs/spring/apply").text
    response = client.post("/programs/spring/apply", data=GOOD_MENTEE)
    assert response.status_code == 422
    assert "Please answer this question." in response.text
    data = {**GOOD_MENTEE, question.key: "Because I lead a team soon."}
    assert client.post("/programs/spring/apply", data=data).status_code == 303
    membership = db.session.scalar(select(Membership))
    assert membership.profile["answers"] == {question.key: "Because I lead a team soon."}


def test_with_self_selection_a_mentee_ranks_mentors_and_picks_are_saved(client, auth, app):
    from portal.models import Role
    from tests.factories import make_participant

    program = make_program(
        slug="picky", status=ProgramStatus.enrolling, matching={"self_selection": True}
    )
    mentor = make_participant(program, Role.mentor)
    auth.login(make_user())
    form = client.get("/programs/picky/apply").text
    assert "Mentor choice 1" in form and mentor.user.name in form
    data = {**GOOD_MENTEE, "pick_1": str(mentor.user_id)}
    assert client.post("/programs/picky/apply", data=data).status_code == 303
    membership = db.session.scalar(select(Membership).where(Membership.role == "mentee"))
    assert membership.profile["picks"] == [mentor.user_id]
