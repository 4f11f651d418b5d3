"""company sign-in: remember which roles a company group granted, so leaving it revokes them

Revision ID: 0026_sso_group_grants
Revises: 0025_choose_more
Create Date: 2026-12-06 04:20:00

users.admin_group and program_leads.granted_by_group name the group that granted the role
(NULL when a person granted it by hand); a sign-in whose group claim no longer carries that
group takes the role back.
"""

from alembic import op
import sqlalchemy as sa

revision = "0026_sso_group_grants"
down_revision = "0025_choose_more"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN: a batch copy of `users` or `program_leads` on SQLite would drop and
    # recreate the table (and cascade to what references it).
    op.add_column("users", sa.Column("admin_group", sa.String(200), nullable=True))
    op.add_column("program_leads", sa.Column("granted_by_group", sa.String(200), nullable=True))


def downgrade() -> None:
    op.drop_column("program_leads", "granted_by_group")
    op.drop_column("users", "admin_group")
