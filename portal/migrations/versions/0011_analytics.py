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
    op.create_table(
        "insight_weeks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=True),
        sa.Column("week_start", sa.Date(), nullable=False),
        *[
            sa.Column(name, sa.Integer(), nullable=False)
            for name in (
                "meetings",
                "active_pairs",
                "live_pairs",
                "mentee_people",
                "mentee_check_ins",
                "mentee_entries",
                "mentee_comments",
                "mentor_people",
                "mentor_check_ins",
                "mentor_entries",
                "mentor_comments",
            )
        ],
        sa.Column("refreshed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name=op.f("fk_insight_weeks_program_id_programs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insight_weeks")),
    )
    op.create_index(
        "ix_insight_weeks_program_week", "insight_weeks", ["program_id", "week_start"]
    )
    op.create_table(
        "pair_health_snapshots",
        sa.Column("pairing_id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("department", sa.String(length=120), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pairing_id"],
            ["pairings.id"],
            name=op.f("fk_pair_health_snapshots_pairing_id_pairings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name=op.f("fk_pair_health_snapshots_program_id_programs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pairing_id", name=op.f("pk_pair_health_snapshots")),
    )
    op.create_index(
        "ix_pair_health_snapshots_program_day", "pair_health_snapshots", ["program_id", "as_of"]
    )
    # Health and analytics count activity per author in a time window.
    op.create_index(
        "ix_practice_comments_author_created", "practice_comments", ["author_id", "created_at"]
    )
    op.create_index(
        "ix_entry_comments_author_created", "entry_comments", ["author_id", "created_at"]
    )
    op.create_index(
        "ix_practice_check_ins_day", "practice_check_ins", ["day", "practice_id"]
    )
    op.create_index("ix_journal_entries_created", "journal_entries", ["created_at"])


def downgrade():
    op.drop_index("ix_journal_entries_created", table_name="journal_entries")
    op.drop_index("ix_practice_check_ins_day", table_name="practice_check_ins")
    op.drop_index("ix_entry_comments_author_created", table_name="entry_comments")
    op.drop_index("ix_practice_comments_author_created", table_name="practice_comments")
    op.drop_table("pair_health_snapshots")
    op.drop_table("insight_weeks")
    op.drop_table("outcome_records")
