"""merge the journal, practice and enrollment branches into one head

Revision ID: 0006_merge_features
Revises: 0003_journal, 0004_practice, 0005_enrollment
Create Date: 2026-11-24 22:55:00

The three features were built in parallel on top of 0002_journal_core; they touch
separate tables, so joining them needs no schema change.
"""

revision = "0006_merge_features"
down_revision = ("0003_journal", "0004_practice", "0005_enrollment")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
