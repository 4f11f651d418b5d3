"""Can people register, sign in, sign out and change their password, safely?"""

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import User
from tests.factories import DEFAULT_PASSWORD, make_user


def test_can_a_person_register_and_land_on_their_dashboard(client):
    response = client.post(
        "/auth/register",
        data={
            "name": "Ada Lovelace",
            "email": "Ada@Example.ORG",
            "timezone": "Europe/London",
            "password": "analytical-engine",
            "confirm": "analytical-engine",
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/dashboard/")
    user = db.session.scalar(select(User).where(User.email == "ada@example.org"))
    assert user is not None and user.timezone == "Europe/London"
    assert user.password_hash.startswith("$argon2id$")
    assert "analytical-engine" not in user.password_hash
    assert "Welcome to Horizon, Ada" in client.get("/dashboard/").text


def test_does_registration_keep_the_text_and_explain_a_taken_email(client):
    make_user(email="taken@example.org")
    response = client.post(
        "/auth/register",
        data={
            "name": "Someone Else",
            "email": "TAKEN@example.org",
            "timezone": "UTC",
            "password": "long-enough-pass",
            "confirm": "long-enough-pass",
        },
    )
    assert response.status_code == 422
    assert "already exists" in response.text
    assert 'value="Someone Else"' in response.text
    assert db.session.scalar(select(db.func.count(User.id))) == 1


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
    response = client.post(
        "/auth/register?next=/programs/spring-2027/apply",
        data={
            "name": "New Applicant",
            "email": "new@example.org",
            "timezone": "UTC",
            "password": "a-long-password",
            "confirm": "a-long-password",
        },
    )
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
