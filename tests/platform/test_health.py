"""Does /readyz tell a load balancer when this instance cannot serve? (database, Redis)"""

from __future__ import annotations

import pytest

from tests.reminders.smtp import free_port


def test_is_a_healthy_instance_ready(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["checks"]["database"]["ok"] is True
    assert response.headers["X-Request-ID"]


@pytest.mark.parametrize("app_config", [{"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}])
def test_is_an_instance_without_redis_not_ready(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["redis"] == {"ok": False, "error": "ConnectionError"}
    assert response.json["checks"]["database"]["ok"] is True


def test_is_an_instance_without_its_database_not_ready(tmp_path):
    from portal import create_app

    port = free_port()
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://postgres@127.0.0.1:{port}/none",
            "TASKS_IMMEDIATE": True,
        }
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"]["ok"] is False
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["connect_timeout"] == 3


def test_does_healthz_stay_cheap_and_open(client):
    assert client.get("/healthz").status_code == 200
