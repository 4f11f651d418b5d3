"""Does each role get its own dashboard, showing only what that person may see?"""

import re

import pytest

from portal.extensions import db
from portal.models import MembershipStatus, PairingStatus, ProgramStatus, Role
from tests.conftest import hx_headers
from tests.factories import (
    make_admin,
    make_membership,
    make_notification,
    make_pairing,
    make_program,
    make_user,
)


def test_does_an_anonymous_visitor_get_sent_to_sign_in(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]
    assert client.get("/").headers["Location"].endswith("/auth/login")


def test_does_a_mentee_see_their_mentor_and_programme(client, auth):
    pairing = make_pairing()
    auth.login(pairing.mentee)
    html = client.get("/dashboard/").text
    assert 'id="mentee-panel"' in html and pairing.mentor.name in html
    assert pairing.program.name in html
    assert 'id="mentor-panel"' not in html and 'id="admin-panel"' not in html


def test_does_a_mentor_see_each_mentee(client, auth):
    first = make_pairing()
    second = make_pairing(mentor=first.mentor, program=first.program)
    auth.login(first.mentor)
    html = client.get("/dashboard/").text
    assert 'id="mentor-panel"' in html
    assert first.mentee.name in html and second.mentee.name in html
    assert 'id="mentee-panel"' not in html


def test_can_one_person_be_mentor_in_one_programme_and_mentee_in_another(client, auth):
    person = make_user(name="Dual Role")
    as_mentor = make_pairing(mentor=person)
    as_mentee = make_pairing(mentee=person)
    auth.login(person)
    html = client.get("/dashboard/").text
    assert 'id="mentor-panel"' in html and as_mentor.mentee.name in html
    assert 'id="mentee-panel"' in html and as_mentee.mentor.name in html


@pytest.mark.parametrize("status", [PairingStatus.proposed, PairingStatus.ended])
def test_is_an_unapproved_or_ended_partner_left_off_the_dashboard(client, auth, status):
    pairing = make_pairing(status=status, approved_at=None)
    auth.login(pairing.mentee)
    html = client.get("/dashboard/").text
    assert pairing.mentor.name not in html
    assert "You have no mentor yet" in html


def _panel(html: str, panel_id: str) -> str:
    return html.split(f'id="{panel_id}"', 1)[1].split("</section>", 1)[0]


def test_is_last_years_mentor_shown_as_earlier_not_as_the_current_mentor(client, auth):
    past = make_pairing(status=PairingStatus.completed)
    current = make_pairing(mentee=past.mentee)
    auth.login(past.mentee)
    html = client.get("/dashboard/").text
    panel = _panel(html, "mentee-panel")
    people = panel.split('class="people"', 1)[1].split("</ul>", 1)[0]
    assert current.mentor.name in people and past.mentor.name not in people
    assert f"Earlier mentors: {past.mentor.name} ({past.program.name})" in panel
    # Once this year's pairing is over too, there is no current mentor.
    current.status = PairingStatus.completed
    db.session.commit()
    panel = _panel(client.get("/dashboard/").text, "mentee-panel")
    assert 'class="people"' not in panel and "You have no current mentor." in panel
    auth.logout()
    auth.login(past.mentor)
    panel = _panel(client.get("/dashboard/").text, "mentor-panel")
    assert f"Earlier mentees: {past.mentee.name}" in panel and "no current mentee" in panel


def test_does_an_admin_see_counts_for_each_programme(client, auth):
    program = make_program(name="Cohort A", status=ProgramStatus.enrolling)
    make_pairing(program=program)
    make_pairing(program=program)
    make_membership(program=program, role=Role.mentee)  # approved, not yet matched
    make_membership(program=program, role=Role.mentee, status=MembershipStatus.applied)
    auth.login(make_admin())
    html = client.get("/dashboard/").text
    assert 'id="admin-panel"' in html and "Cohort A" in html
    row = html[html.index("Cohort A") :]
    cells = re.findall(r"<td class=\"num\"[^>]*>(\d+)</td>", row)[:5]
    assert cells == ["2", "3", "2", "1", "1"]  # mentors, mentees, pairs, unmatched, applications


def test_does_a_newcomer_get_a_welcome(client, auth):
    auth.login(make_user())
    assert 'id="welcome-panel"' in client.get("/dashboard/").text


def test_does_the_dashboard_show_only_my_notifications(client, auth):
    me, someone = make_user(), make_user()
    make_notification(user=me, message="For me")
    make_notification(user=someone, message="Not for me")
    auth.login(me)
    html = client.get("/dashboard/").text
    assert "For me" in html and "Not for me" not in html


def test_does_the_dashboard_use_a_fixed_number_of_queries(client, auth, count_queries):
    mentor = make_user()
    program = make_program()
    make_pairing(mentor=mentor, program=program)
    auth.login(mentor)
    client.get("/dashboard/")
    db.session.expire_all()  # each request then loads what it needs, as in production
    with count_queries() as few:
        client.get("/dashboard/")
    for _ in range(6):
        make_pairing(mentor=mentor, program=program)
        make_notification(user=mentor)
    db.session.expire_all()
    with count_queries() as many:
        html = client.get("/dashboard/").text
    assert html.count('class="person"') == 7
    assert many.count == few.count, "\n".join(many.statements)


def test_does_marking_all_read_clear_the_badge(client, auth):
    me = make_user()
    make_notification(user=me)
    auth.login(me)
    assert 'data-count="1"' in client.get("/notifications/badge").text
    response = client.post("/notifications/read", headers=hx_headers("notification-list"))
    assert response.status_code == 200 and "<html" not in response.text
    assert "data-count" not in client.get("/notifications/badge").text
    assert client.post("/notifications/read").status_code == 303


def test_is_a_mentee_whose_pairing_completed_counted_as_matched(app):
    from portal.services.dashboard import programs_health

    program = make_program(status=ProgramStatus.completed)
    make_pairing(program=program, status=PairingStatus.completed)
    make_pairing(program=program, status=PairingStatus.active)
    make_membership(program=program, role=Role.mentee, status=MembershipStatus.active)
    (row,) = [r for r in programs_health(make_admin()) if r.program.id == program.id]
    assert (row.mentees, row.active_pairings, row.completed_pairings) == (3, 1, 1)
    assert row.unmatched_mentees == 1
