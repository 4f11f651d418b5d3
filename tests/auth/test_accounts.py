"""Can people register, sign in, sign out and change their password, safely?"""

import re

import pytest
from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.models import User
from tests.factories import DEFAULT_PASSWORD, make_user


def _outbox() -> list:
    return getattr(current_app.extensions["mailman"], "outbox", [])


def _register(client, email: str, next_page: str = ""):
    return client.post(
        f"/auth/register{next_page}",
        data={
            "name": "Ada Lovelace",
            "email": email,
            "timezone": "Europe/London",
            "password": "analytical-engine",
            "confirm": "analytical-engine",
        },
    )


def _link(message) -> str:
    return message.body.split("http://localhost", 1)[1].split()[0]


def test_can_a_person_register_confirm_and_land_on_their_dashboard(client):
    response = _register(client, "Ada@Example.ORG")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/auth/register/sent")
    # Nothing exists until the owner of the address follows the link.
    assert db.session.scalar(select(User).where(User.email == "ada@example.org")) is None
    [message] = _outbox()
    assert message.to == ["ada@example.org"] and message.subject == "Confirm your Horizon account"
    response = client.get(_link(message))
    assert response.status_code == 303 and response.headers["Location"].endswith("/dashboard/")
    user = db.session.scalar(select(User).where(User.email == "ada@example.org"))
    assert user is not None and user.timezone == "Europe/London"
    assert user.password_hash.startswith("$argon2id$")
    assert "analytical-engine" not in user.password_hash
    assert "analytical-engine" not in message.body
    assert "Welcome to Horizon, Ada" in client.get("/dashboard/").text
    client.post("/auth/logout")
    assert client.get(_link(message)).status_code == 400  # the link works once
    assert db.session.scalar(select(db.func.count(User.id))) == 1


def test_does_registration_answer_the_same_for_a_taken_address(client):
    """No account enumeration: same page, and the owner is told by e-mail."""
    owner = make_user(email="taken@example.org")
    fresh = _register(client, "new@example.org")
    taken = _register(client, "TAKEN@example.org")
    assert (taken.status_code, taken.headers["Location"]) == (
        fresh.status_code,
        fresh.headers["Location"],
    )
    assert client.get(taken.headers["Location"]).text == client.get(fresh.headers["Location"]).text
    note = next(m for m in _outbox() if m.to == ["taken@example.org"])
    assert note.subject == "You already have a Horizon account"
    assert "/auth/forgot" in note.body
    db.session.refresh(owner)
    assert owner.name != "Ada Lovelace" and owner.check_password(DEFAULT_PASSWORD)
    assert db.session.scalar(select(db.func.count(User.id))) == 1
    # Signing in with the password just "registered" fails for both addresses alike.
    for email in ("taken@example.org", "new@example.org"):
        response = client.post(
            "/auth/login", data={"email": email, "password": "analytical-engine"}
        )
        assert response.status_code == 422


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("password", "short", "at least 10 characters"),
        ("confirm", "something-different", "The passwords differ."),
        ("email", "not-an-email", "does not look like an e-mail"),
        ("name", "", "Tell us your name."),
    ],
)
def test_does_registration_explain_bad_input_next_to_the_field(client, field, value, message):
    data = {
        "name": "Grace Hopper",
        "email": "grace@example.org",
        "timezone": "UTC",
        "password": "compilers-rock",
        "confirm": "compilers-rock",
    }
    data[field] = value
    response = client.post("/auth/register", data=data)
    assert response.status_code == 422
    assert message in response.text
    assert f'id="{field}-error"' in response.text
    assert db.session.scalar(select(db.func.count(User.id))) == 0


def test_can_a_person_sign_in_and_out(client, auth):
    user = make_user(email="lena@example.org")
    response = auth.login("LENA@example.org")
    assert response.status_code == 303
    assert client.get("/dashboard/").status_code == 200
    db.session.refresh(user)
    assert user.last_login_at is not None
    assert auth.logout().status_code == 303
    assert client.get("/dashboard/").status_code == 302


def test_is_logging_out_a_post_only(client, auth):
    make_user(email="lena@example.org")
    auth.login("lena@example.org")
    assert client.get("/auth/logout").status_code == 405
    assert client.get("/dashboard/").status_code == 200


@pytest.mark.parametrize(
    ("email", "password"),
    [("nobody@example.org", DEFAULT_PASSWORD), ("lena@example.org", "wrong password!")],
    ids=["unknown-email", "wrong-password"],
)
def test_does_a_failed_login_say_the_same_for_email_and_password(client, auth, email, password):
    make_user(email="lena@example.org")
    response = auth.login(email, password)
    assert response.status_code == 422
    assert "That e-mail and password do not match an account." in response.text
    assert f'value="{email}"' in response.text
    assert client.get("/dashboard/").status_code == 302


def test_does_login_follow_only_local_next_urls(client):
    make_user(email="lena@example.org")
    response = client.post(
        "/auth/login?next=https://evil.example/steal",
        data={"email": "lena@example.org", "password": DEFAULT_PASSWORD},
    )
    assert response.headers["Location"].endswith("/dashboard/")
    client.post("/auth/logout")
    response = client.post(
        "/auth/login?next=/notifications/",
        data={"email": "lena@example.org", "password": DEFAULT_PASSWORD},
    )
    assert response.headers["Location"] == "/notifications/"


def test_does_changing_the_password_sign_out_other_sessions(app, client, auth):
    user = make_user(email="lena@example.org", password="first-password")
    other_device = app.test_client()
    other_device.post(
        "/auth/login", data={"email": "lena@example.org", "password": "first-password"}
    )
    assert other_device.get("/dashboard/").status_code == 200

    auth.login(user, "first-password")
    response = client.post(
        "/auth/password",
        data={
            "current_password": "first-password",
            "new_password": "second-password",
            "confirm": "second-password",
        },
    )
    assert response.status_code == 303
    assert client.get("/dashboard/").status_code == 200  # this session stays
    assert other_device.get("/dashboard/").status_code == 302  # the other one ended
    auth.logout()
    assert auth.login(user, "first-password").status_code == 422
    assert auth.login(user, "second-password").status_code == 303


def test_does_a_wrong_current_password_leave_the_password_alone(client, auth):
    user = make_user(email="lena@example.org", password="first-password")
    auth.login(user, "first-password")
    response = client.post(
        "/auth/password",
        data={"current_password": "nope", "new_password": "x" * 12, "confirm": "x" * 12},
    )
    assert response.status_code == 422
    assert "That is not your current password." in response.text
    db.session.refresh(user)
    assert user.check_password("first-password")


def test_does_the_session_expire(client, auth, app):
    user = make_user()
    auth.login(user)
    cookie = client.get_cookie("horizon_session")
    assert cookie is not None and cookie.expires is not None
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    assert 0 < lifetime <= 12 * 3600
    set_cookie = client.get("/dashboard/").headers.get("Set-Cookie", "")
    assert set_cookie == "" or re.search(r"Expires=", set_cookie)


def test_is_an_expired_session_refused(app, client, auth):
    """A session older than its lifetime is no longer accepted."""
    from datetime import timedelta

    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=-1)
    user = make_user()
    auth.login(user)
    assert client.get("/dashboard/").status_code == 302


def test_does_registration_return_to_the_page_that_asked(client):
    _register(client, "new@example.org", next_page="?next=/programs/spring-2027/apply")
    [message] = _outbox()
    response = client.get(_link(message))
    assert response.headers["Location"] == "/programs/spring-2027/apply"
    client.post("/auth/logout")
    login_page = client.get("/auth/login?next=/programs/x").text
    assert "/auth/register?next=/programs/x" in login_page


def test_does_production_hash_with_rfc_9106_parameters(database_url):
    """The test suite hashes cheaply; a real deployment must not."""
    from portal import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x"})
    with app.app_context():
        user = User(email="x@example.org", name="X")
        user.set_password("a-real-passphrase")
        assert user.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
        assert user.check_password("a-real-passphrase")
        db.engine.dispose()


def test_does_a_request_after_sign_in_leave_the_session_cookie_alone(client, auth):
    """Polls must not re-set the cookie: the lifetime counts from sign-in."""
    auth.login(make_user())
    client.get("/dashboard/")  # the first page stores the CSRF token in the session
    response = client.get("/notifications/badge")
    assert "horizon_session" not in response.headers.get("Set-Cookie", "")
