"""Company sign-in settings in the app: the button, password enforcement, `make run` untouched.

No provider is contacted here: registering the provider fetches nothing until a sign-in.
"""

from __future__ import annotations

import re

import pytest
from flask import current_app
from sqlalchemy import select

from portal import create_app
from portal.extensions import db
from portal.models.enrollment import AuditEvent
from portal.services.accounts import password_reset_token
from portal.services.accounts.provisioning import password_refusal
from portal.services.accounts.settings import SsoSettings
from tests.factories import DEFAULT_PASSWORD, make_user

SSO = {
    "HORIZON_OIDC_ISSUER": "https://login.acme.example.com",
    "HORIZON_OIDC_CLIENT_ID": "horizon",
    "HORIZON_OIDC_CLIENT_SECRET": "s",
    "HORIZON_OIDC_LABEL": "Acme",
    "HORIZON_SSO_DOMAINS": "acme.example.com",
    "HORIZON_SSO_BREAK_GLASS": "root@acme.example.com",
}
REFUSAL = "Your company signs you in with Acme."


def settings(**changes) -> SsoSettings:
    values = {
        "base_url": "https://h",
        "oidc_issuer": "https://idp",
        "oidc_client_id": "c",
        "oidc_client_secret": "s",
        "oidc_label": "Acme",
        "domains": frozenset({"acme.example.com"}),
        "break_glass": frozenset({"root@acme.example.com"}),
    }
    return SsoSettings(**{**values, **changes})


@pytest.mark.pure
def test_enforced_domains_refuse_passwords_in_words():
    assert password_refusal("Ana@ACME.example.com ", settings()) == REFUSAL
    assert password_refusal("root@acme.example.com", settings()) is None  # break-glass
    assert password_refusal("x@gmail.com", settings()) is None
    assert password_refusal("a@acme.example.com", settings(oidc_issuer=None)) is None


@pytest.mark.pure
def test_settings_come_from_the_environment_by_name(monkeypatch, tmp_path):
    for name, value in SSO.items():
        monkeypatch.setenv(name, value)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})
    assert {name: app.config[name] for name in SSO} == SSO
    assert "horizon_oidc" in app.extensions["horizon_oidc"]._clients


@pytest.fixture
def app_config() -> dict:
    return SSO


def test_the_sign_in_page_offers_the_company_button(client):
    page = client.get("/auth/login?next=/profile/")
    assert "Sign in with Acme" in page.text
    assert 'href="/auth/oidc/start?next=/profile/"' in page.text


@pytest.mark.parametrize(
    ("url", "status"), [("/auth/login", 200), ("/auth/oidc/callback?code=x&state=forged", 403)]
)
def test_the_sign_in_and_refusal_pages_are_valid_and_say_why(client, url, status):
    from collections import Counter

    response = client.get(url)
    assert response.status_code == status
    page = response.text
    assert re.search(r'<meta name="description" content="[^"]{20,}">', page)
    assert [i for i, n in Counter(re.findall(r'\sid="([^"]+)"', page)).items() if n > 1] == []
    if status == 403:  # a forged or replayed callback: words, never a trace
        assert 'role="alert"' in page and "took too long" in page and "Traceback" not in page
        refused = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sso.refused"))
        assert refused.detail["reason"] == "expired" and "code" not in refused.detail


def test_password_sign_in_is_refused_for_the_company_domain_and_audited(client, auth):
    make_user(email="ana@acme.example.com", password=DEFAULT_PASSWORD)
    for email in ("ana@acme.example.com", "nobody@acme.example.com"):  # same answer
        response = auth.login(email)
        assert response.status_code == 422 and REFUSAL in response.text
    assert client.get("/dashboard/").status_code == 302
    refused = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "sso.password_refused")
    ).all()
    assert [e.detail["email"] for e in refused] == [
        "ana@acme.example.com",
        "nobody@acme.example.com",
    ]


def test_break_glass_admins_and_other_domains_keep_their_password(client, auth):
    make_user(email="root@acme.example.com", password=DEFAULT_PASSWORD, is_portal_admin=True)
    assert auth.login("root@acme.example.com").status_code == 303
    auth.logout()
    make_user(email="guest@example.org", password=DEFAULT_PASSWORD)
    assert auth.login("guest@example.org").status_code == 303


def test_forgotten_password_sends_nothing_for_the_company_domain(client):
    make_user(email="ana@acme.example.com")
    response = client.post(
        "/auth/forgot", data={"email": "ana@acme.example.com"}, follow_redirects=True
    )
    assert REFUSAL in response.text
    assert getattr(current_app.extensions["mailman"], "outbox", []) == []


def test_a_reset_link_sent_before_enforcement_no_longer_works(client):
    user = make_user(email="ana@acme.example.com")
    response = client.get(f"/auth/reset/{password_reset_token(user)}")
    assert response.status_code == 400 and "signs you in with Acme" in response.text


def test_a_deactivated_person_cannot_sign_in_with_a_password(client, auth):
    from portal.models import utcnow

    user = make_user(email="gone@example.org", password=DEFAULT_PASSWORD)
    user.deactivated_at = utcnow()
    db.session.commit()
    assert auth.login("gone@example.org").status_code == 422
    assert client.get(f"/auth/reset/{password_reset_token(user)}").status_code == 400


def test_used_one_time_ids_are_forgotten_once_expired():
    from datetime import timedelta

    from portal.models import utcnow
    from portal.models.identity import SeenAssertion
    from portal.services.accounts.provisioning import forget_expired_one_time_ids

    now = utcnow()
    db.session.add_all(
        [
            SeenAssertion(issuer="i", one_time_id="old", not_after=now - timedelta(minutes=1)),
            SeenAssertion(issuer="i", one_time_id="new", not_after=now + timedelta(minutes=5)),
        ]
    )
    db.session.commit()
    assert forget_expired_one_time_ids() == 1
    assert db.session.scalars(select(SeenAssertion.one_time_id)).all() == ["new"]
