"""recon: join analytics (0011) and guide (0012); analytics reads the guide's survey tables

Revision ID: 0013_recon
Revises: 0011_analytics, 0012_guide
Create Date: 2026-11-25 19:00:00

"""

revision = "0013_recon"
down_revision = ("0011_analytics", "0012_guide")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
