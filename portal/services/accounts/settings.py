"""SSO settings, read once from the app config (filled from the environment by portal/config.py).

Environment names are a contract (docs/identity.md):
  HORIZON_OIDC_ISSUER, HORIZON_OIDC_CLIENT_ID, HORIZON_OIDC_CLIENT_SECRET, HORIZON_OIDC_LABEL,
  HORIZON_SSO_DOMAINS (comma-separated), HORIZON_BASE_URL (as BASE_URL).
Also read (documented in docs/identity.md):
  HORIZON_SAML_IDP_METADATA (file path or https URL), HORIZON_SAML_SP_CERT / HORIZON_SAML_SP_KEY
  (optional, PEM paths), HORIZON_SAML_LABEL, HORIZON_SSO_BREAK_GLASS (comma-separated e-mails),
  HORIZON_SSO_ROLE_GROUPS ("admin=Horizon Admins;lead:<programme-slug>=Mentoring Leads"),
  HORIZON_SSO_ATTRIBUTES
  ("department=department,title=job_title,location=location,timezone=zoneinfo"),
  HORIZON_SSO_CLOCK_SKEW (seconds, default 120).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app


@dataclass(frozen=True)
class SsoSettings:
    base_url: str
    oidc_issuer: str | None
    oidc_client_id: str | None
    oidc_client_secret: str | None
    oidc_label: str
    domains: frozenset[str]
    break_glass: frozenset[str]
    role_groups: dict[str, str] = field(
        default_factory=dict
    )  # group name -> "admin" | "lead:<slug>"
    attribute_map: dict[str, str] = field(default_factory=dict)  # profile field -> claim name
    clock_skew: int = 120
    saml_idp_metadata: str | None = None
    saml_label: str = "your company"

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def saml_enabled(self) -> bool:
        return bool(self.saml_idp_metadata)

    @property
    def label(self) -> str:
        return self.oidc_label if self.oidc_enabled else self.saml_label

    def domain_enforced(self, email: str) -> bool:
        return email.rpartition("@")[2].lower() in self.domains


def _csv(value: str | None) -> frozenset[str]:
    return frozenset(p.strip().lower() for p in (value or "").split(",") if p.strip())


def _pairs(value: str | None, sep: str) -> dict[str, str]:
    out = {}
    for part in (value or "").split(sep):
        key, eq, val = part.partition("=")
        if eq and key.strip() and val.strip():
            out[key.strip()] = val.strip()
    return out


def sso_settings(config=None) -> SsoSettings:
    """The settings of `config` (default: the current app's)."""
    c = current_app.config if config is None else config
    roles = {group: role for role, group in _pairs(c.get("HORIZON_SSO_ROLE_GROUPS"), ";").items()}
    return SsoSettings(
        base_url=(c.get("BASE_URL") or "").rstrip("/"),
        oidc_issuer=c.get("HORIZON_OIDC_ISSUER") or None,
        oidc_client_id=c.get("HORIZON_OIDC_CLIENT_ID") or None,
        oidc_client_secret=c.get("HORIZON_OIDC_CLIENT_SECRET") or None,
        oidc_label=c.get("HORIZON_OIDC_LABEL") or "your company",
        domains=_csv(c.get("HORIZON_SSO_DOMAINS")),
        break_glass=_csv(c.get("HORIZON_SSO_BREAK_GLASS")),
        role_groups=roles,
        attribute_map=_pairs(c.get("HORIZON_SSO_ATTRIBUTES"), ","),
        clock_skew=int(c.get("HORIZON_SSO_CLOCK_SKEW") or 120),
        saml_idp_metadata=c.get("HORIZON_SAML_IDP_METADATA") or None,
        saml_label=c.get("HORIZON_SAML_LABEL") or "your company",
    )
