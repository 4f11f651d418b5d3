"""join the hardening, admin, performance, kick-off, guide and analytics work into one head

Revision ID: 0014_merge_heads
Revises: 0008_admin, 0009_performance, 0012_guideb, 0013_recon
Create Date: 2026-11-25 19:45:00

Each feature was built on its own branch from 0006_merge_features and touches its own
tables (or adds indexes and triggers to existing ones), so joining them needs no change.
"""

revision = "0014_merge_heads"
down_revision = ("0008_admin", "0009_performance", "0012_guideb", "0013_recon")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
