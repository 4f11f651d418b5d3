"""Is signing in rate limited per account and per address, in memory and in Redis?"""

import pytest

from tests.conftest import hx_headers, instances_sharing_redis
from tests.factories import DEFAULT_PASSWORD, make_user

limited = pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])


def _attempt(client, email: str, address: str = "203.0.113.1", password="wrong password", **kw):
    return client.post(
        "/auth/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
        **kw,
    )


def _attempts(client, n: int, email: str = "lena@example.org") -> list[int]:
    return [_attempt(client, email).status_code for _ in range(n)]


@limited
def test_is_an_account_blocked_after_ten_failures_a_minute(client):
    make_user(email="lena@example.org")
    assert _attempts(client, 10) == [422] * 10
    response = _attempt(client, "LENA@example.org")
    assert response.status_code == 429
    # The reason is next to the form, which keeps the e-mail that was typed.
    assert 'id="password-error"' in response.text and "Too many attempts" in response.text
    assert 'value="LENA@example.org"' in response.text
    # Even the right password waits: the account is what is protected.
    assert _attempt(client, "lena@example.org", password=DEFAULT_PASSWORD).status_code == 429


@limited
def test_does_a_botnet_against_one_account_hit_the_limit(client):
    """One account tried from many addresses: the per-account limit holds."""
    make_user(email="lena@example.org")
    statuses = [
        _attempt(client, "lena@example.org", f"198.51.100.{i}").status_code for i in range(11)
    ]
    assert statuses == [422] * 10 + [429]


@limited
def test_does_a_forged_forwarded_for_header_give_no_fresh_bucket(client):
    make_user(email="lena@example.org")
    statuses = [
        _attempt(client, f"victim{i}@example.org", headers={"X-Forwarded-For": f"10.9.{i}.1"})
        for i in range(101)
    ]
    assert [r.status_code for r in statuses] == [422] * 100 + [429]


@limited
def test_is_one_address_trying_many_accounts_blocked(client):
    statuses = [_attempt(client, f"guess{i}@example.org").status_code for i in range(101)]
    assert statuses == [422] * 100 + [429]
    # Another address is not affected.
    assert _attempt(client, "guess0@example.org", "192.0.2.77").status_code == 422


@limited
def test_can_a_whole_office_behind_one_address_sign_in_on_kickoff_morning(client, app):
    """Many people, one NAT address, some typos: nobody else is locked out."""
    people = [make_user(email=f"colleague{i}@example.org") for i in range(60)]
    office = "192.0.2.10"
    unlucky = people[0]
    assert [_attempt(client, unlucky.email, office).status_code for _ in range(10)] == [422] * 10
    for person in people[1:]:
        with app.test_client() as browser:
            # Each colleague mistypes once, then signs in.
            assert _attempt(browser, person.email, office).status_code == 422
            ok = _attempt(browser, person.email, office, password=DEFAULT_PASSWORD)
            assert ok.status_code == 303, person.email


@limited
def test_does_the_htmx_sign_in_form_show_the_limit(client):
    """A boosted form gets the page with the message, and htmx is told to swap a 429."""
    make_user(email="lena@example.org")
    _attempts(client, 10)
    response = _attempt(client, "lena@example.org", headers=hx_headers(**{"HX-Boosted": "true"}))
    assert response.status_code == 429
    assert "Too many attempts" in response.text
    assert '{"code": "429", "swap": true}' in client.get("/auth/login").text


def test_is_the_limit_shared_between_processes_through_redis(database_url):
    """Two app instances (as two gunicorn workers would be) share one Redis counter."""
    with instances_sharing_redis(database_url) as (first, second):
        assert _attempts(first.test_client(), 6) == [422] * 6
        assert _attempts(second.test_client(), 5) == [422] * 4 + [429]
