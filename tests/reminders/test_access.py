"""Who reaches the guide's pages? Each role against each page, as a matrix."""

import pytest

from tests.conftest import open_session
from tests.factories import make_admin, make_meeting, make_pairing, make_pairing_request, make_user

ADMIN_PAGES = [
    ("GET", "/admin/programs/{slug}/guide"),
    ("POST", "/admin/programs/{slug}/guide"),
    ("GET", "/admin/programs/{slug}/guide/preview/weekly_digest"),
    ("GET", "/admin/requests"),
    ("POST", "/admin/requests/{request_id}/resolve"),
]
PAIR_PAGES = [
    ("GET", "/pairings/{pairing_id}/closing"),
    ("GET", "/pairings/{pairing_id}/review"),
    ("GET", "/pairings/{pairing_id}/request"),
    ("GET", "/pairings/{pairing_id}/meetings/{meeting_id}/rating"),
    ("POST", "/pairings/{pairing_id}/meetings/{meeting_id}/rating"),
]


@pytest.fixture
def world():
    pairing = make_pairing()
    meeting = make_meeting(pairing)
    request = make_pairing_request(pairing)
    values = {
        "slug": pairing.program.slug,
        "pairing_id": pairing.id,
        "meeting_id": meeting.id,
        "request_id": request.id,
    }
    people = {
        "mentee": pairing.mentee,
        "mentor": pairing.mentor,
        "admin": make_admin(),
        "outsider": make_user(),
        "other_pair": make_pairing(program=pairing.program).mentee,
    }
    return people, values


@pytest.mark.parametrize(
    "role", ["anonymous", "mentee", "mentor", "outsider", "other_pair", "admin"]
)
def test_who_reaches_the_guide_admin_pages(client, world, role):
    people, values = world
    if role != "anonymous":
        open_session(client, people[role])
    for method, path in ADMIN_PAGES:
        url = path.format(**values)
        response = client.open(url, method=method, data={"rating": "3"})
        if role == "anonymous":
            assert response.status_code == 302, url
        elif role == "admin":
            assert response.status_code in (200, 303, 422), url
        else:
            assert response.status_code == 404, (role, url)


@pytest.mark.parametrize(
    "role", ["anonymous", "mentee", "mentor", "outsider", "other_pair", "admin"]
)
def test_who_reaches_the_pairs_guide_pages(client, world, role):
    people, values = world
    if role != "anonymous":
        open_session(client, people[role])
    for method, path in PAIR_PAGES:
        url = path.format(**values)
        response = client.open(url, method=method, data={"rating": "3"})
        if role == "anonymous":
            assert response.status_code == 302, url
        elif role in ("mentee", "mentor"):
            assert response.status_code in (200, 303), url
        else:  # admins included: the pair's year is theirs alone
            assert response.status_code == 404, (role, url)


def test_is_the_request_queue_hidden_from_the_partner_in_every_page(client, world):
    people, values = world
    open_session(client, people["mentor"])
    assert (
        "We do not get along." not in client.get(f"/pairings/{values['pairing_id']}/request").text
    )
    assert "We do not get along." not in client.get("/dashboard/").text
