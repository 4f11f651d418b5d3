"""company sign-in: identity links, one-time ids, SCIM tokens and users

Revision ID: 0020_sso_company_sign_in
Revises: 0019_ops_operations
Create Date: 2026-12-06 01:40:00

OIDC/SAML sign-in links a person to (issuer, subject); SAML assertion ids and logout-token
jtis are remembered until they expire, so a replay is refused by a unique constraint; SCIM
tokens are kept as SHA-256 hashes; a person can be deactivated (users.deactivated_at).
"""

from alembic import op
import sqlalchemy as sa

revision = "0020_sso_company_sign_in"
down_revision = "0019_ops_operations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, not a batch copy: on SQLite a copy of `users` would break the
    # triggers that name it (journal_author_tags_*).
    op.add_column("users", sa.Column("deactivated_at", sa.DateTime(), nullable=True))
    op.add_column(
        "users", sa.Column("directory", sa.JSON(), nullable=False, server_default="{}")
    )
    op.add_column("user_sessions", sa.Column("sso_issuer", sa.String(300), nullable=True))
    op.add_column("user_sessions", sa.Column("sso_sid", sa.String(255), nullable=True))
    op.create_index("ix_user_sessions_sso_sid", "user_sessions", ["sso_sid"])

    op.create_table(
        "identity_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("protocol", sa.String(10), nullable=False),
        sa.Column("issuer", sa.String(300), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("email_at_link", sa.String(254), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("issuer", "subject", name="uq_identity_links_issuer_subject"),
    )
    op.create_index("ix_identity_links_user_id", "identity_links", ["user_id"])

    op.create_table(
        "sso_seen_ids",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("issuer", sa.String(300), nullable=False),
        sa.Column("one_time_id", sa.String(255), nullable=False),
        sa.Column("not_after", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("issuer", "one_time_id", name="uq_sso_seen_ids"),
    )
    op.create_index("ix_sso_seen_ids_not_after", "sso_seen_ids", ["not_after"])

    op.create_table(
        "scim_tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(12), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_scim_tokens_hash", "scim_tokens", ["token_hash"], unique=True)

    op.create_table(
        "scim_users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("scim_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
        sa.Column("user_name", sa.String(254), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("scim_id", name="uq_scim_users_scim_id"),
        sa.UniqueConstraint("user_id", name="uq_scim_users_user_id"),
        sa.UniqueConstraint("user_name", name="uq_scim_users_user_name"),
    )
    op.create_index("ix_scim_users_external_id", "scim_users", ["external_id"])


def downgrade() -> None:
    op.drop_table("scim_users")
    op.drop_table("scim_tokens")
    op.drop_table("sso_seen_ids")
    op.drop_table("identity_links")
    op.drop_index("ix_user_sessions_sso_sid", table_name="user_sessions")
    # SQLite 3.35+ drops a column in place (no table copy, so the triggers survive).
    op.drop_column("user_sessions", "sso_sid")
    op.drop_column("user_sessions", "sso_issuer")
    op.drop_column("users", "directory")
    op.drop_column("users", "deactivated_at")
