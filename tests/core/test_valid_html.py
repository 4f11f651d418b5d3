"""Do pages carry what validators ask for: a description, unique ids, valid <time> values?"""

import re
from collections import Counter

import pytest

from portal.models import ProgramStatus, Role
from tests.factories import (
    make_admin,
    make_entry,
    make_pairing,
    make_participant,
    make_program,
)


@pytest.fixture
def signed_in_admin(client, auth):
    program = make_program(slug="spring", status=ProgramStatus.enrolling)
    make_participant(program, Role.mentee, status="applied")
    pairing = make_pairing(program=program)
    make_entry(author=pairing.mentee)
    auth.login(make_admin())
    return program


PAGES = [
    "/dashboard/",
    "/admin/",
    "/admin/enrollment",
    "/admin/matching/spring",
    "/admin/programs/spring/edit",
    "/admin/programs/new",
    "/programs/spring",
    "/auth/password",
    "/admin/workers",
    "/admin/outbox",
    "/profile/data",
    "/profile/delete",
    "/admin/identity",
    "/admin/people/erase",
]


def _assert_valid(page: str, url: str) -> None:
    """A description, unique ids, valid <time> values, and htmx attributes as data-hx-*."""
    assert re.search(r'<meta name="description" content="[^"]{20,}">', page), url
    ids = Counter(re.findall(r'\sid="([^"]+)"', page))
    assert [i for i, n in ids.items() if n > 1] == [], url
    for value in re.findall(r'<time datetime="([^"]+)"', page):
        # At most three fractional digits of a second are valid HTML.
        assert not re.search(r"\.\d{4,}", value), value
    assert not re.search(r"(?<!data-)hx-[a-z-]+=", page), url


@pytest.mark.parametrize("url", PAGES)
def test_pages_have_a_description_unique_ids_and_valid_times(client, signed_in_admin, url):
    _assert_valid(client.get(url).text, url)


def test_no_template_writes_a_bare_hx_attribute():
    from pathlib import Path

    root = Path(__file__).parents[2] / "portal" / "templates"
    bare = [
        (str(path.relative_to(root)), match.group(0))
        for path in root.rglob("*.html")
        for match in re.finditer(r"(?<![\w-])hx-[a-z-]+=", path.read_text())
    ]
    assert bare == []


def _choosing_world(auth):
    """A programme where mentees choose, a request, a slot with a booking (see docs/choosing.md)."""
    from tests.factories import (
        make_booking,
        make_choosing_settings,
        make_mentor_request,
        make_slot,
    )

    program = make_program(slug="choose-html")
    make_choosing_settings(program)
    mentor = make_participant(program, Role.mentor).user
    mentee = make_participant(program, Role.mentee).user
    request = make_mentor_request(program, mentee, mentor)
    booking = make_booking(make_slot(program, mentor), mentee)
    return mentor, mentee, request, booking


@pytest.mark.parametrize("who", ["mentee", "mentor", "admin"])
def test_choosing_and_office_hour_pages_have_unique_ids_and_no_bare_hx(client, auth, who):
    mentor, mentee, request, booking = _choosing_world(auth)
    viewer = {"mentee": mentee, "mentor": mentor, "admin": make_admin()}[who]
    auth.login(viewer)
    urls = {
        "mentee": [
            "/choose/",
            "/choose/choose-html/",
            "/choose/requests",
            f"/choose/requests/{request.id}",
            "/office-hours/",
            "/office-hours/choose-html/",
            f"/office-hours/bookings/{booking.id}",
        ],
        "mentor": [
            f"/choose/requests/{request.id}",
            "/choose/choose-html/availability",
            "/office-hours/choose-html/",
            "/office-hours/choose-html/slots/new",
            f"/office-hours/bookings/{booking.id}",
        ],
        "admin": ["/admin/programs/choose-html/choosing", f"/choose/requests/{request.id}"],
    }[who]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_valid(response.text, url)


@pytest.mark.parametrize("who", ["facilitator", "member", "former"])
def test_circle_pages_have_unique_ids_and_no_bare_hx(client, auth, who):
    from tests.factories import leave_circle, make_circle

    circle = make_circle(make_program(slug="circle-html"))
    members = [s.user for s in circle.stints]
    leave_circle(circle, members[2])
    viewer = {"facilitator": circle.facilitator, "member": members[0], "former": members[2]}[who]
    auth.login(viewer)
    for url in (
        f"/circles/{circle.id}",
        f"/circles/{circle.id}/agreement",
        f"/circles/{circle.id}/review",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_valid(response.text, url)
