"""Circle health on the team's board: only totals over the programme's circles, suppressed
below five people, never one circle's state (docs/circles.md)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from portal.extensions import db
from portal.models import utcnow
from portal.models.circles import CircleAttendance, CircleMeeting
from portal.models.programs import ProgramFormat
from portal.services.circles import health
from portal.services.circles.health import CircleState
from portal.services.insights.suppression import SUPPRESSED
from tests.factories import (
    make_admin,
    make_check_in,
    make_circle,
    make_entry,
    make_lead,
    make_practice,
    make_program,
    make_user,
    share_with_circle,
)


@pytest.fixture
def program():
    return make_program(format=ProgramFormat.circles)


def meet(circle, days_ago: int, came: list, missed: list = ()) -> CircleMeeting:
    meeting = CircleMeeting(
        circle_id=circle.id,
        uid=f"{uuid.uuid4()}@test",
        starts_at=utcnow() - timedelta(days=days_ago),
    )
    db.session.add(meeting)
    db.session.flush()
    for person in came:
        db.session.add(CircleAttendance(meeting_id=meeting.id, user_id=person.id, attended=True))
    for person in missed:
        db.session.add(CircleAttendance(meeting_id=meeting.id, user_id=person.id, attended=False))
    db.session.commit()
    return meeting


def busy_circle(program, members: int):
    """A circle opened 60 days ago that met last week, everyone there, sharing and practising:
    on track. It holds `members` members and its facilitator."""
    opened = utcnow() - timedelta(days=60)
    people = [make_user() for _ in range(members)]
    circle = make_circle(program, members=people, approved_at=opened)
    meet(circle, 7, came=people)
    share_with_circle(make_entry(author=people[0], audience=[]), circle)
    make_check_in(make_practice(owner=people[0], audience=[]))
    return circle


def silent_circle(program, members: int):
    """Opened 100 days ago and never met: at risk."""
    return make_circle(
        program,
        members=[make_user() for _ in range(members)],
        approved_at=utcnow() - timedelta(days=100),
    )


def test_are_the_circles_states_counted_from_their_facts(program):
    busy_circle(program, 4)
    silent_circle(program, 4)
    rows = {row.circle_id: row.assessment.state for row in health.circle_rows([program])}
    assert sorted(rows.values()) == [CircleState.at_risk, CircleState.on_track]


def test_does_a_state_of_four_people_read_fewer_than_5_and_five_people_show(program):
    # Three members and a facilitator at risk: 4 people, hidden; so is a second state (the
    # smallest shown, here "needs a check-in" with nobody), so nothing can be subtracted back.
    silent_circle(program, 3)
    for _ in range(2):
        busy_circle(program, 4)
    figures = health.programme_health(program)
    assert figures.people.shown(CircleState.at_risk) == SUPPRESSED
    assert figures.circles.shown(CircleState.at_risk) == SUPPRESSED
    assert figures.at_risk == SUPPRESSED
    assert len(figures.people.suppressed) == 2
    assert figures.people.shown(CircleState.on_track) == 10
    assert figures.circles.shown(CircleState.on_track) == 2


def test_does_a_state_of_exactly_five_people_show(program):
    silent_circle(program, 4)  # four members and the facilitator
    busy_circle(program, 4)
    figures = health.programme_health(program)
    assert figures.people.shown(CircleState.at_risk) == 5
    assert figures.circles.shown(CircleState.at_risk) == 1
    assert figures.at_risk == 1
    assert figures.people.shown(CircleState.on_track) == 5


def test_is_attendance_read_from_the_facilitators_records(program):
    people = [make_user() for _ in range(4)]
    circle = make_circle(program, members=people, approved_at=utcnow() - timedelta(days=10))
    meet(circle, 2, came=people[:1], missed=people[1:])  # 1 of 4 places: below 50%
    (row,) = health.circle_rows([program])
    assert row.facts.places_recorded == 4 and row.facts.places_taken == 1
    assert row.assessment.state is CircleState.at_risk


def test_do_a_proposed_circle_and_a_circle_in_its_undo_window_count_for_nothing(program):
    from portal.models.circles import CircleStatus

    make_circle(program, status=CircleStatus.proposed, approved_at=None)
    make_circle(program, opens_at=utcnow() + timedelta(minutes=5))
    assert health.circle_rows([program]) == []


def test_does_the_board_show_only_totals_never_one_circles_state(client, auth, program):
    silent = silent_circle(program, 3)
    silent.theme = "Quiet theme"
    busy = [busy_circle(program, 4) for _ in range(2)]
    db.session.commit()
    for person in (make_lead(program), make_admin()):
        auth.login(person)
        page = client.get(f"/admin/programs/{program.slug}/circles").get_data(as_text=True)
        auth.logout()
        table = page[page.index('id="circle-states"') :].split("</table>")[0]
        at_risk = table[table.index("At risk") :].split("</tr>")[0]
        assert at_risk.count(SUPPRESSED) == 2
        on_track = table[table.index("On track") :].split("</tr>")[0]
        assert "<td>2</td>" in on_track and "<td>10</td>" in on_track
        # No circle's card says how it is doing.
        for circle in [silent, *busy]:
            card = page[page.index(f'id="circle-{circle.id}-heading"') :].split("</article>")[0]
            for label in ("At risk", "Needs a check-in", "On track", "at risk", "on track"):
                assert label not in card
        assert "How is circle health computed?" in page
        assert "more than 2 × C" in page


def test_do_circle_health_figures_stay_out_of_a_programme_without_circles(client, auth):
    program = make_program()
    assert health.programme_health(program).computed == 0
    assert health.at_risk_by_programme([program]) == {}


def test_does_a_leads_dashboard_show_circles_at_risk_beside_pairs_at_risk(client, auth, program):
    lead = make_lead(program)
    silent_circle(program, 3)  # 4 people at risk: hidden
    busy_circle(program, 4)
    auth.login(lead)
    page = client.get("/dashboard/").get_data(as_text=True)
    panel = page[page.index('id="lead-panel"') :].split("</section>")[0]
    assert "Circles at risk" in panel
    row = panel[panel.index(program.name) :].split("</tr>")[0]
    link = f'<a href="/admin/programs/{program.slug}/circles">'
    assert f'data-label="Circles at risk">{link}{SUPPRESSED}' in row
    silent_circle(program, 1)  # now 6 people in two circles at risk
    page = client.get("/dashboard/").get_data(as_text=True)
    row = page[page.index('id="lead-panel"') :].split(program.name, 1)[1].split("</tr>")[0]
    assert f'<a href="/admin/programs/{program.slug}/circles">2</a>' in row


def test_has_a_dashboard_without_circle_programmes_no_circle_column(client, auth):
    program = make_program()
    auth.login(make_lead(program))
    page = client.get("/dashboard/").get_data(as_text=True)
    assert "Circles at risk" not in page
