"""operations: outbox claims, worker heartbeats, data exports and erasure requests


Revision ID: 0019_ops_operations
Revises: 0018_race_constraints
Create Date: 2026-12-06 01:10:00

Outbox claims: a message is marked 'sending' before the mail server is asked. A worker killed between the mail server's "accepted" and its own commit left the row
'pending', and the sweeper sent it again. Now the claim ('sending') is committed first; a
row left 'sending' becomes 'uncertain' and is never resent by itself (an admin may retry).

Worker heartbeats: each consumer process upserts its row in worker_heartbeats; the periodic
heartbeat job records its last run in platform_state. The admin's Workers page reads both.

Data rights: data_exports (the zip, kept in the database until it expires), erasure_requests
(one pending per person), users.erased_at (the row stays as a tombstone).
"""

from alembic import op
import sqlalchemy as sa

revision = "0019_ops_operations"
down_revision = "0018_race_constraints"
branch_labels = None
depends_on = None

OLD = ("pending", "sent", "failed")
NEW = ("pending", "sending", "sent", "failed", "uncertain")


def _status(values):
    return sa.Enum(
        *values, name="outboxstatus", native_enum=False, create_constraint=True, length=20
    )


def upgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_outbox_messages_outboxstatus"), type_="check")
        batch_op.alter_column("status", existing_type=sa.String(20), type_=_status(NEW))
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(), nullable=True))
    op.create_table(
        "worker_heartbeats",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_worker_heartbeats")),
    )
    op.create_table(
        "platform_state",
        sa.Column("key", sa.String(length=50), nullable=False),
        sa.Column("value_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_platform_state")),
    )
    # Not in batch mode: rebuilding users on SQLite trips the journal triggers that name it.
    op.add_column("users", sa.Column("erased_at", sa.DateTime(), nullable=True))
    op.create_table(
        "data_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "ready",
                "failed",
                name="exportstatus",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_data_exports_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_exports")),
    )
    op.create_index(op.f("ix_data_exports_user_id"), "data_exports", ["user_id"])
    op.create_index(
        "uq_data_exports_one_queued",
        "data_exports",
        ["user_id"],
        unique=True,
        sqlite_where=sa.text("status = 'queued'"),
        postgresql_where=sa.text("status = 'queued'"),
    )
    op.create_table(
        "erasure_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "mode",
            sa.Enum(
                "remove",
                "anonymise",
                name="erasuremode",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "cancelled",
                "done",
                name="erasurestatus",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_erasure_requests_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_erasure_requests_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_requests")),
    )
    op.create_index(op.f("ix_erasure_requests_user_id"), "erasure_requests", ["user_id"])
    op.create_index(
        "uq_erasure_requests_one_pending",
        "erasure_requests",
        ["user_id"],
        unique=True,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )


def downgrade():
    op.drop_table("erasure_requests")
    op.drop_table("data_exports")
    op.drop_column("users", "erased_at")  # SQLite 3.35+ drops a column in place
    op.drop_table("platform_state")
    op.drop_table("worker_heartbeats")
    op.execute(
        "UPDATE outbox_messages SET status = 'pending' WHERE status IN ('sending', 'uncertain')"
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("claimed_at")
        batch_op.drop_constraint(op.f("ck_outbox_messages_outboxstatus"), type_="check")
        batch_op.alter_column("status", existing_type=sa.String(20), type_=_status(OLD))
