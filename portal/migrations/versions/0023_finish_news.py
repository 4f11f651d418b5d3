"""finish: news by e-mail waits out the undo window; the outbox knows each message's kind

`outbox_messages.deliver_after` and `hold_key`: an e-mail about a decision (a pairing
approved, an application decided, a message to a cohort) is recorded at once but held
under the decision's undo key until its window closes; an undo deletes it unsent.
`outbox_messages.kind`: what the message is (a reminder kind, news, an account e-mail),
so the outbox page counts by kind without reading subjects.
"""

from alembic import op
import sqlalchemy as sa

revision = "0023_finish_news"
down_revision = "0022_ops_leases"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("outbox_messages", sa.Column("kind", sa.String(40), nullable=True))
    op.add_column("outbox_messages", sa.Column("deliver_after", sa.DateTime(), nullable=True))
    op.add_column("outbox_messages", sa.Column("hold_key", sa.String(40), nullable=True))
    op.create_index("ix_outbox_messages_hold_key", "outbox_messages", ["hold_key"])
    op.create_index("ix_outbox_messages_kind", "outbox_messages", ["kind"])


def downgrade():
    op.drop_index("ix_outbox_messages_kind", table_name="outbox_messages")
    op.drop_index("ix_outbox_messages_hold_key", table_name="outbox_messages")
    op.drop_column("outbox_messages", "hold_key")
    op.drop_column("outbox_messages", "deliver_after")
    op.drop_column("outbox_messages", "kind")
