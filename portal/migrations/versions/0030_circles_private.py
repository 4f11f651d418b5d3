"""circles: items shared with one person of a circle (entry, practice, goal)

Revision ID: 0030_circles_private
Revises: 0029_circles_programme
Create Date: 2026-12-06 07:45:00
"""

from alembic import op
import sqlalchemy as sa

revision = "0030_circles_private"
down_revision = "0029_circles_programme"
branch_labels = None
depends_on = None

# (table, item column, item table)
TABLES = (
    ("entry_private_shares", "entry_id", "journal_entries"),
    ("practice_private_shares", "practice_id", "practices"),
    ("goal_private_shares", "goal_id", "goals"),
)


def upgrade() -> None:
    # New tables only: nothing existing is rebuilt. The setting itself lives in the
    # programme's matching JSON (``circles.allow_private_sharing``), off when absent.
    for table, item, item_table in TABLES:
        op.create_table(
            table,
            sa.Column(item, sa.Integer(), nullable=False),
            sa.Column("reader_id", sa.Integer(), nullable=False),
            sa.Column("circle_id", sa.Integer(), nullable=False),
            sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.ForeignKeyConstraint([item], [f"{item_table}.id"], ondelete="CASCADE"),
            sa.ForeignKeyConstraint(["reader_id"], ["users.id"], ondelete="CASCADE"),
            sa.ForeignKeyConstraint(["circle_id"], ["circles.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint(item, "reader_id"),
        )
        short = item.removesuffix("_id")
        op.create_index(f"ix_{table}_reader_{short}", table, ["reader_id", item])
        op.create_index(f"ix_{table}_circle_id", table, ["circle_id"])


def downgrade() -> None:
    for table, item, _ in reversed(TABLES):
        short = item.removesuffix("_id")
        op.drop_index(f"ix_{table}_circle_id", table_name=table)
        op.drop_index(f"ix_{table}_reader_{short}", table_name=table)
        op.drop_table(table)
