"""The circle pages: the team's board and a member's circle page, as each person, without JS."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.extensions import db
from portal.models import Role, utcnow
from portal.models.circles import Circle, CircleMember, CircleStatus
from portal.models.programs import ProgramFormat
from tests.conftest import hx_headers
from tests.factories import (
    leave_circle,
    make_admin,
    make_circle,
    make_entry,
    make_lead,
    make_participant,
    make_program,
    make_user,
    mentee_profile,
    share_with_circle,
)


@pytest.fixture
def program():
    return make_program(format=ProgramFormat.circles)


def test_only_the_team_opens_the_circles_board(client, auth, program):
    url = f"/admin/programs/{program.slug}/circles"
    for person, status in (
        (make_lead(program), 200),
        (make_admin(), 200),
        (make_lead(make_program()), 404),
        (make_user(), 404),
    ):
        auth.login(person)
        assert client.get(url).status_code == status
        assert client.get(url, headers=hx_headers("circles-board")).status_code == status
        auth.logout()


def test_the_team_proposes_and_approves_without_javascript(client, auth, program):
    lead = make_lead(program)
    for department in ("Sales", "Legal", "IT", "HR"):
        make_participant(program, Role.mentee, profile=mentee_profile(department=department))
    make_participant(program, Role.mentor)
    auth.login(lead)
    response = client.post(f"/admin/programs/{program.slug}/circles/propose")
    assert response.status_code == 303
    page = client.get(f"/admin/programs/{program.slug}/circles").get_data(as_text=True)
    assert "Proposed" in page and "fit" in page
    circle = db.session.scalar(db.select(Circle).where(Circle.program_id == program.id))
    url = f"/admin/programs/{program.slug}/circles/{circle.id}/approve"
    assert client.post(url, data={"confirm": "yes"}).status_code == 303
    assert circle.status is CircleStatus.active


def test_bad_input_on_the_board_answers_422_or_404_never_500(client, auth, program):
    auth.login(make_lead(program))
    base = f"/admin/programs/{program.slug}/circles"
    circle = make_circle(program, status=CircleStatus.proposed, approved_at=None)
    for data in (
        {"facilitator_id": "x"},
        {"facilitator_id": "99999999999", "member_ids": ["1"], "theme": "T"},
        {"facilitator_id": str(circle.facilitator_id), "member_ids": ["1"], "theme": " "},
    ):
        assert client.post(f"{base}/new", data=data).status_code == 422
    # NUL bytes are refused before any view runs (portal/request_guards.py).
    nul = {"facilitator_id": "1", "member_ids": ["\x00"], "theme": "\x00"}
    assert client.post(f"{base}/new", data=nul).status_code == 400
    for data in ({"stint_id": "abc", "to_circle_id": "1"}, {"stint_id": "2147483648"}):
        assert client.post(f"{base}/{circle.id}/move", data=data).status_code == 422
    assert client.post(f"{base}/{circle.id}/explode").status_code == 404
    assert client.post(f"{base}/99999999/approve").status_code == 422


def test_approve_asks_first_then_offers_undo(client, auth, program):
    lead = make_lead(program)
    circle = make_circle(program, status=CircleStatus.proposed, approved_at=None)
    auth.login(lead)
    url = f"/admin/programs/{program.slug}/circles/{circle.id}/approve"
    asked = client.post(url)
    assert asked.status_code == 200 and "Yes, approve the circle" in asked.get_data(as_text=True)
    assert circle.status is CircleStatus.proposed
    assert client.post(url, data={"confirm": "yes"}).status_code == 303
    board = client.get(f"/admin/programs/{program.slug}/circles").get_data(as_text=True)
    assert "You can still undo" in board


def test_a_member_reads_the_circle_and_an_outsider_gets_404(client, auth, program):
    circle = make_circle(program, approved_at=utcnow() - timedelta(days=3))
    member = circle.stints[0].user
    entry = make_entry(author=circle.stints[1].user, title="Circle story")
    share_with_circle(entry, circle)
    auth.login(member)
    page = client.get(f"/circles/{circle.id}")
    assert page.status_code == 200 and "Circle story" in page.get_data(as_text=True)
    assert client.get(f"/journal/{entry.id}").status_code == 200
    auth.logout()
    for outsider in (make_user(), make_admin(), make_lead(program)):
        auth.login(outsider)
        assert client.get(f"/circles/{circle.id}").status_code == 404
        assert client.get(f"/journal/{entry.id}").status_code == 404
        auth.logout()


def test_a_member_leaves_with_a_note_only_the_team_reads(client, auth, program):
    circle = make_circle(program, approved_at=utcnow() - timedelta(days=3))
    member = circle.stints[0].user
    auth.login(member)
    asked = client.post(f"/circles/{circle.id}/leave")
    assert "Yes, leave the circle" in asked.get_data(as_text=True)
    done = client.post(
        f"/circles/{circle.id}/leave", data={"confirm": "yes", "note": "Too many meetings"}
    )
    assert done.status_code == 303
    again = client.post(f"/circles/{circle.id}/leave", data={"confirm": "yes", "note": "x"})
    assert again.status_code == 422
    assert client.get(f"/circles/{circle.id}").status_code == 200  # still reads the past
    auth.logout()
    stint = db.session.scalar(db.select(CircleMember).where(CircleMember.user_id == member.id))
    assert stint.left_at is not None and stint.leave_note == "Too many meetings"
    auth.login(circle.facilitator)
    assert "Too many meetings" not in client.get(f"/circles/{circle.id}").get_data(as_text=True)
    auth.logout()
    auth.login(make_lead(program))
    board = client.get(f"/admin/programs/{program.slug}/circles").get_data(as_text=True)
    assert "Too many meetings" in board


def test_the_facilitator_cannot_leave_or_remove_anyone(client, auth, program):
    circle = make_circle(program, approved_at=utcnow() - timedelta(days=3))
    auth.login(circle.facilitator)
    page = client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert "Leave the circle" not in page
    assert client.post(f"/circles/{circle.id}/leave", data={"confirm": "yes"}).status_code == 422


def test_a_former_member_keeps_the_past_and_misses_the_new(client, auth, program):
    circle = make_circle(program, approved_at=utcnow() - timedelta(days=5))
    leaver, writer = circle.stints[0].user, circle.stints[1].user
    old = make_entry(author=writer, title="Before you left")
    share_with_circle(old, circle, at=utcnow() - timedelta(days=2))
    leave_circle(circle, leaver, at=utcnow() - timedelta(days=1))
    new = make_entry(author=writer, title="After you left")
    share_with_circle(new, circle)
    auth.login(leaver)
    page = client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert "Before you left" in page and "After you left" not in page
    assert client.get(f"/journal/{new.id}").status_code == 404


def test_the_admin_overview_links_a_circles_programme_to_its_board(client, auth, program):
    one_to_one = make_program()
    auth.login(make_admin())
    page = client.get("/admin/").get_data(as_text=True)
    assert f"/admin/programs/{program.slug}/circles" in page
    assert f"/admin/programs/{one_to_one.slug}/circles" not in page
