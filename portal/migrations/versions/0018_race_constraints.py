"""race constraints: one open confidential request per person and pairing

Revision ID: 0018_race_constraints
Revises: 0017_relationship_audiences
Create Date: 2026-12-05 22:00:00

Two tabs sending the same confidential request both passed the "no open request yet" check
and both inserted. A partial unique index on (pairing_id, requester_id) among open requests
makes the database refuse the second; the service turns that into a message. Duplicates
already recorded are kept, the newer ones marked resolved, so the index can be built.
"""

from alembic import op
import sqlalchemy as sa


revision = "0018_race_constraints"
down_revision = "0017_relationship_audiences"
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'open'")


def upgrade():
    op.execute(
        "UPDATE pairing_requests SET status = 'resolved', resolved_at = CURRENT_TIMESTAMP "
        "WHERE status = 'open' AND id NOT IN ("
        "SELECT min(id) FROM pairing_requests WHERE status = 'open' "
        "GROUP BY pairing_id, requester_id)"
    )
    op.create_index(
        "uq_pairing_requests_one_open",
        "pairing_requests",
        ["pairing_id", "requester_id"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )


def downgrade():
    op.drop_index("uq_pairing_requests_one_open", table_name="pairing_requests")
