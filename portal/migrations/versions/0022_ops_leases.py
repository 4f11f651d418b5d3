"""operations: leases on background jobs and data exports; retention per programme

Revision ID: 0022_ops_leases
Revises: 0021_choose_choosing
Create Date: 2026-12-06 04:30:00

A job (import, matching run) or a data export held by a worker that was killed stayed
"running" (or queued) forever. Each now carries the attempt count (also the fencing token),
the process holding it and a lease expiry the worker's heartbeat renews; the sweeper requeues
rows whose lease ran out, or fails them after JOB_MAX_ATTEMPTS (data_exports.error says why).
ix_audit_events_created_id: the audit log pages by key, newest first (docs/performance.md);
ix_memberships_status_created: the enrollment queue across every programme, oldest first.
programs.retention_months: months participants' content is kept after a programme ends
(NULL keeps it); the daily retention job reads it.
Plain add_column, no batch mode (SQLite would rebuild the tables, and programs is referenced
by nearly every table).
"""

from alembic import op
import sqlalchemy as sa

revision = "0022_ops_leases"
down_revision = "0021_choose_choosing"
branch_labels = None
depends_on = None

LEASED = ("background_jobs", "data_exports")


def upgrade():
    for table in LEASED:
        op.add_column(table, sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        op.add_column(table, sa.Column("leased_by", sa.String(length=200), nullable=True))
        op.add_column(table, sa.Column("lease_until", sa.DateTime(), nullable=True))
    op.add_column("data_exports", sa.Column("error", sa.String(length=500), nullable=True))
    op.add_column("programs", sa.Column("retention_months", sa.Integer(), nullable=True))
    # The audit log pages by key (created_at, id), newest first.
    op.create_index("ix_audit_events_created_id", "audit_events", ["created_at", "id"])
    # The enrollment queue across every programme pages in (created_at, id) order.
    op.create_index("ix_memberships_status_created", "memberships", ["status", "created_at", "id"])


def downgrade():
    op.drop_index("ix_audit_events_created_id", table_name="audit_events")
    op.drop_index("ix_memberships_status_created", table_name="memberships")
    op.drop_column("programs", "retention_months")
    op.drop_column("data_exports", "error")
    for table in LEASED:
        op.drop_column(table, "lease_until")
        op.drop_column(table, "leased_by")
        op.drop_column(table, "attempts")
