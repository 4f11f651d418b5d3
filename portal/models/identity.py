"""Company sign-in: links to identity providers, SCIM tokens, one-time ids (docs/identity.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models._time import utcnow
from portal.models.users import User


class IdentityLink(db.Model):
    """One person's account at one provider: (issuer, subject) names them for ever.

    issuer = the OIDC `iss` or the SAML IdP entityID; `scim` for links SCIM made (subject =
    externalId).
    """

    __tablename__ = "identity_links"
    __table_args__ = (
        UniqueConstraint("issuer", "subject", name="uq_identity_links_issuer_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    protocol: Mapped[str] = mapped_column(String(10))  # oidc | saml | scim
    issuer: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(255))
    email_at_link: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class SeenAssertion(db.Model):
    """A one-time id already used: a SAML assertion ID or a logout token's jti.

    The unique constraint, not a read-then-write, refuses the replay (two instances at once too).
    Rows older than their not_after are deleted hourly.
    """

    __tablename__ = "sso_seen_ids"
    __table_args__ = (UniqueConstraint("issuer", "one_time_id", name="uq_sso_seen_ids"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(300))
    one_time_id: Mapped[str] = mapped_column(String(255))
    not_after: Mapped[datetime] = mapped_column(index=True)


class ScimToken(db.Model):
    """A bearer token for /scim/v2: only its SHA-256 is kept; the clear token is shown once."""

    __tablename__ = "scim_tokens"
    __table_args__ = (Index("ix_scim_tokens_hash", "token_hash", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(12))  # shown in the admin list: "hzs_ab12..."
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class ScimUser(db.Model):
    """SCIM's view of a person: the stable SCIM id, externalId, ETag version and raw attributes."""

    __tablename__ = "scim_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    scim_id: Mapped[str] = mapped_column(String(36), unique=True)  # uuid4, the SCIM "id"
    # NULL while SCIM has sent no e-mail address: Horizon cannot have an account without one.
    # The account is
    # created (or linked by address) as soon as a PUT/PATCH brings an e-mail.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    user_name: Mapped[str] = mapped_column(String(254), unique=True)  # lower-cased
    external_id: Mapped[str | None] = mapped_column(String(255), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=1)  # ETag W/"<version>"
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)  # name, title, dept, ...
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User | None] = relationship()
