"""OpenID Connect against a real provider (npm oidc-provider on Node) on a local port.

Code flow with PKCE, state and nonce; discovery; JIT accounts and linking; refusals in words;
group-to-role mapping; key rotation; wrong audience, expiry, nonce and tampered signatures;
back-channel logout. Horizon runs on a real port (`sso_server`), so these are `committed`.
"""

from __future__ import annotations

import re
import time
import uuid

import pytest
import requests
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Program, User
from portal.models.enrollment import AuditEvent
from portal.models.identity import IdentityLink
from portal.models.leads import ProgramLead
from portal.models.sessions import UserSession
from tests.factories import make_program
from tests.providers.fixtures import DOMAIN, op_login, signed_in


def new_sub() -> str:
    return f"u-{uuid.uuid4().hex[:10]}"


def person(op, **claims) -> tuple[str, str]:
    sub = new_sub()
    email = claims.pop("email", f"{sub}@{DOMAIN}")
    op.add_user(sub, email=email, email_verified=claims.pop("email_verified", True), **claims)
    return sub, email


def user_by_email(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def actions_of(user: User) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == user.id)))


def test_discovery_advertises_pkce_and_backchannel(op):
    meta = requests.get(f"{op.issuer}/.well-known/openid-configuration", timeout=5).json()
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["backchannel_logout_supported"] is True


def test_code_flow_creates_the_account_just_in_time(op, sso_server):
    sub, email = person(
        op,
        name="Ana Lopez",
        groups=["staff"],
        department="Finance",
        job_title="Analyst",
        location="Lisbon",
        zoneinfo="Europe/Lisbon",
    )
    http = requests.Session()
    r = op_login(op, sso_server, http, sub)
    assert r.status_code == 200 and r.url == sso_server("/dashboard/"), (r.url, r.text[:300])
    assert signed_in(sso_server, http)
    user = user_by_email(email)
    assert user.name == "Ana Lopez" and user.password_hash.startswith("!")
    assert user.directory == {"department": "Finance", "title": "Analyst", "location": "Lisbon"}
    assert user.timezone == "Europe/Lisbon"
    link = db.session.scalar(select(IdentityLink).where(IdentityLink.user_id == user.id))
    assert (link.issuer, link.subject, link.protocol) == (op.issuer, sub, "oidc")
    assert "sso.jit" in actions_of(user)
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    assert row.sso_issuer == op.issuer and row.sso_sid


def test_next_page_is_kept_through_the_provider(op, sso_server):
    sub, _ = person(op)
    r = op_login(op, sso_server, requests.Session(), sub, next_page="/profile/")
    assert r.url.startswith(sso_server("/profile"))
    sub, _ = person(op)
    r = op_login(op, sso_server, requests.Session(), sub, next_page="https://evil.example/")
    assert r.url == sso_server("/dashboard/")


def test_pkce_state_and_nonce_are_sent_and_pkce_is_required(op, sso_server):
    http = requests.Session()
    r = http.get(sso_server("/auth/oidc/start"), allow_redirects=False, timeout=5)
    assert r.status_code == 303
    location = r.headers["Location"]
    assert "code_challenge=" in location and "code_challenge_method=S256" in location
    assert "state=" in location and "nonce=" in location
    without_pkce = re.sub(r"&code_challenge(_method)?=[^&]*", "", location)
    r = http.get(without_pkce, allow_redirects=False, timeout=5)
    assert "error=invalid_request" in r.headers["Location"]
    # the provider's error comes back to our callback: refused in words, never a 500
    back = http.get(r.headers["Location"], timeout=5)
    assert back.status_code == 403 and 'role="alert"' in back.text


def test_links_the_existing_account_with_the_same_verified_address(op, sso_server):
    sub = new_sub()
    email = f"{sub}@{DOMAIN}"
    db.session.add(User(email=email, name="Existing Person", password_hash="x"))
    db.session.commit()
    op.add_user(sub, email=email, email_verified=True, name="Existing Person")
    assert op_login(op, sso_server, requests.Session(), sub).url == sso_server("/dashboard/")
    assert db.session.scalar(select(func.count()).where(User.email == email)) == 1
    assert "sso.link" in actions_of(user_by_email(email))


def test_an_unverified_address_is_refused_in_words_and_never_linked(op, sso_server):
    sub = new_sub()
    email = f"{sub}@{DOMAIN}"
    db.session.add(User(email=email, name="Victim", password_hash="x"))
    db.session.commit()
    op.add_user(sub, email=email, email_verified=False)
    r = op_login(op, sso_server, requests.Session(), sub)
    assert r.status_code == 403 and "not verified" in r.text
    assert db.session.scalar(select(func.count()).select_from(IdentityLink)) == 0
    refused = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sso.refused"))
    assert refused.detail["reason"] == "unverified_email"


def test_a_wrong_domain_is_refused_in_words(op, sso_server):
    sub, _ = person(op, email=f"{new_sub()}@elsewhere.example.org")
    r = op_login(op, sso_server, requests.Session(), sub)
    assert r.status_code == 403 and "elsewhere.example.org" in r.text
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_groups_grant_portal_admin_and_programme_lead_once(op, sso_server):
    program = make_program(slug="spring")
    db.session.commit()
    sub, email = person(op, groups=["horizon-admins", "spring-leads"])
    for _ in range(2):
        assert op_login(op, sso_server, requests.Session(), sub).status_code == 200
    user = user_by_email(email)
    assert user.is_portal_admin
    leads = db.session.scalars(select(ProgramLead).where(ProgramLead.user_id == user.id)).all()
    assert [lead.program_id for lead in leads] == [program.id]
    grants = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "sso.role_grant")
    ).all()
    assert len(grants) == 2  # admin once and lead once, not again at the second sign-in
    assert db.session.get(Program, program.id) is not None


def test_leaving_the_company_group_takes_back_only_what_the_group_granted(op, sso_server):
    program = make_program(slug="spring")
    by_hand = make_program(slug="autumn")
    db.session.commit()
    sub, email = person(op, groups=["horizon-admins", "spring-leads"])
    assert op_login(op, sso_server, requests.Session(), sub).status_code == 200
    user = user_by_email(email)
    db.session.add(ProgramLead(program_id=by_hand.id, user_id=user.id))  # assigned by hand
    db.session.commit()

    # The IdP still sends groups, but no longer these two: both group grants go.
    op.add_user(sub, email=email, email_verified=True, groups=["staff"])
    assert op_login(op, sso_server, requests.Session(), sub).status_code == 200
    user = user_by_email(email)
    assert not user.is_portal_admin and user.admin_group is None
    leads = db.session.scalars(select(ProgramLead.program_id).where(ProgramLead.user_id == user.id))
    assert list(leads) == [by_hand.id]
    revoked = db.session.scalars(
        select(AuditEvent.program_id).where(
            AuditEvent.actor_id == user.id, AuditEvent.action == "sso.role_revoke"
        )
    ).all()
    assert sorted(revoked, key=str) == sorted([None, program.id], key=str)

    # An answer without any group claim (Entra's overage) takes nothing back.
    op.add_user(sub, email=email, email_verified=True, groups=["horizon-admins"])
    assert op_login(op, sso_server, requests.Session(), sub).status_code == 200
    op.add_user(sub, email=email, email_verified=True)
    assert op_login(op, sso_server, requests.Session(), sub).status_code == 200
    assert user_by_email(email).is_portal_admin


def test_an_admin_made_by_hand_keeps_the_role_whatever_the_groups(op, sso_server):
    sub, email = person(op, groups=["staff"])
    assert op_login(op, sso_server, requests.Session(), sub).status_code == 200
    user = user_by_email(email)
    user.is_portal_admin = True
    db.session.commit()
    assert op_login(op, sso_server, requests.Session(), sub).status_code == 200
    assert user_by_email(email).is_portal_admin


def test_a_replayed_callback_is_refused(op, sso_server):
    sub, _ = person(op)
    http = requests.Session()
    r = op_login(op, sso_server, http, sub)
    callback = next(h.url for h in r.history if "/auth/oidc/callback?" in h.url)
    again = http.get(callback, timeout=5)
    assert again.status_code == 403 and "took too long" in again.text  # state used up
    assert requests.get(callback, timeout=5).status_code == 403  # another browser: no state


def test_key_rotation_at_the_provider(op, sso_server):
    sub, _ = person(op)
    assert op_login(op, sso_server, requests.Session(), sub).status_code == 200  # JWKS cached
    kids = op.control("rotate", drop_old=True)["kids"]
    assert len(kids) == 1
    r = op_login(op, sso_server, requests.Session(), sub)
    assert r.url == sso_server("/dashboard/"), r.text[:300]  # unknown kid: the JWKS refetched


def test_wrong_audience_expiry_nonce_and_tampering_are_refused(op, sso_server):
    from portal.services.accounts import oidc
    from portal.services.accounts.provisioning import SsoRefused
    from portal.services.accounts.settings import sso_settings

    with sso_server.app.test_request_context():
        settings = sso_settings()
        good = op.control("mint", claims={"sub": "x", "nonce": "n1"})["id_token"]
        assert oidc.validate_id_token(good, "n1", settings)["sub"] == "x"
        other = op.control("mint", claims={"sub": "x", "nonce": "n1"}, client_id="other-app")
        with pytest.raises(SsoRefused) as refused:
            oidc.validate_id_token(other["id_token"], "n1", settings)
        assert refused.value.reason == "invalid"
        expired = op.control(
            "mint", claims={"sub": "x", "nonce": "n1"}, expires_at=int(time.time()) - 3600
        )["id_token"]
        with pytest.raises(SsoRefused) as refused:
            oidc.validate_id_token(expired, "n1", settings)
        assert refused.value.reason == "expired"
        with pytest.raises(SsoRefused):
            oidc.validate_id_token(good, "another-nonce", settings)
        head, body, signature = good.split(".")
        forged = signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")
        with pytest.raises(SsoRefused):
            oidc.validate_id_token(f"{head}.{body}.{forged}", "n1", settings)


def test_backchannel_logout_ends_that_session(op, sso_server):
    sub, email = person(op)
    http = requests.Session()
    op_login(op, sso_server, http, sub)
    assert signed_in(sso_server, http)
    user = user_by_email(email)
    sid = db.session.scalar(select(UserSession.sso_sid).where(UserSession.user_id == user.id))
    assert op.control("backchannel", sub=sub, sid=sid) == {"ok": True}
    assert not signed_in(sso_server, http)
    assert "sso.backchannel_logout" in list(db.session.scalars(select(AuditEvent.action)))


def test_a_bad_logout_token_answers_400(sso_server):
    r = requests.post(
        sso_server("/auth/oidc/backchannel-logout"), data={"logout_token": "x.y.z"}, timeout=5
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    assert r.headers["Cache-Control"] == "no-store"


def test_logout_by_subject_ends_every_session_and_a_replay_is_refused(op, sso_server):
    sub, _ = person(op)
    phone, laptop = requests.Session(), requests.Session()
    op_login(op, sso_server, phone, sub)
    op_login(op, sso_server, laptop, sub)
    assert signed_in(sso_server, phone) and signed_in(sso_server, laptop)
    token = op.control("logout_token", sub=sub)["logout_token"]
    url = sso_server("/auth/oidc/backchannel-logout")
    assert requests.post(url, data={"logout_token": token}, timeout=5).status_code == 200
    assert not signed_in(sso_server, phone) and not signed_in(sso_server, laptop)
    again = requests.post(url, data={"logout_token": token}, timeout=5)
    assert again.status_code == 400 and again.json()["error_description"] == "replayed"


def test_signing_out_at_the_provider_ends_the_horizon_session(op, sso_server):
    sub, _ = person(op)
    http = requests.Session()
    op_login(op, sso_server, http, sub)
    page = http.get(f"{op.issuer}/session/end", params={"client_id": "horizon"}, timeout=5)
    xsrf = re.search(r'name="xsrf" value="([^"]+)"', page.text).group(1)
    http.post(f"{op.issuer}/session/end/confirm", data={"xsrf": xsrf, "logout": "yes"}, timeout=5)
    assert not signed_in(sso_server, http)


def _csrf(http: requests.Session, url: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', http.get(url, timeout=5).text).group(1)


def test_sign_out_and_sign_out_everywhere_end_sso_sessions(op, sso_server):
    sub, _ = person(op)
    phone, laptop = requests.Session(), requests.Session()
    op_login(op, sso_server, phone, sub)
    op_login(op, sso_server, laptop, sub)
    token = _csrf(phone, sso_server("/dashboard/"))
    phone.post(sso_server("/auth/logout"), data={"csrf_token": token}, timeout=5)
    assert not signed_in(sso_server, phone) and signed_in(sso_server, laptop)
    op_login(op, sso_server, phone, sub)
    token = _csrf(laptop, sso_server("/dashboard/"))
    laptop.post(sso_server("/auth/sessions/end-all"), data={"csrf_token": token}, timeout=5)
    assert not signed_in(sso_server, phone) and not signed_in(sso_server, laptop)
