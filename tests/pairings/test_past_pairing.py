"""After a pairing ends: its .ics files, "Meet your partner" and the kick-off pages.

Chosen (docs/pairings.md): an ended pairing's partner card shows the name and role only,
never the partner's current profile, department, local time or e-mail; its calendar files
carry only their reader's own address; every kick-off page is marked "Past pairing" and
offers no form.
"""

import re
from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from portal.extensions import db
from portal.models import Membership, utcnow
from portal.models.kickoff import MeetingStatus
from portal.services import matching as matcher
from portal.services.pairings import schedule as cal
from tests.factories import (
    make_admin,
    make_agreement,
    make_goal,
    make_pairing,
    make_planned_meeting,
    make_user,
)


def _addresses(body: bytes) -> list[str]:
    (event,) = Calendar.from_ical(body).walk("VEVENT")
    found = event.get("attendee") or []
    found = found if isinstance(found, list) else [found]
    return [str(a).removeprefix("mailto:") for a in found]


def _ended_pair_with_material():
    pairing = make_pairing(mentor=make_user(name="Marcus Bell"), mentee=make_user(name="Ana Li"))
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == pairing.mentor_id)
    )
    membership.profile = {"department": "DEPT-MARKER"}
    db.session.commit()
    past = make_planned_meeting(
        pairing,
        starts_at=utcnow().replace(microsecond=0) - timedelta(days=3),
        status=MeetingStatus.accepted,
    )
    make_agreement(pairing)
    goal = make_goal(pairing, pairing.mentee)
    matcher.end_pairing(pairing, "Moved to another team.", make_admin())
    return pairing, past, goal


def test_does_an_ics_of_an_ended_pairing_leave_out_the_partners_address(client, auth):
    pairing = make_pairing()
    meeting = make_planned_meeting(pairing, status=MeetingStatus.accepted)
    auth.login(pairing.mentee)
    url = f"/pairings/{pairing.id}/schedule/{meeting.id}.ics"
    assert sorted(_addresses(client.get(url).data)) == sorted(
        [pairing.mentor.email, pairing.mentee.email]
    )
    matcher.end_pairing(pairing, "Moved to another team.", make_admin())
    body = client.get(url).data
    assert pairing.mentor.email.encode() not in body
    assert _addresses(body) == [pairing.mentee.email]
    # The service answers the same for any reader it is given, and nobody's for none.
    assert _addresses(cal.invitation(meeting, pairing.mentor)) == [pairing.mentor.email]
    assert _addresses(cal.invitation(meeting)) == []


def test_does_meet_your_partner_show_only_the_name_after_the_end(client, auth):
    pairing, _, _ = _ended_pair_with_material()
    auth.login(pairing.mentor)
    client.post(
        "/profile/",
        data={
            "timezone": "Asia/Tokyo",
            "bio": "BIO-WRITTEN-AFTER-THE-END",
            "hopes": "",
            "offers": "",
            "show_bio": "y",
        },
    )
    auth.logout()
    auth.login(pairing.mentee)
    page = client.get(f"/pairings/{pairing.id}/partner").text
    assert "Marcus Bell" in page and "Past pairing" in page
    assert "BIO-WRITTEN-AFTER-THE-END" not in page
    assert "DEPT-MARKER" not in page and "Asia/Tokyo" not in page
    assert pairing.mentor.email not in page
    assert "First steps" not in page


@pytest.mark.parametrize("page", ["partner", "agreement", "goals", "goal", "schedule"])
def test_is_every_kickoff_page_of_an_ended_pairing_read_only_and_marked(client, auth, page):
    pairing, past, goal = _ended_pair_with_material()
    auth.login(pairing.mentee)
    path = f"/pairings/{pairing.id}/" + (f"goals/{goal.id}" if page == "goal" else page)
    response = client.get(path)
    assert response.status_code == 200
    assert "Past pairing" in response.text
    forms = re.findall(r'<form[^>]*action="(/pairings/[^"]*)"', response.text)
    assert forms == []
    if page == "goals":
        assert goal.title in response.text  # what was there is still readable


def test_is_an_active_pairing_not_marked_past(client, auth):
    pairing = make_pairing()
    auth.login(pairing.mentee)
    page = client.get(f"/pairings/{pairing.id}/schedule").text
    assert "Past pairing" not in page
    assert f'action="/pairings/{pairing.id}/schedule"' in page
