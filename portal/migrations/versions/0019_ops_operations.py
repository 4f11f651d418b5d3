"""operations: outbox claims, worker heartbeats


Revision ID: 0019_ops_operations
Revises: 0018_race_constraints
Create Date: 2026-12-06 01:10:00

Outbox claims: a message is marked 'sending' before the mail server is asked. A worker killed between the mail server's "accepted" and its own commit left the row
'pending', and the sweeper sent it again. Now the claim ('sending') is committed first; a
row left 'sending' becomes 'uncertain' and is never resent by itself (an admin may retry).

Worker heartbeats: each consumer process upserts its row in worker_heartbeats; the periodic
heartbeat job records its last run in platform_state. The admin's Workers page reads both.
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


def downgrade():
    op.drop_table("platform_state")
    op.drop_table("worker_heartbeats")
    op.execute(
        "UPDATE outbox_messages SET status = 'pending' WHERE status IN ('sending', 'uncertain')"
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("claimed_at")
        batch_op.drop_constraint(op.f("ck_outbox_messages_outboxstatus"), type_="check")
        batch_op.alter_column("status", existing_type=sa.String(20), type_=_status(OLD))
