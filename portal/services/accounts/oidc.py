"""OpenID Connect relying party (Authlib).

Code flow with PKCE (S256), state and nonce; discovery; JWKS with key rotation.

Authlib keeps state, nonce and the PKCE verifier in the Flask session under `_state_oidc_<state>`
(our session cookie is signed, and start_session() clears it after the callback). Discovery and the
JWKS are cached per process in the registered client's `server_metadata`; on an unknown `kid`
Authlib refetches the JWKS once (sync_openid.parse_id_token -> InvalidKeyIdError ->
fetch_jwk_set(force=True)): that is the key-rotation path. Back-channel logout tokens are checked
here with joserfc (Authlib has no helper).
"""

from __future__ import annotations

import time
from datetime import timedelta

from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import current_app
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, JoseError
from joserfc.jwk import KeySet
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import utcnow
from portal.models.identity import IdentityLink, SeenAssertion
from portal.models.sessions import UserSession
from portal.services.accounts import end_sessions_of
from portal.services.accounts.provisioning import Identity, SsoRefused, refuse
from portal.services.accounts.settings import SsoSettings, sso_settings
from portal.services.platform import audit

SCOPES = "openid email profile groups"  # + extra scopes from HORIZON_OIDC_SCOPES if set
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"


def init_app(app) -> None:
    """Register the provider when configured; `make run` without the variables registers nothing.

    One OAuth registry per app (app.extensions), not a module global: Authlib caches the created
    client (and its discovery/JWKS) per registry, so a second app in the same process (tests:
    own_app) would otherwise talk to the first app's provider."""
    settings = sso_settings(app.config)
    oauth = OAuth(app)
    app.extensions["horizon_oidc"] = oauth
    if not settings.oidc_enabled:
        return
    oauth.register(
        "horizon_oidc",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={
            "scope": app.config.get("HORIZON_OIDC_SCOPES") or SCOPES,
            "code_challenge_method": "S256",
            "timeout": 10,
        },
    )


def _client():
    return current_app.extensions["horizon_oidc"].create_client("horizon_oidc")


def authorization_url(redirect_uri: str) -> str:
    """Where to send the browser; state, nonce and the PKCE verifier are saved in the session."""
    client = _client()
    rv = client.create_authorization_url(redirect_uri)  # adds state, nonce, code_challenge (S256)
    client.save_authorize_data(redirect_uri=redirect_uri, **rv)
    return rv["url"]


def finish(settings: SsoSettings) -> Identity:
    """Check the callback (state, code + verifier, ID token) and return the verified identity."""
    client = _client()
    try:
        token = client.authorize_access_token(leeway=settings.clock_skew)
    except MismatchingStateError:
        raise refuse("expired") from None  # no saved state: old tab, replay or forged callback
    except ExpiredTokenError:
        raise refuse("expired") from None
    except (
        OAuthError
    ) as e:  # error=access_denied from the provider, invalid_grant (code reused) ...
        raise refuse("cancelled" if e.error == "access_denied" else "invalid") from None
    except (JoseError, ValueError):
        raise refuse("invalid") from None
    claims = token.get("userinfo")
    if not claims or not claims.get("sub"):  # no ID token (or no nonce saved): nothing verified
        raise refuse("invalid")
    return identity_from_claims(dict(claims), client.server_metadata.get("issuer", ""))


def identity_from_claims(claims: dict, issuer: str) -> Identity:
    groups = claims.get("groups") or []
    if isinstance(groups, str):
        groups = [groups]
    return Identity(
        protocol="oidc",
        issuer=claims.get("iss") or issuer,
        subject=str(claims["sub"]),
        email=str(claims.get("email") or ""),
        # absent or the string "true": not verified. Entra ID sends no email_verified; its
        # optional claim
        # xms_edov ("email domain owner verified") is accepted instead.
        email_verified=claims.get("email_verified") is True
        or claims.get("xms_edov") in (True, "1", "true"),
        name=str(claims.get("name") or ""),
        groups=tuple(str(g) for g in groups if isinstance(g, str | int)),
        groups_sent="groups" in claims,
        attributes={k: v for k, v in claims.items() if isinstance(v, str)},
        session_id=claims.get("sid"),
    )


def validate_id_token(id_token: str, nonce: str | None, settings: SsoSettings) -> dict:
    """ID-token checks on their own (signature by the JWKS with rotation, iss, aud, exp, nonce).

    Used by the tests that feed a token minted by the real provider (wrong audience, expired)."""
    client = _client()
    try:
        return dict(
            client.parse_id_token({"id_token": id_token}, nonce=nonce, leeway=settings.clock_skew)
        )
    except ExpiredTokenError:
        raise SsoRefused("expired") from None
    except (JoseError, ValueError):
        raise SsoRefused("invalid") from None


def backchannel_logout(logout_token: str, settings: SsoSettings) -> int:
    """OIDC Back-Channel Logout 1.0 §2.6: verify, refuse a replayed jti, end the sessions. Returns
    count.

    Raises SsoRefused("invalid"|"replayed"); the route answers 400 then (the spec's error
    response)."""
    client = _client()
    metadata = client.load_server_metadata()
    try:
        try:
            token = jwt.decode(
                logout_token,
                KeySet.import_key_set(client.fetch_jwk_set()),
                algorithms=["RS256", "ES256", "PS256"],
            )
        except JoseError:
            token = jwt.decode(
                logout_token,
                KeySet.import_key_set(client.fetch_jwk_set(force=True)),
                algorithms=["RS256", "ES256", "PS256"],
            )
        c = token.claims
        now = time.time()
        aud = c.get("aud")
        auds = aud if isinstance(aud, list) else [aud]
        ok = (
            c.get("iss") == metadata["issuer"]
            and settings.oidc_client_id in auds
            and isinstance(c.get("iat"), int | float)
            and c["iat"] <= now + settings.clock_skew
            and (c.get("exp") is None or c["exp"] >= now - settings.clock_skew)
            and isinstance(c.get("events"), dict)
            and BACKCHANNEL_EVENT in c["events"]
            and "nonce" not in c
            and (c.get("sub") or c.get("sid"))
            and isinstance(c.get("jti"), str)
        )
    except (JoseError, ValueError, KeyError):
        ok = False
    if not ok:
        raise SsoRefused("invalid")
    try:
        with db.session.begin_nested():
            db.session.add(
                SeenAssertion(
                    issuer=c["iss"],
                    one_time_id=c["jti"],
                    not_after=utcnow() + timedelta(seconds=600),
                )
            )
            db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise SsoRefused("replayed") from None
    ended = 0
    if c.get("sid"):
        result = db.session.execute(
            UserSession.__table__.delete().where(
                UserSession.sso_issuer == c["iss"], UserSession.sso_sid == c["sid"]
            )
        )
        ended = result.rowcount or 0
    elif c.get("sub"):
        link = db.session.scalar(
            select(IdentityLink).where(
                IdentityLink.issuer == c["iss"], IdentityLink.subject == c["sub"]
            )
        )
        if link is not None:
            ended = end_sessions_of(link.user)
    audit.record(
        None,
        "sso.backchannel_logout",
        "Company sign-out ended sessions",
        issuer=c["iss"],
        sub=c.get("sub"),
        sid=c.get("sid"),
        ended=ended,
    )
    db.session.commit()
    return ended
