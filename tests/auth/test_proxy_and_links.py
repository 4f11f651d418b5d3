"""Are forwarded headers trusted only when configured, and e-mail links never poisoned?"""

from pathlib import Path

import pytest
from flask import current_app, request

from tests.factories import make_user

FORGED = {
    "Host": "evil.example",
    "X-Forwarded-Host": "evil.example",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-For": "10.66.66.66",
}


def _seen(app) -> dict:
    @app.get("/_test/seen")
    def seen():
        return {"addr": request.remote_addr, "scheme": request.scheme, "host": request.host}

    return app.test_client().get("/_test/seen", headers=FORGED).get_json()


@pytest.mark.own_app  # adds a route
@pytest.mark.parametrize("app_config", [{"SERVER_NAME": None}])
def test_are_forwarded_headers_ignored_by_default(app):
    seen = _seen(app)
    assert seen["addr"] == "127.0.0.1"
    assert seen["scheme"] == "http"


@pytest.mark.own_app  # adds a route
@pytest.mark.parametrize("app_config", [{"SERVER_NAME": None, "TRUSTED_PROXIES": 1}])
def test_are_forwarded_headers_believed_behind_a_configured_proxy(app):
    seen = _seen(app)
    assert seen == {"addr": "10.66.66.66", "scheme": "https", "host": "evil.example"}


def test_does_the_wsgi_entry_point_trust_no_proxy_without_configuration():
    source = Path("wsgi.py").read_text()
    assert "ProxyFix" not in source.split('"""')[-1]


@pytest.mark.parametrize(
    "app_config",
    [
        {"SERVER_NAME": None, "BASE_URL": "https://horizon.example.org"},
        {"SERVER_NAME": None, "BASE_URL": "https://horizon.example.org", "TRUSTED_PROXIES": 1},
    ],
)
def test_is_the_password_link_built_from_the_configured_address(app, client):
    make_user(email="lena@example.org")
    response = client.post("/auth/forgot", data={"email": "lena@example.org"}, headers=FORGED)
    assert response.status_code == 303
    [message] = current_app.extensions["mailman"].outbox
    assert "https://horizon.example.org/auth/reset/" in message.body
    assert "evil.example" not in message.body
