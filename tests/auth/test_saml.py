"""SAML 2.0 against a real IdP (pysaml2's Server, signing with xmlsec1) over HTTP.

Signed assertions required; audience, recipient, expiry (bounded clock skew) and
InResponseTo checked; a replayed assertion refused; garbage answers 403, never 500.
"""

from __future__ import annotations

import base64
import html
import re
import uuid

import requests
from sqlalchemy import select

from portal.extensions import db
from portal.models import User
from portal.models.enrollment import AuditEvent
from portal.models.identity import IdentityLink
from tests.providers.fixtures import DOMAIN, signed_in

BINDING = "horizon_saml_binding"


def hidden(page: str) -> dict:
    return {m[0]: html.unescape(m[1]) for m in re.findall(r'name="(\w+)" value="([^"]*)"', page)}


def idp_answer(saml_idp, sso_server, http, login: str, next_page=None, **knobs) -> dict:
    """SP-initiated: /auth/saml/login -> the IdP's form -> a signed Response (not yet posted)."""
    params = {"next": next_page} if next_page else None
    r = http.get(sso_server("/auth/saml/login"), params=params, timeout=10)
    assert r.url.startswith(saml_idp.base + "/sso/redirect"), r.url
    r = http.post(
        f"{saml_idp.base}/sso/login", data={**hidden(r.text), "login": login, **knobs}, timeout=10
    )
    answer = hidden(r.text)
    assert answer["SAMLResponse"]
    return answer


def post_acs(sso_server, http, answer: dict) -> requests.Response:
    data = {"SAMLResponse": answer["SAMLResponse"], "RelayState": answer["RelayState"]}
    return http.post(sso_server("/auth/saml/acs"), data=data, timeout=10)


def person(saml_idp, domain=DOMAIN, **extra) -> str:
    email = f"s-{uuid.uuid4().hex[:8]}@{domain}"
    saml_idp.users[email] = {"email": email, "displayName": "Sam Person", **extra}
    return email


def test_sp_metadata(sso_server):
    r = requests.get(sso_server("/auth/saml/metadata"), timeout=5)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/samlmetadata")
    assert f'entityID="{sso_server("/auth/saml/metadata")}"' in r.text
    assert f'Location="{sso_server("/auth/saml/acs")}"' in r.text
    assert 'WantAssertionsSigned="true"' in r.text


def test_a_signed_assertion_signs_in_and_creates_the_account(saml_idp, sso_server):
    email = person(saml_idp, groups=["horizon-admins"], department="Legal")
    http = requests.Session()
    r = post_acs(sso_server, http, idp_answer(saml_idp, sso_server, http, email, "/profile/"))
    assert r.status_code == 200 and r.url.startswith(sso_server("/profile")), r.url
    assert signed_in(sso_server, http)
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.email == email))
    assert user.is_portal_admin and user.directory.get("department") == "Legal"
    link = db.session.scalar(select(IdentityLink).where(IdentityLink.user_id == user.id))
    assert link.protocol == "saml" and link.issuer == f"{saml_idp.base}/metadata"


def test_a_replayed_assertion_is_refused(saml_idp, sso_server):
    email = person(saml_idp)
    http = requests.Session()
    answer = idp_answer(saml_idp, sso_server, http, email)
    binding = http.cookies.get(BINDING)
    assert post_acs(sso_server, http, answer).status_code == 200
    assert http.cookies.get(BINDING) is None  # spent with the sign-in
    # Even from the browser that started it (its binding cookie put back), once is all.
    again_browser = requests.Session()
    again_browser.cookies.set(BINDING, binding, path="/auth/saml/")
    again = post_acs(sso_server, again_browser, answer)
    assert again.status_code == 403 and "already used" in again.text


def test_an_answer_started_in_another_browser_is_refused(saml_idp, sso_server):
    """Login CSRF: an attacker starts a sign-in as themself and makes the victim's browser
    post the answer; the victim must not end up signed in to the attacker's account."""
    attacker_email = person(saml_idp)
    attacker = requests.Session()
    answer = idp_answer(saml_idp, sso_server, attacker, attacker_email)
    victim = requests.Session()
    refused = post_acs(sso_server, victim, answer)
    assert refused.status_code == 403 and "started in another browser" in refused.text
    assert not signed_in(sso_server, victim)
    # A victim in the middle of their own sign-in holds a binding, but not this one.
    idp_answer(saml_idp, sso_server, victim, person(saml_idp))
    assert victim.cookies.get(BINDING)
    refused = post_acs(sso_server, victim, answer)
    assert refused.status_code == 403 and not signed_in(sso_server, victim)
    db.session.expire_all()
    assert db.session.scalar(select(User).where(User.email == attacker_email)) is None
    # The attacker's own browser still completes its sign-in.
    assert post_acs(sso_server, attacker, answer).status_code == 200


def test_a_wrong_audience_is_refused(saml_idp, sso_server):
    email = person(saml_idp)
    http = requests.Session()
    answer = idp_answer(saml_idp, sso_server, http, email, audience="https://other-sp.example/")
    r = post_acs(sso_server, http, answer)
    assert r.status_code == 403 and "could not be checked" in r.text


def test_an_expired_assertion_is_refused_in_words(saml_idp, sso_server):
    email = person(saml_idp)
    http = requests.Session()
    r = post_acs(sso_server, http, idp_answer(saml_idp, sso_server, http, email, expired="1"))
    assert r.status_code == 403 and "expired" in r.text


def test_an_unsigned_assertion_is_refused(saml_idp, sso_server):
    email = person(saml_idp)
    http = requests.Session()
    answer = idp_answer(saml_idp, sso_server, http, email, sign_assertion="0")
    assert post_acs(sso_server, http, answer).status_code == 403


def test_a_tampered_assertion_is_refused(saml_idp, sso_server):
    email = person(saml_idp)
    http = requests.Session()
    answer = idp_answer(saml_idp, sso_server, http, email)
    xml = base64.b64decode(answer["SAMLResponse"]).decode()
    forged = xml.replace(email, f"ceo@{DOMAIN}")
    r = post_acs(sso_server, http, {**answer, "SAMLResponse": base64.b64encode(forged.encode())})
    assert r.status_code == 403
    assert db.session.scalar(select(User).where(User.email == f"ceo@{DOMAIN}")) is None


def test_unsolicited_or_garbage_posts_answer_403_not_500(sso_server):
    url = sso_server("/auth/saml/acs")
    for data in ({"SAMLResponse": "bm90IHhtbA==", "RelayState": "x"}, {}, {"RelayState": "\x00"}):
        assert requests.post(url, data=data, timeout=5).status_code in (400, 403)


def test_a_wrong_domain_is_refused_and_audited(saml_idp, sso_server):
    email = person(saml_idp, domain="elsewhere.example.org")
    http = requests.Session()
    r = post_acs(sso_server, http, idp_answer(saml_idp, sso_server, http, email))
    assert r.status_code == 403 and "elsewhere.example.org" in r.text
    refused = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "sso.refused"))
    assert [e.detail["email"] for e in refused] == [email]


def test_over_https_the_binding_cookie_crosses_sites_and_stays_secret(sso_server):
    """The IdP posts back cross-site, so over HTTPS the binding is SameSite=None (and Secure);
    over plain HTTP (a local IdP on the same site) it stays SameSite=Lax."""
    client = sso_server.app.test_client()
    over_https = client.get("/auth/saml/login", base_url="https://127.0.0.1")
    cookie = next(c for c in over_https.headers.getlist("Set-Cookie") if c.startswith(BINDING))
    assert "Secure" in cookie and "SameSite=None" in cookie and "HttpOnly" in cookie
    assert "Path=/auth/saml/" in cookie and "Max-Age=600" in cookie
    over_http = client.get("/auth/saml/login", base_url="http://127.0.0.1")
    cookie = next(c for c in over_http.headers.getlist("Set-Cookie") if c.startswith(BINDING))
    assert "Secure" not in cookie and "SameSite=Lax" in cookie
