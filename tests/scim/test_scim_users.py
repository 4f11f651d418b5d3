"""SCIM Users as Horizon uses them: tokens, filters, ETags, errors, and every deactivation path.

Deactivation (active=false by PATCH or PUT, or DELETE) ends the person's sessions at once,
refuses their next sign-in in words, takes them out of programme queues and matching, ends
their pairings and tells each partner in words that never say why.
"""

from __future__ import annotations

import uuid

import pytest
import requests
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Membership, MembershipStatus, Pairing, PairingStatus, Role, User
from portal.models.enrollment import AuditEvent
from portal.models.identity import ScimToken
from portal.models.notifications import Notification
from portal.models.outbox import OutboxMessage
from portal.models.sessions import UserSession
from tests.factories import make_membership, make_pairing, make_program, make_user
from tests.providers.fixtures import DOMAIN, op_login, signed_in

SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def address() -> str:
    return f"p-{uuid.uuid4().hex[:8]}@{DOMAIN}"


def provision(scim, email: str, name: str = "Pat Doe") -> dict:
    r = scim(
        "POST",
        "/Users",
        json={
            "schemas": [USER_SCHEMA],
            "userName": email,
            "emails": [{"value": email, "primary": True}],
            "displayName": name,
            "active": True,
        },
    )
    assert r.status_code == 201, r.text
    return r.json()


def fresh(model, **where):
    db.session.expire_all()
    return db.session.scalar(select(model).filter_by(**where))


def test_the_token_is_stored_hashed_and_printed_once(scim_token):
    assert scim_token.startswith("hzs_")
    rows = db.session.scalars(select(ScimToken)).all()
    assert rows and all(scim_token not in (r.token_hash, r.prefix) for r in rows)
    assert "scim.token_created" in db.session.scalars(select(AuditEvent.action)).all()


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic abc", "Bearer hzs_wrong"])
def test_bad_tokens_answer_401_with_a_scim_error(sso_server, header):
    headers = {"Authorization": header} if header else {}
    r = requests.get(sso_server("/scim/v2/Users"), headers=headers, timeout=5)
    assert r.status_code == 401 and SCIM_ERROR in r.json()["schemas"]


def test_a_revoked_token_is_refused(sso_server, scim, scim_token):
    assert scim("GET", "/Users").status_code == 200
    token_id = db.session.scalar(select(ScimToken.id))
    result = sso_server.app.test_cli_runner().invoke(args=["scim", "revoke-token", str(token_id)])
    assert result.exit_code == 0, result.output
    assert scim("GET", "/Users").status_code == 401


@pytest.mark.parametrize(
    "body",
    ["not json", "[]", '{"userName": 5}', '{"schemas": ["x"]}', "{}", '{"userName": "a\\u0000b"}'],
)
def test_malformed_bodies_answer_4xx_with_a_scim_error(scim, body):
    r = scim("POST", "/Users", data=body)
    assert 400 <= r.status_code < 500, r.text
    assert SCIM_ERROR in r.json()["schemas"]


def test_unknown_paths_and_huge_ids_answer_scim_404s(scim):
    for path in ("/Nope", "/Users/" + "9" * 400, "/Users/not-a-uuid"):
        r = scim("GET", path)
        assert r.status_code == 404 and SCIM_ERROR in r.json()["schemas"], path


def test_filter_username_eq_is_case_insensitive_and_other_filters_are_refused(scim):
    email = address()
    provision(scim, email)
    r = scim("GET", "/Users", params={"filter": f'userName eq "{email.upper()}"'})
    assert r.json()["totalResults"] == 1
    r = scim("GET", "/Users", params={"filter": 'name.familyName co "x"'})
    assert r.status_code == 400 and r.json()["scimType"] == "invalidFilter"


def test_paging(scim):
    for _ in range(3):
        provision(scim, address())
    r = scim("GET", "/Users", params={"startIndex": 2, "count": 1}).json()
    assert (r["totalResults"], r["startIndex"], r["itemsPerPage"]) == (3, 2, 1)


def test_an_etag_mismatch_answers_412(scim):
    user = provision(scim, address())
    r = scim("PUT", f"/Users/{user['id']}", json=user, headers={"If-Match": 'W/"999"'})
    assert r.status_code == 412


def test_provisioning_creates_the_account_and_links_an_existing_one(scim):
    email = address()
    provision(scim, email, name="New Person")
    person = fresh(User, email=email)
    assert person.name == "New Person" and person.password_hash.startswith("!")
    existing = make_user(email=address(), name="Already Here")
    provision(scim, existing.email)
    assert db.session.scalar(select(func.count()).where(User.email == existing.email)) == 1


def test_every_call_is_audited(scim):
    count = select(func.count()).where(AuditEvent.action == "scim.call")
    before = db.session.scalar(count)
    scim("GET", "/Users")
    assert db.session.scalar(count) == before + 1


def _deactivate(scim, user: dict, how: str) -> requests.Response:
    if how == "patch":
        body = {
            "schemas": [PATCH_SCHEMA],
            "Operations": [{"op": "replace", "path": "active", "value": False}],
        }
        return scim("PATCH", f"/Users/{user['id']}", json=body)
    if how == "entra":  # Entra ID sends "Replace" and the string "False"
        body = {
            "schemas": [PATCH_SCHEMA],
            "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
        }
        return scim("PATCH", f"/Users/{user['id']}", json=body)
    if how == "put":
        return scim("PUT", f"/Users/{user['id']}", json={**user, "active": False})
    return scim("DELETE", f"/Users/{user['id']}")


@pytest.mark.parametrize("how", ["patch", "entra", "put", "delete"])
def test_deactivation_ends_sessions_queues_and_pairings_and_tells_the_partner(
    op, sso_server, scim, how
):
    email = address()
    user = provision(scim, email, name="Leaving Person")
    person = fresh(User, email=email)
    partner = make_user(name="Partner Person")
    pairing = make_pairing(mentor=partner, mentee=person)
    waiting = make_membership(
        user=person, program=make_program(), role=Role.mentee, status=MembershipStatus.applied
    )
    sub = f"d-{uuid.uuid4().hex[:8]}"
    op.add_user(sub, email=email, email_verified=True)
    http = requests.Session()
    op_login(op, sso_server, http, sub)  # links to the provisioned account
    assert signed_in(sso_server, http)

    r = _deactivate(scim, user, how)
    assert r.status_code in (200, 204), r.text

    assert not signed_in(sso_server, http)  # at once
    person = fresh(User, email=email)
    assert person.deactivated_at is not None
    assert db.session.scalar(select(func.count()).where(UserSession.user_id == person.id)) == 0
    assert fresh(Membership, id=waiting.id).status is MembershipStatus.withdrawn
    assert fresh(Pairing, id=pairing.id).status is PairingStatus.ended
    notice = db.session.scalar(select(Notification).where(Notification.user_id == partner.id))
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.subject.contains("ended")))
    assert notice is not None and mail is not None and mail.to == [partner.email]
    assert "Leaving is no longer taking part" in mail.body
    for words in (notice.message, mail.body):  # never why
        assert "left the organisation" not in words and "directory" not in words.lower()
    assert op_login(op, sso_server, requests.Session(), sub).status_code == 403  # in words:
    r = op_login(op, sso_server, requests.Session(), sub)
    assert "switched off" in r.text
    # a password does not open it either
    assert not signed_in(sso_server, http)


def test_reactivation_lets_the_person_sign_in_again(op, sso_server, scim):
    email = address()
    user = provision(scim, email)
    sub = f"r-{uuid.uuid4().hex[:8]}"
    op.add_user(sub, email=email, email_verified=True)
    _deactivate(scim, user, "patch")
    assert op_login(op, sso_server, requests.Session(), sub).status_code == 403
    body = {"schemas": [PATCH_SCHEMA], "Operations": [{"op": "replace", "value": {"active": True}}]}
    assert scim("PATCH", f"/Users/{user['id']}", json=body).status_code == 200
    http = requests.Session()
    op_login(op, sso_server, http, sub)
    assert signed_in(sso_server, http)
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "scim.deactivated" in actions and "scim.reactivated" in actions
