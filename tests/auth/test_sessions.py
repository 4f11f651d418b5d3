"""Does signing out end the session on the server, here and everywhere?"""

from sqlalchemy import func, select

from portal.extensions import db
from portal.models.sessions import UserSession
from tests.factories import make_user


def _cookie(client) -> str:
    return client.get_cookie("horizon_session").value


def test_is_a_copied_session_cookie_dead_after_sign_out(app, client, auth):
    auth.login(make_user())
    stolen = _cookie(client)
    assert client.get("/dashboard/").status_code == 200
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("horizon_session", stolen)
    response = thief.get("/dashboard/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert db.session.scalar(select(func.count(UserSession.id))) == 0


def test_does_signing_out_on_one_device_keep_the_others(app, client, auth):
    user = make_user()
    auth.login(user)
    laptop = app.test_client()
    laptop.post("/auth/login", data={"email": user.email, "password": "correct horse battery"})
    auth.logout()
    assert laptop.get("/dashboard/").status_code == 200


def test_does_sign_out_everywhere_end_every_session(app, client, auth):
    user = make_user()
    other = make_user()
    devices = [app.test_client() for _ in range(3)]
    for device in devices:
        device.post("/auth/login", data={"email": user.email, "password": "correct horse battery"})
    auth.login(other)
    page = devices[0].get("/auth/password").text
    assert 'id="sign-out-everywhere"' in page and 'action="/auth/sessions/end-all"' in page
    response = devices[0].post("/auth/sessions/end-all")
    assert response.status_code == 303 and response.headers["Location"].endswith("/auth/login")
    for device in devices:
        assert device.get("/dashboard/").status_code == 302
    assert client.get("/dashboard/").status_code == 200  # someone else's session lives on
    assert "signed out everywhere (3 sessions)" in devices[0].get("/auth/login").text


def test_does_a_session_row_outlive_its_lifetime(app, client, auth):
    """Expired rows open nothing and the periodic clean-up removes them."""
    from datetime import timedelta

    from portal.services.accounts import delete_expired_sessions

    auth.login(make_user())
    db.session.execute(
        UserSession.__table__.update().values(
            created_at=UserSession.created_at - timedelta(hours=9)
        )
    )
    db.session.commit()
    assert client.get("/dashboard/").status_code == 302
    assert delete_expired_sessions() == 1
