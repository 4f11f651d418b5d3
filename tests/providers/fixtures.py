"""Real identity providers for the company sign-in tests, and a live Horizon they talk to.

- `op`: the certified `oidc-provider` (npm, in the root package.json) run by Node on a free
  port (tests/providers/oidc_op/server.mjs);
- `saml_idp`: pysaml2's IdP, signing with Debian's xmlsec1, served over HTTP in a thread;
- `sso_server`: Horizon itself on a real port (the providers call it back: the OIDC
  back-channel logout), on this run's test database, with every HORIZON_OIDC_* / SAML
  setting pointing at them. Tests that use it are `committed` (see COMMITTED in
  tests/conftest.py): their rows are visible to the server and emptied afterwards.

One of each per test process (xdist worker).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from flask import Flask
from werkzeug.serving import make_server

from portal import create_app
from portal.extensions import db
from tests.providers.saml_idp.idp import IdP, start_idp

ROOT = Path(__file__).resolve().parents[2]
OP_SERVER = ROOT / "tests" / "providers" / "oidc_op" / "server.mjs"
CLIENT_ID, CLIENT_SECRET = "horizon", "horizon-test-secret"
DOMAIN = "acme.example.com"  # scim2-models refuses reserved names such as .test


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OP:
    """The running oidc-provider: its issuer URL and its test-only control endpoints."""

    def __init__(self, issuer: str, proc: subprocess.Popen):
        self.issuer, self.proc = issuer, proc

    def control(self, path: str, **body):
        r = requests.post(f"{self.issuer}/_test/{path}", json=body, timeout=10)
        r.raise_for_status()
        return r.json()

    def add_user(self, sub: str, **claims):
        return self.control("users", sub=sub, **claims)


@pytest.fixture(scope="session")
def sso_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def op(sso_port: int) -> Iterator[OP]:
    if not (ROOT / "node_modules" / "oidc-provider").exists():
        pytest.fail("oidc-provider is missing: run 'npm ci' (make npm).")
    base = f"http://127.0.0.1:{sso_port}"
    env = {
        **os.environ,
        "OP_PORT": "0",
        "OP_CLIENT_ID": CLIENT_ID,
        "OP_CLIENT_SECRET": CLIENT_SECRET,
        "OP_REDIRECT_URI": f"{base}/auth/oidc/callback",
        "OP_BACKCHANNEL_URI": f"{base}/auth/oidc/backchannel-logout",
        "NODE_NO_WARNINGS": "1",
    }
    proc = subprocess.Popen(  # noqa: S603 (our own script)
        [shutil.which("node") or "node", str(OP_SERVER)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    if not line.startswith("READY "):
        proc.kill()
        pytest.fail(f"The OpenID provider did not start: {line}{proc.stderr.read()}")
    yield OP(line.split()[1], proc)
    proc.terminate()
    proc.wait(5)


@pytest.fixture(scope="session")
def saml_idp(tmp_path_factory: pytest.TempPathFactory, sso_port: int) -> Iterator[IdP]:
    if not shutil.which("xmlsec1"):
        pytest.fail("xmlsec1 is missing: run 'make xmlsec1' (apt-get install -y xmlsec1).")
    idp = start_idp(tmp_path_factory.mktemp("idp"), sp_base=f"http://127.0.0.1:{sso_port}")
    yield idp
    idp.stop()


def sso_config(base: str, op: OP, saml_idp: IdP) -> dict:
    return {
        "BASE_URL": base,
        "HORIZON_OIDC_ISSUER": op.issuer,
        "HORIZON_OIDC_CLIENT_ID": CLIENT_ID,
        "HORIZON_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "HORIZON_OIDC_LABEL": "Acme",
        "HORIZON_OIDC_SCOPES": "openid email profile groups org",
        "HORIZON_SSO_DOMAINS": DOMAIN,
        "HORIZON_SSO_BREAK_GLASS": f"root@{DOMAIN}",
        "HORIZON_SSO_ROLE_GROUPS": "admin=horizon-admins;lead:spring=spring-leads",
        "HORIZON_SSO_ATTRIBUTES": (
            "department=department,title=job_title,location=location,timezone=zoneinfo"
        ),
        "HORIZON_SSO_CLOCK_SKEW": "60",
        "HORIZON_SAML_IDP_METADATA": str(saml_idp.metadata_file),
        "HORIZON_SAML_LABEL": "Acme SAML",
    }


@dataclass
class SsoServer:
    url: str
    app: Flask

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@pytest.fixture(scope="session")
def sso_server(database_url: str, sso_port: int, op: OP, saml_idp: IdP) -> Iterator[SsoServer]:
    base = f"http://127.0.0.1:{sso_port}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "sso-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": False,
            "PASSWORD_HASH_PROFILE": "cheapest",
            "TASKS_IMMEDIATE": True,
            "MAIL_BACKEND": "locmem",
            **sso_config(base, op, saml_idp),
        }
    )
    server = make_server("127.0.0.1", sso_port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    saml_idp.trust_sp(requests.get(f"{base}/auth/saml/metadata", timeout=10).text)
    try:
        yield SsoServer(url=base, app=app)
    finally:
        server.shutdown()
        with app.app_context():
            db.engine.dispose()


def op_login(op: OP, server: SsoServer, http: requests.Session, login: str, next_page=None):
    """The whole code + PKCE flow over HTTP: Horizon -> the OP's login form -> our callback."""
    params = {"next": next_page} if next_page else None
    r = http.get(server("/auth/oidc/start"), params=params, timeout=10)
    if "/interaction/" not in r.url:
        return r  # still signed in at the provider: it answered at once (single sign-on)
    return http.post(r.url.rstrip("/") + "/login", data={"login": login}, timeout=10)


def signed_in(server: SsoServer, http: requests.Session) -> bool:
    """Does this browser's cookie open a session? (The dashboard answers, or sends to sign-in.)"""
    r = http.get(server("/dashboard/"), allow_redirects=False, timeout=10)
    return r.status_code == 200
