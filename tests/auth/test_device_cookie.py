"""Can a spray against one account keep its owner out? (OWASP device cookies)"""

import pytest

from tests.factories import DEFAULT_PASSWORD, make_user

limited = pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])


def _attempt(client, email, address, password="wrong password"):
    return client.post(
        "/auth/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def _spray(app, email, n=30):
    attacker = app.test_client()  # no device cookie, a new address every time
    return [_attempt(attacker, email, f"198.51.100.{i}").status_code for i in range(n)]


@limited
def test_can_the_owner_sign_in_during_a_spray_from_a_known_browser(app, client):
    make_user(email="lena@example.org")
    assert _attempt(client, "lena@example.org", "203.0.113.7", DEFAULT_PASSWORD).status_code == 303
    assert "horizon_device" in client.get_cookie("horizon_device", path="/auth/").key
    client.post("/auth/logout")
    statuses = _spray(app, "lena@example.org")
    assert statuses[:10] == [422] * 10 and set(statuses[10:]) == {429}
    # The owner's browser is let through the account limit: a typo, then the right password.
    assert _attempt(client, "lena@example.org", "203.0.113.7").status_code == 422
    assert _attempt(client, "lena@example.org", "203.0.113.7", DEFAULT_PASSWORD).status_code == 303


@limited
def test_is_a_new_browser_still_held_by_the_account_limit(app):
    make_user(email="lena@example.org")
    _spray(app, "lena@example.org", 11)
    stranger = app.test_client()
    assert (
        _attempt(stranger, "lena@example.org", "203.0.113.9", DEFAULT_PASSWORD).status_code == 429
    )


@limited
def test_is_a_device_cookie_for_another_account_no_pass(app, client):
    make_user(email="lena@example.org")
    make_user(email="omar@example.org")
    assert _attempt(client, "omar@example.org", "203.0.113.7", DEFAULT_PASSWORD).status_code == 303
    client.post("/auth/logout")
    _spray(app, "lena@example.org", 11)
    assert _attempt(client, "lena@example.org", "203.0.113.7", DEFAULT_PASSWORD).status_code == 429


@limited
def test_is_a_known_browser_that_keeps_failing_limited_on_its_own(app, client):
    make_user(email="lena@example.org")
    _attempt(client, "lena@example.org", "203.0.113.7", DEFAULT_PASSWORD)
    client.post("/auth/logout")
    statuses = [_attempt(client, "lena@example.org", "203.0.113.7").status_code for _ in range(11)]
    assert statuses == [422] * 10 + [429]


@limited
def test_is_a_forged_device_cookie_ignored(app):
    make_user(email="lena@example.org")
    _spray(app, "lena@example.org", 11)
    forger = app.test_client()
    forger.set_cookie("horizon_device", "eyJmb3JnZWQiOnRydWV9.fake.sig", path="/auth/")
    assert _attempt(forger, "lena@example.org", "203.0.113.9", DEFAULT_PASSWORD).status_code == 429


@limited
def test_does_signing_out_everywhere_void_the_device_cookie(app, client):
    """A stolen or forgotten browser loses its pass once the owner signs out everywhere."""
    make_user(email="lena@example.org")
    assert _attempt(client, "lena@example.org", "203.0.113.7", DEFAULT_PASSWORD).status_code == 303
    old_cookie = client.get_cookie("horizon_device", path="/auth/").value
    assert client.post("/auth/sessions/end-all").status_code == 303
    _spray(app, "lena@example.org", 11)
    old_browser = app.test_client()
    old_browser.set_cookie("horizon_device", old_cookie, path="/auth/")
    assert (
        _attempt(old_browser, "lena@example.org", "203.0.113.7", DEFAULT_PASSWORD).status_code
        == 429
    )
    # The owner's own browser kept the same old cookie: it waits too, until a new sign-in.
    assert _attempt(client, "lena@example.org", "203.0.113.7", DEFAULT_PASSWORD).status_code == 429
