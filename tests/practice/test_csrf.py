"""Do the practice and meeting forms refuse a POST without its CSRF token?"""

import pytest

from tests.conftest import open_session
from tests.factories import make_admin, make_agenda_point, make_pairing, make_practice


@pytest.fixture
def app_config() -> dict:
    return {"WTF_CSRF_ENABLED": True}


POSTS = [
    "/practice/new",
    "/practice/{practice}/check-ins",
    "/practice/{practice}/comments",
    "/practice/{practice}/close",
    "/practice/{practice}/reopen",
    "/practice/{practice}/journal",
    "/practice/{practice}/visibility",
    "/practice/{practice}/edit",
    "/practice/library",
    "/practice/library/1",
    "/practice/library/1/archive",
    "/pairings/{pairing}/next",
    "/pairings/{pairing}/meetings",
    "/pairings/{pairing}/agenda",
    "/pairings/{pairing}/agenda/{point}/delete",
]


@pytest.mark.parametrize("path", POSTS)
def test_a_post_without_its_token_is_refused(app, client, path):
    pairing = make_pairing()
    practice = make_practice(owner=pairing.mentee)
    point = make_agenda_point(pairing, pairing.mentee)
    admin = make_admin()
    person = admin if "library" in path else pairing.mentee
    open_session(client, person)
    url = path.format(practice=practice.id, pairing=pairing.id, point=point.id)
    response = client.post(url, data={"title": "x", "note": "x", "text": "x"})
    assert response.status_code == 400
