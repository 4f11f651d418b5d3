"""insights speed: pair health snapshots with typed columns and history; figure rollups

Revision ID: 0015_insights_speed
Revises: 0014_merge_heads
Create Date: 2026-11-25 21:45:00

The old snapshot kept each pair's facts as JSON, one row per pair. It is a rollup, so it is
dropped rather than converted: until the worker's next refresh, the pages compute the missing
pairs with the formula and store them (the same path that covers a pair approved after a
refresh). `insight_figures` starts empty, and the analytics page computes a figure directly
until its first refresh.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_insights_speed"
down_revision = "0014_merge_heads"
branch_labels = None
depends_on = None

COUNTS = [
    f"{role}_{kind}"
    for role in ("mentor", "mentee")
    for kind in ("check_ins", "entries_shared", "comments", "agenda_points")
]


def _foreign_keys(table: str) -> list:
    return [
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name=op.f(f"fk_{table}_program_id_programs"),
            ondelete="CASCADE",
        )
    ]


def upgrade():
    op.drop_index("ix_pair_health_snapshots_program_day", table_name="pair_health_snapshots")
    op.drop_table("pair_health_snapshots")
    op.create_table(
        "pair_health_snapshots",
        sa.Column("pairing_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_rank", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("department", sa.String(length=120), nullable=False),
        sa.Column("department_key", sa.String(length=120), nullable=False),
        sa.Column("mentor_key", sa.String(length=200), nullable=False),
        sa.Column("mentee_key", sa.String(length=200), nullable=False),
        sa.Column("approved_on", sa.Date(), nullable=False),
        sa.Column("cadence_days", sa.Integer(), nullable=False),
        sa.Column("cadence_label", sa.String(length=40), nullable=False),
        sa.Column("last_met_on", sa.Date(), nullable=True),
        sa.Column("next_meeting_on", sa.Date(), nullable=True),
        sa.Column("last_planned_on", sa.Date(), nullable=True),
        sa.Column("last_contact_on", sa.Date(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS],
        sa.Column("activity", sa.Integer(), nullable=False),
        sa.Column("agreement_signed", sa.Boolean(), nullable=False),
        sa.Column("goals", sa.Integer(), nullable=False),
        sa.Column("lowest_rating", sa.Integer(), nullable=True),
        sa.Column("concern", sa.String(length=20), nullable=True),
        sa.Column("refreshed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pairing_id"],
            ["pairings.id"],
            name=op.f("fk_pair_health_snapshots_pairing_id_pairings"),
            ondelete="CASCADE",
        ),
        *_foreign_keys("pair_health_snapshots"),
        sa.PrimaryKeyConstraint("pairing_id", "as_of", name=op.f("pk_pair_health_snapshots")),
    )
    op.create_index(
        "ix_pair_health_snapshots_program_day",
        "pair_health_snapshots",
        ["program_id", "as_of", "status_rank"],
    )
    op.create_index(
        "ix_pair_health_snapshots_day_status", "pair_health_snapshots", ["as_of", "status"]
    )
    op.create_table(
        "insight_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=True),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("program_ids", sa.JSON(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(), nullable=False),
        *_foreign_keys("insight_figures"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insight_figures")),
    )
    op.create_index("ix_insight_figures_program_key", "insight_figures", ["program_id", "key"])


def downgrade():
    op.drop_index("ix_insight_figures_program_key", table_name="insight_figures")
    op.drop_table("insight_figures")
    op.drop_index("ix_pair_health_snapshots_day_status", table_name="pair_health_snapshots")
    op.drop_index("ix_pair_health_snapshots_program_day", table_name="pair_health_snapshots")
    op.drop_table("pair_health_snapshots")
    # The JSON snapshot of 0011, empty: the next refresh fills it.
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
        *_foreign_keys("pair_health_snapshots"),
        sa.PrimaryKeyConstraint("pairing_id", name=op.f("pk_pair_health_snapshots")),
    )
    op.create_index(
        "ix_pair_health_snapshots_program_day", "pair_health_snapshots", ["program_id", "as_of"]
    )
