"""Do office-hours figures reach the analytics page and the dashboards, small groups hidden?"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from portal.extensions import db
from portal.models import Role
from portal.models.office_hours import BookingStatus, OfficeHourBooking, OfficeHourSlot
from portal.services.insights import office_hours
from portal.services.insights.suppression import SUPPRESSED
from tests.factories import make_admin, make_lead, make_participant, make_program

START = datetime(2026, 3, 2, 9, 0)


def conversations(program, held: int, missed: int = 0, *, rating: int | None = 4, topics="career"):
    """`held` and `missed` conversations with the programme's mentor, each by its own mentee."""
    mentor = make_participant(program, Role.mentor)
    for n in range(held + missed):
        booker = make_participant(program, Role.mentee)
        slot = OfficeHourSlot(
            program_id=program.id,
            mentor_id=mentor.user_id,
            starts_at=START + timedelta(days=n),
            zone="UTC",
            topics=topics,
            place="",
            uid=f"slot-{program.id}-{n}@test",
        )
        db.session.add(slot)
        db.session.flush()
        is_held = n < held
        db.session.add(
            OfficeHourBooking(
                slot_id=slot.id,
                booker_id=booker.user_id,
                question="oh-question-marker-5521",
                status=BookingStatus.held if is_held else BookingStatus.missed,
                rating=rating if is_held else None,
            )
        )
    db.session.commit()


@pytest.mark.parametrize(
    ("held", "missed", "shown"),
    [
        (5, 5, (5, 5, "50%", 10)),  # five people each: everything shown
        (6, 4, (6, SUPPRESSED, "–", None)),  # four missed: no share, no total gives it back
        (4, 6, (SUPPRESSED, 6, "–", None)),
        (5, 0, (5, 0, "0%", 5)),  # nobody missed names no one
        (4, 0, (SUPPRESSED, 0, "–", None)),
    ],
)
def test_are_held_and_missed_hidden_below_five_people_with_their_share_and_total(
    held, missed, shown
):
    program = make_program()
    conversations(program, held, missed)
    figures = office_hours.figures([program])
    assert (figures.held, figures.missed, figures.missed_share, figures.outcomes.total) == shown


@pytest.mark.parametrize(("raters", "mean"), [(4, None), (5, 4.0)])
def test_is_the_mean_rating_shown_from_exactly_five_people(raters, mean):
    program = make_program()
    conversations(program, raters)
    assert office_hours.figures([program]).mean_rating == mean


def test_does_the_analytics_page_show_the_figures_and_never_a_question(client, auth):
    program = make_program(slug="oh-analytics")
    conversations(program, 6, 2, topics="career, Negotiation")
    auth.login(make_admin())
    page = client.get("/admin/programs/oh-analytics/analytics").get_data(as_text=True)
    assert 'id="figure-office_hours"' in page and 'id="figure-office_hours_topics"' in page
    assert "oh-question-marker-5521" not in page
    assert "Mean rating of held conversations: 4.0 of 5" in page
    csv = client.get("/admin/programs/oh-analytics/analytics/office_hours.csv").get_data(
        as_text=True
    )
    assert csv.splitlines()[1:] == ["Held,6,–", f"Booked but missed,{SUPPRESSED},–"]
    topics = client.get("/admin/programs/oh-analytics/analytics/office_hours_topics.csv")
    assert topics.get_data(as_text=True).splitlines()[1:] == ["career,6", "negotiation,6"]


def test_does_the_dashboard_show_office_hours_to_the_admin_and_the_lead_only(client, auth):
    program = make_program(name="Find your mentor")
    other = make_program(name="Not led")
    conversations(program, 5, 5, rating=3)
    conversations(other, 5)
    lead = make_lead(program)

    auth.login(make_admin())
    page = client.get("/dashboard/").get_data(as_text=True)
    assert 'id="office-hours-panel"' in page and "Not led" in page
    auth.logout()

    auth.login(lead)
    panel = client.get("/dashboard/").get_data(as_text=True)
    section = panel[panel.index('id="office-hours-panel"') :]
    assert "Find your mentor" in section and "Not led" not in section
    assert ">50%<" in section and "3.0 of 5" in section
    auth.logout()

    mentee = db.session.query(OfficeHourBooking).first().booker
    auth.login(mentee)
    assert 'id="office-hours-panel"' not in client.get("/dashboard/").get_data(as_text=True)
