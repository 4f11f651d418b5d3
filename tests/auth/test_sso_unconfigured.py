"""Without any HORIZON_OIDC_* / HORIZON_SAML_* setting (`make run`): no button, no SSO routes."""

from flask import current_app


def test_without_settings_no_button_and_every_sso_route_is_404(client):
    page = client.get("/auth/login")
    assert page.status_code == 200 and "Sign in with" not in page.text
    for path in (
        "/auth/oidc/start",
        "/auth/oidc/callback",
        "/auth/saml/metadata",
        "/auth/saml/login",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post("/auth/saml/acs").status_code == 404
    assert client.post("/auth/oidc/backchannel-logout").status_code == 404
    assert "horizon_oidc" not in current_app.extensions["horizon_oidc"]._clients
