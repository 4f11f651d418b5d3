"""speed: partners' shared entries indexed by author, then newest first with the id as tie-break

Revision ID: 0031_stories_index
Revises: 0030_circles_private
Create Date: 2026-12-06 09:00:00

The dashboard's "from your mentor" list orders a mentor's shared entries by (published_at,
id) and takes three. With the id in the index, PostgreSQL reads them in order from the index
alone instead of sorting every shared entry of that mentor (docs/performance.md). The index
keeps its name and partial condition; only its columns change. Plain DROP/CREATE INDEX: no
table is rebuilt on either database.
"""

from alembic import op
import sqlalchemy as sa

revision = "0031_stories_index"
down_revision = "0030_circles_private"
branch_labels = None
depends_on = None

NAME = "ix_journal_entries_shared_author"
SHARED_PUBLISHED = "visibility = 'shared' AND status = 'published'"


def _index(columns: list[str]) -> None:
    op.drop_index(NAME, table_name="journal_entries")
    op.create_index(
        NAME,
        "journal_entries",
        columns,
        unique=False,
        sqlite_where=sa.text(SHARED_PUBLISHED),
        postgresql_where=sa.text(SHARED_PUBLISHED),
    )


def upgrade() -> None:
    _index(["author_id", "published_at", "id"])


def downgrade() -> None:
    _index(["author_id", "published_at"])
