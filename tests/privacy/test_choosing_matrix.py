"""The privacy matrix of mentees-choose and office hours: each role x each object x each
action, asked of access.py (its query and its yes/no checks) and of the pages (404 when denied).

Roles: the mentee who asked, the requested mentor, another mentor and another mentee of the
programme, the programme's lead, a lead of another programme, a portal admin, an outsider.
"""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import Role
from portal.models.choosing import MentorRequest
from portal.models.office_hours import OfficeHourBooking
from portal.services import access
from tests.factories import (
    make_admin,
    make_booking,
    make_choosing_settings,
    make_lead,
    make_mentor_request,
    make_participant,
    make_program,
    make_slot,
    make_user,
)

ROLES = (
    "mentee",
    "mentor",
    "other_mentor",
    "other_mentee",
    "lead",
    "other_lead",
    "admin",
    "outsider",
)

# Who may do what; everyone else is refused (404 for a read).
MATRIX = {
    "read_request": {"mentee", "mentor", "lead", "admin"},  # with its note
    "read_reply": {"mentee", "mentor"},
    "see_mentee_profile": {"mentor"},  # while the request is open
    "answer": {"mentor"},  # accept / decline
    "withdraw": {"mentee"},
    "read_booking": {"mentee", "mentor"},  # with its question
    "see_slots": {"mentee", "mentor", "other_mentor", "other_mentee", "lead", "admin"},
    "discover": {"mentee", "other_mentee"},
}


@pytest.fixture
def world():
    program = make_program()
    make_choosing_settings(program)
    people = {
        "mentee": make_participant(program, Role.mentee).user,
        "mentor": make_participant(program, Role.mentor).user,
        "other_mentor": make_participant(program, Role.mentor).user,
        "other_mentee": make_participant(program, Role.mentee).user,
        "lead": make_lead(program),
        "other_lead": make_lead(make_program()),
        "admin": make_admin(),
        "outsider": make_user(),
    }
    request = make_mentor_request(program, people["mentee"], people["mentor"], reply="kind words")
    booking = make_booking(make_slot(program, people["mentor"]), people["mentee"])
    return program, people, request, booking


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reads_and_acts_only_where_the_matrix_says(client, auth, world, role):
    program, people, request, booking = world
    user = people[role]
    in_query = db.session.scalar(
        access.visible_mentor_requests(user).where(MentorRequest.id == request.id)
    )
    allowed = {
        "read_request": in_query is not None,
        "read_reply": in_query is not None and access.can_read_request_reply(user, request),
        "see_mentee_profile": in_query is not None
        and access.can_see_requesting_mentee(user, request),
        "answer": in_query is not None and access.can_answer_request(user, request),
        "withdraw": in_query is not None and access.can_withdraw_request(user, request),
        "read_booking": db.session.scalar(
            access.visible_bookings(user).where(OfficeHourBooking.id == booking.id)
        )
        is not None,
        "see_slots": _reaches(client, auth, user, f"/office-hours/{program.slug}/"),
        "discover": _reaches(client, auth, user, f"/choose/{program.slug}/"),
    }
    expected = {action: role in roles for action, roles in MATRIX.items()}
    assert allowed == expected
    # The pages agree with the rules: a denied read is a 404.
    auth.login(user)
    assert (client.get(f"/choose/requests/{request.id}").status_code == 200) == expected[
        "read_request"
    ]
    assert (client.get(f"/office-hours/bookings/{booking.id}").status_code == 200) == expected[
        "read_booking"
    ]
    # Acting without the right changes nothing.
    if not expected["answer"]:
        client.post(f"/choose/requests/{request.id}/decline", data={"reply": "no"})
    if not expected["withdraw"]:
        client.post(f"/choose/requests/{request.id}/withdraw")
    if not expected["read_booking"]:
        client.post(f"/office-hours/bookings/{booking.id}/cancel")
    db.session.expire_all()
    assert db.session.get(MentorRequest, request.id).is_open
    assert db.session.get(OfficeHourBooking, booking.id).status.value == "booked"


def _reaches(client, auth, user, url) -> bool:
    auth.login(user)
    status = client.get(url).status_code
    auth.logout()
    assert status in (200, 404), url
    return status == 200
