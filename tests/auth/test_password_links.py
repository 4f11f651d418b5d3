"""Can a person who forgot their password, or was imported, set their own by e-mail?"""

import re

import pytest
from flask import current_app

from portal.extensions import db
from portal.services.accounts import password_reset_token, user_for_reset_token
from tests.factories import make_user

SAME_ANSWER = "If an account uses that address, we have sent it a link"


def outbox() -> list:
    return getattr(current_app.extensions["mailman"], "outbox", [])


def _link_path(message) -> str:
    return re.search(r"http://localhost(/auth/reset/\S+)", message.body).group(1)


@pytest.mark.parametrize("email", ["lena@example.org", "nobody@example.org"])
def test_does_forgot_password_answer_the_same_for_any_address(client, email):
    make_user(email="lena@example.org")
    response = client.post("/auth/forgot", data={"email": email}, follow_redirects=True)
    assert SAME_ANSWER in response.text
    assert len(outbox()) == (1 if email == "lena@example.org" else 0)


def test_does_the_link_set_a_new_password_once(client, auth):
    user = make_user(email="lena@example.org", password="the-old-password")
    client.post("/auth/forgot", data={"email": "lena@example.org"})
    [message] = outbox()
    assert message.to == ["lena@example.org"] and "24 hours" in message.body
    path = _link_path(message)

    assert "Choose your password" in client.get(path).text
    response = client.post(
        path, data={"new_password": "a-brand-new-one", "confirm": "a-brand-new-one"}
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("/dashboard/")
    assert client.get("/dashboard/").status_code == 200  # signed in
    auth.logout()
    assert auth.login(user, "the-old-password").status_code == 422
    assert auth.login(user, "a-brand-new-one").status_code == 303
    auth.logout()

    reused = client.post(path, data={"new_password": "another-try-1", "confirm": "another-try-1"})
    assert reused.status_code == 400 and "That link no longer works" in reused.text
    db.session.refresh(user)
    assert user.check_password("a-brand-new-one")


def test_does_a_bad_new_password_get_an_error_next_to_the_field(client):
    user = make_user()
    path = f"/auth/reset/{password_reset_token(user)}"
    response = client.post(path, data={"new_password": "short", "confirm": "short"})
    assert response.status_code == 422
    assert 'id="new_password-error"' in response.text
    assert user_for_reset_token(path.rsplit("/", 1)[1]) is not None  # still usable


@pytest.mark.parametrize("tamper", ["garbage", "flip", "expired"])
def test_is_a_forged_or_expired_link_refused(client, tamper):
    user = make_user()
    token = password_reset_token(user)
    if tamper == "garbage":
        token = "not-a-token"
    elif tamper == "flip":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    if tamper == "expired":
        assert user_for_reset_token(token, max_age=-1) is None
    else:
        assert user_for_reset_token(token) is None
        response = client.get(f"/auth/reset/{token}")
        assert response.status_code == 400 and "Send me a new link" in response.text


def test_is_an_old_link_dead_after_a_password_change(client, auth):
    user = make_user(password="first-password")
    token = password_reset_token(user)
    auth.login(user, "first-password")
    client.post(
        "/auth/password",
        data={
            "current_password": "first-password",
            "new_password": "second-pass!",
            "confirm": "second-pass!",
        },
    )
    assert user_for_reset_token(token) is None
