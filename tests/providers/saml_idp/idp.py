"""A real SAML 2.0 IdP for the tests: pysaml2's Server (signs with xmlsec1), served over HTTP.

start_idp(dir, sp_base) writes a key pair and the IdP metadata, serves on a free port:
  GET  /metadata                 IdP metadata (what HORIZON_SAML_IDP_METADATA points at) GET
  /sso/redirect             HTTP-Redirect binding: AuthnRequest -> login form (field `login`) POST
  /sso/login                signs a Response for the chosen test user and auto-POSTs it to the ACS
Test knobs (form fields on /sso/login, or IdP.users): audience=<other SP entityID>, expired=1,
sign_assertion=0. The test user's attributes come from IdP.users[login].
"""

from __future__ import annotations

import base64
import html
import socket
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, Response, request
from saml2 import BINDING_HTTP_REDIRECT
from saml2.assertion import Policy
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server
from werkzeug.serving import make_server

AUTO_POST = """<!doctype html><html><head><title>Posting to Horizon</title></head>
<body onload="document.forms[0].submit()"><form method="post" action="{acs}">
<input type="hidden" name="SAMLResponse" value="{resp}">
<input type="hidden" name="RelayState" value="{relay}">
<noscript><button type="submit">Continue</button></noscript></form></body></html>"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class IdP:
    base: str
    metadata_file: Path
    server: object = None
    saml_server: object = None
    users: dict = field(default_factory=dict)
    last_response: dict = field(
        default_factory=dict
    )  # {"SAMLResponse":..., "RelayState":..., "acs":...}

    def trust_sp(self, sp_metadata_xml: str) -> None:
        """Load the SP's metadata (from /auth/saml/metadata), as an admin would at a real IdP."""
        self.saml_server.metadata.load("inline", sp_metadata_xml)

    def stop(self) -> None:
        self.server.shutdown()


def start_idp(workdir: Path, sp_base: str) -> IdP:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    key, cert = workdir / "idp.key", workdir / "idp.crt"
    subprocess.run(  # noqa: S603 (fixed arguments)
        [
            "/usr/bin/openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=test-idp",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    conf = IdPConfig()
    conf.load(
        {
            "entityid": f"{base}/metadata",
            "key_file": str(key),
            "cert_file": str(cert),
            "xmlsec_binary": "/usr/bin/xmlsec1",
            "service": {
                "idp": {
                    "endpoints": {
                        "single_sign_on_service": [(f"{base}/sso/redirect", BINDING_HTTP_REDIRECT)]
                    },
                    "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                    "sign_assertion": True,
                    "sign_response": False,
                    "want_authn_requests_signed": False,
                    "policy": {
                        "default": {
                            "lifetime": {"minutes": 5},
                            "attribute_restrictions": None,
                            "name_form": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
                        }
                    },
                }
            },
            "metadata": {},
        }
    )
    idp_server = Server(config=conf)
    metadata_file = workdir / "idp-metadata.xml"
    metadata_file.write_text(
        create_metadata_string(None, config=conf, valid=48, sign=False).decode()
    )
    idp = IdP(base=base, metadata_file=metadata_file)

    app = Flask("test_idp")

    @app.get("/metadata")
    def metadata():
        return Response(metadata_file.read_text(), mimetype="application/samlmetadata+xml")

    @app.get("/sso/redirect")
    def sso_redirect():
        req = idp_server.parse_authn_request(request.args["SAMLRequest"], BINDING_HTTP_REDIRECT)
        msg = req.message
        fields = {
            "rid": msg.id,
            "acs": msg.assertion_consumer_service_url,
            "sp": msg.issuer.text,
            "relay": request.args.get("RelayState", ""),
        }
        hidden = "".join(
            f'<input type="hidden" name="{k}" value="{html.escape(v)}">' for k, v in fields.items()
        )
        return (
            f"<!doctype html><title>Test SAML IdP</title><h1>Test SAML IdP</h1><form method=post "
            f'action="/sso/login">{hidden}<label>Login <input name="login"></label>'
            f"<button type=submit>Sign in</button></form>"
        )

    @app.post("/sso/login")
    def sso_login():
        f = request.form
        user = idp.users[f["login"]]
        audience = f.get("audience") or f["sp"]
        minutes = -10 if f.get("expired") else 5
        policy = Policy(
            {"default": {"lifetime": {"minutes": minutes}, "attribute_restrictions": None}},
            mds=idp_server.metadata,
        )
        resp = idp_server.create_authn_response(
            identity={k: v if isinstance(v, list) else [v] for k, v in user.items()},
            in_response_to=f["rid"],
            destination=f["acs"],
            sp_entity_id=audience,
            name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=user["email"]),
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"},
            sign_assertion=f.get("sign_assertion", "1") == "1",
            sign_response=False,
            release_policy=policy,
            sign_alg="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            digest_alg="http://www.w3.org/2001/04/xmlenc#sha256",
        )
        b64 = base64.b64encode(str(resp).encode()).decode()
        idp.last_response = {"SAMLResponse": b64, "RelayState": f["relay"], "acs": f["acs"]}
        return AUTO_POST.format(acs=html.escape(f["acs"]), resp=b64, relay=html.escape(f["relay"]))

    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    idp.server = server
    idp.saml_server = idp_server
    return idp
