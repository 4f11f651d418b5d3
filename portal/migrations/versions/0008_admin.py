"""admin at scale: programme leads, and notifications held for an undo window

Revision ID: 0008_admin
Revises: 0006_merge_features
Create Date: 2026-11-25 18:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0008_admin"
down_revision = "0006_merge_features"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "program_leads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name=op.f("fk_program_leads_program_id_programs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_program_leads_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"],
            ["users.id"],
            name=op.f("fk_program_leads_assigned_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_leads")),
        sa.UniqueConstraint("program_id", "user_id", name=op.f("uq_program_leads_program_id")),
    )
    with op.batch_alter_table("program_leads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_program_leads_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deliver_after", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("hold_key", sa.String(length=80), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_notifications_deliver_after"), ["deliver_after"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_notifications_hold_key"), ["hold_key"], unique=False)


def downgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_hold_key"))
        batch_op.drop_index(batch_op.f("ix_notifications_deliver_after"))
        batch_op.drop_column("hold_key")
        batch_op.drop_column("deliver_after")
    with op.batch_alter_table("program_leads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_program_leads_user_id"))
    op.drop_table("program_leads")
