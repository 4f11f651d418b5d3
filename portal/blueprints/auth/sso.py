"""Company sign-in: /auth/oidc/* (OpenID Connect) and /auth/saml/* (SAML 2.0).

Every route answers 404 unless its provider is configured (docs/identity.md), so `make run`
without any setting has none of them. The callback and the ACS create the account or the
session they verify: like /auth/register/confirm/<token>, the OIDC callback is a GET that
writes, because the provider sends the browser back with a GET (form_post would lose the
SameSite=Lax cookie that holds the state).
"""

from __future__ import annotations

import secrets

from flask import (
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from portal.blueprints.auth import bp
from portal.extensions import csrf
from portal.rendering import is_local_url
from portal.services.accounts import oidc, saml, start_session
from portal.services.accounts.provisioning import SsoRefused, sign_in_identity
from portal.services.accounts.settings import sso_settings

NEXT_KEY = "_sso_next"
# The SAML sign-in's browser binding (see services/accounts/saml.py).
SAML_BINDING_COOKIE = "horizon_saml_binding"


def _refused(error: SsoRefused, retry: str | None):
    page = render_template("auth/sso_refused.html", message=error.message, retry=retry)
    return page, 403


def _next_page(target: str | None) -> str:
    return target if is_local_url(target) else url_for("dashboard.index")


# --- OpenID Connect -------------------------------------------------------------------------


@bp.get("/oidc/start")
def oidc_start():
    settings = sso_settings()
    if not settings.oidc_enabled:
        abort(404)
    next_page = request.args.get("next")
    session[NEXT_KEY] = next_page if is_local_url(next_page) else None
    url = oidc.authorization_url(settings.base_url + url_for("auth.oidc_callback"))
    return redirect(url, 303)


@bp.get("/oidc/callback")
def oidc_callback():
    settings = sso_settings()
    if not settings.oidc_enabled:
        abort(404)
    next_page = session.get(NEXT_KEY)
    try:
        identity = oidc.finish(settings)
        user = sign_in_identity(identity, settings)
    except SsoRefused as error:
        return _refused(error, url_for("auth.oidc_start"))
    start_session(user, sso_issuer=identity.issuer, sso_sid=identity.session_id)
    return redirect(_next_page(next_page), 303)


@bp.post("/oidc/backchannel-logout")
@csrf.exempt  # server to server: the provider has no cookie and no form token
def oidc_backchannel_logout():
    """OIDC Back-Channel Logout 1.0: 200 when done, 400 with an error (never cached)."""
    settings = sso_settings()
    if not settings.oidc_enabled:
        abort(404)
    headers = {"Cache-Control": "no-store"}
    try:
        oidc.backchannel_logout(request.form.get("logout_token", ""), settings)
    except SsoRefused as error:
        body = {"error": "invalid_request", "error_description": error.reason}
        return body, 400, headers
    return "", 200, headers


# --- SAML 2.0 ---------------------------------------------------------------------------------


@bp.get("/saml/metadata")
def saml_metadata():
    settings = sso_settings()
    if not settings.saml_enabled:
        abort(404)
    return Response(saml.sp_metadata(settings), mimetype="application/samlmetadata+xml")


@bp.get("/saml/login")
def saml_login():
    settings = sso_settings()
    if not settings.saml_enabled:
        abort(404)
    next_page = request.args.get("next") if is_local_url(request.args.get("next")) else None
    binding = secrets.token_urlsafe(24)
    response = redirect(saml.login_url(settings, _saml_request(), binding, next_page), 303)
    # The IdP posts back cross-site: over HTTPS the cookie must be SameSite=None to come along.
    secure = request.is_secure or current_app.config.get("FORCE_SECURE_COOKIES", False)
    response.set_cookie(
        SAML_BINDING_COOKIE,
        binding,
        max_age=saml.RELAY_MAX_AGE,
        httponly=True,
        secure=secure,
        samesite="None" if secure else "Lax",
        path="/auth/saml/",
    )
    return response


@bp.post("/saml/acs")
@csrf.exempt  # the identity provider posts here cross-site; the signed assertion is the proof
def saml_acs():
    settings = sso_settings()
    if not settings.saml_enabled:
        abort(404)
    try:
        binding = request.cookies.get(SAML_BINDING_COOKIE)
        identity, next_page = saml.process_response(settings, _saml_request(), binding)
        user = sign_in_identity(identity, settings)
    except SsoRefused as error:
        return _refused(error, url_for("auth.saml_login"))
    start_session(user, sso_issuer=identity.issuer, sso_sid=identity.session_id)
    response = redirect(_next_page(next_page), 303)
    response.delete_cookie(SAML_BINDING_COOKIE, path="/auth/saml/")
    return response


def _saml_request() -> dict:
    return saml.request_data(
        request.host_url, request.path, request.args.copy(), request.form.copy()
    )
