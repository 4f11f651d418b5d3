"""Do the security defaults hold: headers, cookies, CSRF on every state change?"""

import re

import pytest

from tests.factories import make_user


def test_does_every_page_carry_the_security_headers(client):
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "HX-Request" in response.headers["Vary"]


def test_do_pages_avoid_inline_script_and_inline_style(client, auth):
    auth.login(make_user())
    html = client.get("/dashboard/").text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script> found"
    assert " style=" not in html and "<style" not in html


def test_is_the_session_cookie_httponly_and_lax(client, auth):
    auth.login(make_user())
    cookie = client.get_cookie("horizon_session")
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    assert not cookie.secure  # plain HTTP in this test


def test_is_the_session_cookie_secure_over_https(app, database_url):
    make_user(email="lena@example.org")
    client = app.test_client()
    response = client.post(
        "/auth/login",
        base_url="https://localhost",
        data={"email": "lena@example.org", "password": "correct horse battery"},
    )
    set_cookie = response.headers["Set-Cookie"]
    assert "Secure" in set_cookie and "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
    assert "Strict-Transport-Security" in response.headers


# Called without a cookie, so a form token means nothing there: the identity provider's
# back-channel logout (a signed logout token) and SAML's assertion consumer (a signed
# assertion), and /scim/v2 (a bearer token). tests/auth and tests/scim refuse them otherwise.
CSRF_EXEMPT = {"auth.oidc_backchannel_logout", "auth.saml_acs"}


def _post_rules(app):
    for rule in app.url_map.iter_rules():
        if "POST" in (rule.methods or set()) and rule.endpoint != "static":
            yield rule


def _sample_url(app, rule):
    values = {}
    for argument in rule.arguments:
        converter = rule._converters[argument].__class__.__name__
        values[argument] = 1 if "Integer" in converter else "sample"
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def test_does_every_post_route_reject_a_missing_csrf_token(app, client, auth):
    auth_user = make_user(is_portal_admin=True)
    # Sign in with a real token first, so that each refusal below is the token's doing.
    page = client.get("/auth/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post(
        "/auth/login",
        data={"email": auth_user.email, "password": "correct horse battery", "csrf_token": token},
    )
    assert client.get("/dashboard/").status_code == 200
    rules = list(_post_rules(app))
    assert len(rules) >= 4
    for rule in rules:
        if rule.endpoint in CSRF_EXEMPT or rule.endpoint.startswith("scim."):
            continue
        url = _sample_url(app, rule)
        response = client.post(url, data={"body": "x", "title": "x", "note": "x"})
        assert response.status_code == 400, f"{rule.rule} accepted a POST without a CSRF token"
        assert "security token" in response.text or "CSRF" in response.text


def test_is_a_csrf_token_in_the_htmx_header_accepted(client):
    user = make_user()
    page = client.get("/auth/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post(
        "/auth/login",
        data={"email": user.email, "password": "correct horse battery", "csrf_token": token},
    )
    html = client.get("/dashboard/").text
    header_token = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
    refused = client.post("/notifications/read", headers={"HX-Request": "true"})
    assert refused.status_code == 400
    accepted = client.post(
        "/notifications/read", headers={"HX-Request": "true", "X-CSRFToken": header_token}
    )
    assert accepted.status_code == 200
