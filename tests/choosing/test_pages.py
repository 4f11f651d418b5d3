"""Can a mentee browse, see why, and ask; can the mentor answer; does no input answer 500?"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Role
from portal.models.choosing import ChoosingSettings, MatchingMode, MentorRequest
from tests.conftest import hx_headers
from tests.factories import make_lead, make_participant, make_program, make_user


@pytest.fixture
def world():
    program = make_program()
    db.session.add(ChoosingSettings(program_id=program.id, mode=MatchingMode.self_service))
    db.session.commit()
    mentee = make_participant(program, Role.mentee)
    mentor = make_participant(program, Role.mentor)
    return program, mentee.user, mentor.user


def test_a_mentee_sees_mentors_with_the_reasons(client, auth, world):
    program, mentee, mentor = world
    auth.login(mentee)
    page = client.get(f"/choose/{program.slug}/").get_data(as_text=True)
    assert mentor.name in page and "Why suggested" in page and "Goals meet strengths" in page
    fragment = client.get(f"/choose/{program.slug}/", headers=hx_headers("mentor-list"))
    assert fragment.get_data(as_text=True).lstrip().startswith('<section id="mentor-list"')
    assert "HX-Request" in fragment.headers["Vary"]


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=99999999999",
        "format=<script>",
        "within_hours=99",
        "q=%00x",
        "skill=" + "x" * 500,
    ],
)
def test_odd_query_strings_never_answer_500(client, auth, world, query):
    program, mentee, _ = world
    auth.login(mentee)
    # (the app refuses a NUL anywhere with 400 before any view runs: request_guards)
    assert client.get(f"/choose/{program.slug}/?{query}").status_code in (200, 400)


def test_discovery_is_404_for_mentors_leads_strangers_and_admin_matched_programmes(
    client, auth, world
):
    program, _, mentor = world
    for viewer in (mentor, make_lead(program), make_user()):
        auth.login(viewer)
        assert client.get(f"/choose/{program.slug}/").status_code == 404
        auth.logout()
    admin_matched = make_program()
    auth.login(make_participant(admin_matched, Role.mentee).user)
    assert client.get(f"/choose/{admin_matched.slug}/").status_code == 404


def test_ask_then_the_mentor_accepts_from_the_request_page(client, auth, world):
    program, mentee, mentor = world
    auth.login(mentee)
    sent = client.post(
        f"/choose/{program.slug}/mentors/{mentor.id}/request", data={"note": "hi-note-8812"}
    )
    assert sent.status_code == 303
    request_id = db.session.scalar(select(MentorRequest.id))
    auth.logout()
    auth.login(mentor)
    assert "hi-note-8812" in client.get(f"/choose/requests/{request_id}").get_data(as_text=True)
    assert client.post(f"/choose/requests/{request_id}/accept").status_code == 303
    auth.logout()
    auth.login(make_user())
    assert client.get(f"/choose/requests/{request_id}").status_code == 404  # a stranger


def test_a_mentee_with_a_waiting_request_still_browses_and_sees_it_marked(client, auth, world):
    program, mentee, mentor = world
    auth.login(mentee)
    client.post(f"/choose/{program.slug}/mentors/{mentor.id}/request", data={"note": "hi"})
    page = client.get(f"/choose/{program.slug}/")
    assert page.status_code == 200 and "Requested" in page.text
