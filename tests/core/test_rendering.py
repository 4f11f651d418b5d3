"""One route, two renderings: does htmx get the fragment and everyone else the page?"""

from tests.conftest import hx_headers
from tests.factories import make_notification, make_user


def _signed_in(client, auth):
    user = make_user()
    make_notification(user=user, message="Your mentor commented on an entry.")
    auth.login(user)
    return user


def test_does_a_plain_request_get_the_full_page(client, auth):
    _signed_in(client, auth)
    response = client.get("/notifications/")
    assert response.status_code == 200
    assert response.text.lstrip().startswith("<!doctype html>")
    assert 'id="notification-list"' in response.text
    assert "HX-Request" in response.headers["Vary"]


def test_does_a_targeted_htmx_request_get_only_the_fragment(client, auth):
    _signed_in(client, auth)
    response = client.get("/notifications/", headers=hx_headers("notification-list"))
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="notification-list"')
    assert "<html" not in response.text
    assert "Your mentor commented on an entry." in response.text
    assert "HX-Request" in response.headers["Vary"]


def test_does_a_boosted_navigation_get_the_full_page(client, auth):
    _signed_in(client, auth)
    response = client.get("/notifications/", headers=hx_headers(**{"HX-Boosted": "true"}))
    assert "<html" in response.text


def test_does_an_htmx_request_aimed_elsewhere_get_the_full_page(client, auth):
    _signed_in(client, auth)
    response = client.get("/notifications/", headers=hx_headers("main"))
    assert "<html" in response.text


def test_does_an_expired_session_send_htmx_to_the_login_page(client):
    response = client.get(
        "/notifications/badge",
        headers=hx_headers(
            "notification-badge", **{"HX-Current-URL": "http://localhost/journal/?q=x"}
        ),
    )
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/auth/login?next=")
    assert "journal" in response.headers["HX-Redirect"]
    assert response.text == ""


def test_does_an_expired_session_redirect_a_plain_request(client):
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert "/auth/login?next=" in response.headers["Location"]


def test_does_the_badge_fragment_count_unread_notifications(client, auth):
    user = _signed_in(client, auth)
    make_notification(user=user)
    make_notification(user=make_user())  # someone else's does not count
    response = client.get("/notifications/badge", headers=hx_headers("notification-badge"))
    assert response.text.lstrip().startswith('<span id="notification-badge"')
    assert 'data-count="2"' in response.text
