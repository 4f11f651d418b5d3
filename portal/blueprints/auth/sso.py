"""Company sign-in: /auth/oidc/* (OpenID Connect) and /auth/saml/* (SAML 2.0).

Every route answers 404 unless its provider is configured (docs/identity.md), so `make run`
without any setting has none of them. The callback and the ACS create the account or the
session they verify: like /auth/register/confirm/<token>, the OIDC callback is a GET that
writes, because the provider sends the browser back with a GET (form_post would lose the
SameSite=Lax cookie that holds the state).
"""

from __future__ import annotations

from flask import Response, abort, redirect, render_template, request, session, url_for

from portal.blueprints.auth import bp
from portal.extensions import csrf
from portal.rendering import is_local_url
from portal.services.accounts import oidc, saml, start_session
from portal.services.accounts.provisioning import SsoRefused, sign_in_identity
from portal.services.accounts.settings import sso_settings

NEXT_KEY = "_sso_next"


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
    next_page = request.args.get("next")
    url = saml.login_url(settings, _saml_request(), next_page if is_local_url(next_page) else None)
    return redirect(url, 303)


@bp.post("/saml/acs")
@csrf.exempt  # the identity provider posts here cross-site; the signed assertion is the proof
def saml_acs():
    settings = sso_settings()
    if not settings.saml_enabled:
        abort(404)
    try:
        identity, next_page = saml.process_response(settings, _saml_request())
        user = sign_in_identity(identity, settings)
    except SsoRefused as error:
        return _refused(error, url_for("auth.saml_login"))
    start_session(user, sso_issuer=identity.issuer, sso_sid=identity.session_id)
    return redirect(_next_page(next_page), 303)


def _saml_request() -> dict:
    return saml.request_data(
        request.host_url, request.path, request.args.copy(), request.form.copy()
    )
