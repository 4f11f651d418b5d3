"""The admin page for company sign-in: settings in use, SCIM tokens made once and revoked."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models.enrollment import AuditEvent
from portal.models.identity import ScimToken
from portal.services.scim import users as scim
from tests.factories import make_admin, make_lead, make_program, make_user


@pytest.fixture
def app_config() -> dict:
    return {
        "HORIZON_OIDC_ISSUER": "https://login.acme.example.com",
        "HORIZON_OIDC_CLIENT_ID": "horizon",
        "HORIZON_OIDC_LABEL": "Acme",
        "HORIZON_SSO_DOMAINS": "acme.example.com",
        "HORIZON_SSO_ROLE_GROUPS": "admin=horizon-admins",
    }


def test_only_portal_admins_reach_the_page(client, auth):
    lead = make_lead(make_program())
    auth.login(lead.email)
    assert client.get("/admin/identity").status_code == 404
    assert client.post("/admin/identity/tokens", data={"name": "x"}).status_code == 404
    auth.logout()
    auth.login(make_user().email)
    assert client.get("/admin/identity").status_code == 404


def test_a_token_is_shown_once_then_only_its_prefix(client, auth):
    admin = make_admin()
    auth.login(admin.email)
    page = client.get("/admin/identity")
    assert page.status_code == 200 and "Sign in with Acme" in page.text
    assert "acme.example.com" in page.text and "horizon-admins" in page.text
    response = client.post("/admin/identity/tokens", data={"name": "Entra ID"})
    assert response.status_code == 303
    shown = client.get("/admin/identity").text
    [token] = re.findall(r"hzs_[A-Za-z0-9_-]{20,}", shown)
    again = client.get("/admin/identity").text
    assert token not in again and token[:10] in again
    row = db.session.scalar(select(ScimToken))
    assert row.created_by_id == admin.id and token not in (row.token_hash, row.prefix)
    assert scim.token_for(f"Bearer {token}").id == row.id


def test_a_name_is_required(client, auth):
    auth.login(make_admin().email)
    response = client.post("/admin/identity/tokens", data={"name": "  "})
    assert response.status_code == 422 and 'id="name-error"' in response.text
    assert db.session.scalar(select(ScimToken)) is None


def test_revoking_refuses_the_next_call_and_is_audited(client, auth):
    admin = make_admin()
    token, row = scim.create_token("Okta", created_by=admin)
    db.session.commit()
    auth.login(admin.email)
    response = client.post(f"/admin/identity/tokens/{row.id}/revoke")
    assert response.status_code == 303
    assert scim.token_for(f"Bearer {token}") is None
    assert (
        client.get("/scim/v2/Users", headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "scim.token_created" in actions and "scim.token_revoked" in actions
    assert client.post("/admin/identity/tokens/999999999999/revoke").status_code == 404
