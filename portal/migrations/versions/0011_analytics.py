"""analytics: HR outcomes and activity indexes (surveys and requests are the guide's, 0012)

Revision ID: 0011_analytics
Revises: 0010_kickoff
Create Date: 2026-11-25 18:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0011_analytics"
down_revision = "0010_kickoff"
branch_labels = None
depends_on = None


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=20)


def upgrade():
    op.create_table(
        "outcome_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("group", _enum("outcomegroup", "participant", "comparison"), nullable=False),
        sa.Column("hired_on", sa.Date(), nullable=False),
        sa.Column("promoted_on", sa.Date(), nullable=True),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name=op.f("fk_outcome_records_program_id_programs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_records")),
    )
    op.create_index("ix_outcome_records_program_group", "outcome_records", ["program_id", "group"])
    # Health and analytics count activity per author in a time window.
    op.create_index(
        "ix_practice_comments_author_created", "practice_comments", ["author_id", "created_at"]
    )
    op.create_index(
        "ix_entry_comments_author_created", "entry_comments", ["author_id", "created_at"]
    )


def downgrade():
    op.drop_index("ix_entry_comments_author_created", table_name="entry_comments")
    op.drop_index("ix_practice_comments_author_created", table_name="practice_comments")
    op.drop_table("outcome_records")
