"""SAML 2.0 service provider (python3-saml 1.16 on xmlsec 1.3.17 / libxmlsec1 1.2.37).

- SP entityID = <HORIZON_BASE_URL>/auth/saml/metadata, ACS = <HORIZON_BASE_URL>/auth/saml/acs
  (HTTP-POST).
- Signed assertions required (wantAssertionsSigned); strict mode checks Audience,
  Recipient/Destination, NotBefore/NotOnOrAfter (clock drift = HORIZON_SSO_CLOCK_SKEW),
  InResponseTo.
- The AuthnRequest ID travels in a signed RelayState (itsdangerous, 10 minutes), not in the cookie:
  the ACS POST comes cross-site from the IdP, so the SameSite=Lax session cookie is not sent with
  it.
- Replay: the assertion ID is inserted into sso_seen_ids (unique (issuer, one_time_id)); a second
  POST of the same response fails on the constraint.
- IdP-initiated (unsolicited) responses are refused.
- The RelayState is bound to the browser that started the sign-in: it carries the hash of a
  random value that only that browser holds in a short cookie (SameSite=None over HTTPS, so the
  IdP's cross-site POST carries it). A response fetched by someone else and posted from a
  victim's browser (login CSRF: signing the victim into the attacker's account) is refused.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
from onelogin.saml2.settings import OneLogin_Saml2_Settings
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import utcnow
from portal.models.identity import SeenAssertion
from portal.services.accounts.provisioning import Identity, refuse
from portal.services.accounts.settings import SsoSettings

RELAY_MAX_AGE = 600
EMAIL_ATTRIBUTES = (
    "email",
    "mail",
    "emailaddress",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",  # Entra ID
    "urn:oid:0.9.2342.19200300.100.1.3",
)
NAME_ATTRIBUTES = (
    "displayName",
    "name",
    "http://schemas.microsoft.com/identity/claims/displayname",
    "urn:oid:2.16.840.1.113730.3.1.241",
)
GROUP_ATTRIBUTES = (
    "groups",
    "memberOf",
    "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
)


@functools.lru_cache(maxsize=4)
def _idp_from_metadata(source: str, stamp: float) -> dict:
    """IdP settings from its metadata (file path or URL); cached per file modification time."""
    if source.startswith(("https://", "http://")):
        return OneLogin_Saml2_IdPMetadataParser.parse_remote(source, timeout=10)
    with open(source, encoding="utf-8") as fh:
        return OneLogin_Saml2_IdPMetadataParser.parse(fh.read())


def _idp(settings: SsoSettings) -> dict:
    source = settings.saml_idp_metadata
    stamp = (
        os.path.getmtime(source) if os.path.exists(source) else int(utcnow().timestamp() // 3600)
    )
    return _idp_from_metadata(source, stamp)


def _saml_settings(settings: SsoSettings) -> OneLogin_Saml2_Settings:
    OneLogin_Saml2_Constants.ALLOWED_CLOCK_DRIFT = settings.clock_skew  # process-wide constant
    c = current_app.config
    sp = {
        "entityId": settings.base_url + "/auth/saml/metadata",
        "assertionConsumerService": {
            "url": settings.base_url + "/auth/saml/acs",
            "binding": OneLogin_Saml2_Constants.BINDING_HTTP_POST,
        },
        "NameIDFormat": OneLogin_Saml2_Constants.NAMEID_EMAIL_ADDRESS,
        "x509cert": _read(c.get("HORIZON_SAML_SP_CERT")),
        "privateKey": _read(c.get("HORIZON_SAML_SP_KEY")),
    }
    data = {
        "strict": True,
        "debug": False,
        "sp": sp,
        **_idp(settings),  # {"idp": {...}} (+ "sp": NameIDFormat when the metadata names one)
        "security": {
            "wantAssertionsSigned": True,
            "wantMessagesSigned": False,  # Entra signs the assertion by default, not the response
            "authnRequestsSigned": bool(sp["privateKey"]),
            "wantNameId": True,
            "requestedAuthnContext": False,  # else Entra/Okta MFA contexts are refused
            "rejectDeprecatedAlgorithm": True,  # no SHA-1
            "wantAttributeStatement": False,
        },
    }
    data["sp"] = {**data.get("sp", {}), **sp}
    return OneLogin_Saml2_Settings(data, sp_validation_only=False)


def _read(path: str | None) -> str:
    if not path:
        return ""
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def request_data(host_url: str, path: str, args: dict, form: dict) -> dict:
    """python3-saml's view of a request (the blueprint passes its parts), with scheme and host
    from HORIZON_BASE_URL, not from proxy headers."""
    base = urlsplit(current_app.config.get("BASE_URL") or host_url)
    return {
        "https": "on" if base.scheme == "https" else "off",
        "http_host": base.netloc,  # host[:port], as python3-saml now wants it
        "script_name": path,
        "get_data": args,
        "post_data": form,
    }


def sp_metadata(settings: SsoSettings) -> str:
    s = _saml_settings(settings)
    metadata = s.get_sp_metadata()
    errors = s.validate_metadata(metadata)
    if errors:
        raise RuntimeError(f"SP metadata invalid: {errors}")
    return metadata.decode() if isinstance(metadata, bytes) else metadata


def _relay_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="horizon-saml-relay")


def _binding_hash(binding: str) -> str:
    return hashlib.sha256(binding.encode()).hexdigest()


def login_url(settings: SsoSettings, req: dict, binding: str, next_page: str | None = None) -> str:
    """The IdP's sign-in address; ``binding`` is the random value the starting browser keeps."""
    auth = OneLogin_Saml2_Auth(req, _saml_settings(settings))
    # login() builds the AuthnRequest first; its ID is known only afterwards, so build it ourselves:
    from onelogin.saml2.authn_request import OneLogin_Saml2_Authn_Request

    authn = OneLogin_Saml2_Authn_Request(auth.get_settings())
    relay = _relay_serializer().dumps(
        {"rid": authn.get_id(), "next": next_page, "bind": _binding_hash(binding)}
    )
    return _redirect_for(auth, authn, relay)


def _redirect_for(auth: OneLogin_Saml2_Auth, authn, relay: str) -> str:
    from onelogin.saml2.utils import OneLogin_Saml2_Utils

    parameters = {"SAMLRequest": authn.get_request(), "RelayState": relay}
    if auth.get_settings().get_security_data().get("authnRequestsSigned"):
        sig_alg = auth.get_settings().get_security_data().get("signatureAlgorithm")
        auth.add_request_signature(parameters, sig_alg)
    return OneLogin_Saml2_Utils.redirect(auth.get_sso_url(), parameters, True)


def process_response(
    settings: SsoSettings, req: dict, binding: str | None
) -> tuple[Identity, str | None]:
    """The verified identity of a posted response, and the page to go to afterwards.

    ``binding`` is the value of the browser's binding cookie (None when it has none)."""
    try:
        relay = _relay_serializer().loads(
            req["post_data"].get("RelayState", ""), max_age=RELAY_MAX_AGE
        )
        request_id = relay["rid"]
        bound_to = str(relay["bind"])
    except (BadSignature, KeyError, TypeError, AttributeError):
        raise refuse("expired") from None  # unsolicited, or the sign-in took over 10 minutes
    if not binding or not hmac.compare_digest(_binding_hash(binding), bound_to):
        raise refuse("other_browser")
    auth = OneLogin_Saml2_Auth(req, _saml_settings(settings))
    try:
        auth.process_response(request_id=request_id)
    except Exception:  # malformed base64/XML: python3-saml raises assorted errors  # noqa: BLE001
        raise refuse("invalid") from None
    errors = auth.get_errors()
    if errors or not auth.is_authenticated():
        reason = auth.get_last_error_reason() or ""
        current_app.logger.info("SAML response refused: %s %s", errors, reason)
        raise refuse(
            "expired" if "expired" in reason.lower() or "NotOnOrAfter" in reason else "invalid"
        )
    issuer = auth.get_settings().get_idp_data()["entityId"]
    assertion_id = auth.get_last_assertion_id()
    not_after = auth.get_last_assertion_not_on_or_after()
    until = (
        datetime.fromtimestamp(not_after, UTC).replace(tzinfo=None)
        if not_after
        else utcnow() + timedelta(hours=1)
    )
    try:
        with db.session.begin_nested():
            db.session.add(
                SeenAssertion(
                    issuer=issuer,
                    one_time_id=assertion_id,
                    not_after=until + timedelta(seconds=settings.clock_skew),
                )
            )
            db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise refuse("replayed") from None
    attrs = auth.get_attributes()

    def first(names: tuple[str, ...]) -> str:
        for n in names:
            if attrs.get(n):
                return str(attrs[n][0])
        return ""

    email = first(EMAIL_ATTRIBUTES)
    if not email and auth.get_nameid_format() == OneLogin_Saml2_Constants.NAMEID_EMAIL_ADDRESS:
        email = auth.get_nameid()
    groups: list[str] = []
    for n in GROUP_ATTRIBUTES:
        groups += [str(g) for g in attrs.get(n, [])]
    domain = email.rpartition("@")[2].lower()
    return Identity(
        protocol="saml",
        issuer=issuer,
        subject=auth.get_nameid(),  # persistent NameID recommended (docs/identity.md)
        email=email,
        # SAML has no email_verified: the configured IdP is trusted for its own (configured)
        # domains only.
        email_verified=domain in settings.domains,
        name=first(NAME_ATTRIBUTES),
        groups=tuple(groups),
        groups_sent=any(n in attrs for n in GROUP_ATTRIBUTES),
        attributes={k: str(v[0]) for k, v in attrs.items() if v},
        session_id=auth.get_session_index(),
    ), relay.get("next")
