"""Do errors get friendly pages, and does a failure leave nothing half-saved?"""

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import User
from tests.factories import make_user


def test_is_an_unknown_page_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "We could not find that page" in response.text
    assert "<html" in response.text


@pytest.fixture
def app_config():
    return {"PROPAGATE_EXCEPTIONS": False}


@pytest.mark.own_app  # adds a route
def test_does_a_crash_answer_500_and_roll_back(app, client):
    @app.get("/boom")
    def boom():
        db.session.add(User(email="half@example.org", name="Half", password_hash="x"))
        db.session.flush()
        raise RuntimeError("boom")

    response = client.get("/boom")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    assert db.session.scalar(select(func.count(User.id))) == 0


@pytest.mark.own_app  # adds a route
def test_is_a_forbidden_action_a_friendly_403(app, client):
    from flask import abort

    @app.get("/forbidden")
    def forbidden():
        abort(403)

    response = client.get("/forbidden")
    assert response.status_code == 403
    assert "You cannot do that" in response.text


def test_is_the_healthcheck_up(client):
    make_user()
    assert client.get("/healthz").get_json() == {"status": "ok"}
