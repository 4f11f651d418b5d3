"""performance: partial indexes, full-text journal search, maintained journal counts

Revision ID: 0009_performance
Revises: 0006_merge_features
Create Date: 2026-11-25 18:20:00

- Partial indexes for what partners read (published, shared entries by author) and for a
  mentor's unreviewed count; an index for the enrollment queue and its counts.
- Full-text search of journal entries: on PostgreSQL a stored generated column
  search_vector = to_tsvector('simple', title || ' ' || body) with a GIN index; on SQLite an FTS5 table with external
  content, kept in step with journal_entries by triggers.
- journal_author_tags: each author's tags with a count of entries, kept by triggers on
  entry_tags and journal_entries, for the tag menu.
- journal_daily_counts: journal activity per UTC day, kept by triggers on journal_entries
  and entry_comments on both databases, so the admin panels read a few rows instead of
  counting a million.
"""

from alembic import op
import sqlalchemy as sa


revision = "0009_performance"
down_revision = "0006_merge_features"
branch_labels = None
depends_on = None

SHARED_PUBLISHED = "visibility = 'shared' AND status = 'published'"

# --- SQLite: FTS5 over journal entries, and the count triggers --------------------------

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS journal_entries_fts USING fts5("
    "title, body, content='journal_entries', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER journal_entries_fts_insert AFTER INSERT ON journal_entries BEGIN "
    "INSERT INTO journal_entries_fts(rowid, title, body) VALUES (new.id, new.title, new.body); "
    "END",
    "CREATE TRIGGER journal_entries_fts_delete AFTER DELETE ON journal_entries BEGIN "
    "INSERT INTO journal_entries_fts(journal_entries_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER journal_entries_fts_update AFTER UPDATE OF title, body ON journal_entries "
    "BEGIN "
    "INSERT INTO journal_entries_fts(journal_entries_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO journal_entries_fts(rowid, title, body) VALUES (new.id, new.title, new.body); "
    "END",
    "INSERT INTO journal_entries_fts(journal_entries_fts) VALUES ('rebuild')",
]

_SQLITE_UPSERT = (
    "INSERT INTO journal_daily_counts (day, entries, shared, reviewed, comments) "
    "SELECT {day}, {entries}, {shared}, {reviewed}, {comments} WHERE {when} "
    "ON CONFLICT (day) DO UPDATE SET entries = entries + excluded.entries, "
    "shared = shared + excluded.shared, reviewed = reviewed + excluded.reviewed, "
    "comments = comments + excluded.comments;"
)


def _sqlite_entry(row: str, sign: str) -> str:
    return _SQLITE_UPSERT.format(
        day=f"date({row}.published_at)",
        entries=f"{sign}1",
        shared=f"{sign}({row}.visibility = 'shared')",
        reviewed=f"{sign}({row}.reviewed_at IS NOT NULL)",
        comments="0",
        when=f"{row}.status = 'published' AND {row}.published_at IS NOT NULL",
    )


def _sqlite_comment(row: str, sign: str) -> str:
    return _SQLITE_UPSERT.format(
        day=f"date({row}.created_at)",
        entries="0",
        shared="0",
        reviewed="0",
        comments=f"{sign}1",
        when="1",
    )


SQLITE_COUNTS = [
    "CREATE TRIGGER journal_daily_counts_entry_insert AFTER INSERT ON journal_entries BEGIN "
    + _sqlite_entry("new", "")
    + " END",
    "CREATE TRIGGER journal_daily_counts_entry_delete AFTER DELETE ON journal_entries BEGIN "
    + _sqlite_entry("old", "-")
    + " END",
    "CREATE TRIGGER journal_daily_counts_entry_update AFTER UPDATE OF status, visibility, "
    "published_at, reviewed_at ON journal_entries BEGIN "
    + _sqlite_entry("old", "-")
    + " "
    + _sqlite_entry("new", "")
    + " END",
    "CREATE TRIGGER journal_daily_counts_comment_insert AFTER INSERT ON entry_comments BEGIN "
    + _sqlite_comment("new", "")
    + " END",
    "CREATE TRIGGER journal_daily_counts_comment_delete AFTER DELETE ON entry_comments BEGIN "
    + _sqlite_comment("old", "-")
    + " END",
]

# A tag's author is its entry's. The foreign key's cascade would delete an entry's tags
# after the entry is gone, when their author can no longer be looked up, so a BEFORE
# DELETE trigger on the entry deletes its tags first, and each tag counts itself down.
SQLITE_TAGS = [
    "CREATE TRIGGER journal_author_tags_insert AFTER INSERT ON entry_tags BEGIN "
    "INSERT INTO journal_author_tags (author_id, name, entries) "
    "SELECT author_id, new.name, 1 FROM journal_entries WHERE id = new.entry_id "
    "ON CONFLICT (author_id, name) DO UPDATE SET entries = entries + 1; END",
    "CREATE TRIGGER journal_author_tags_delete AFTER DELETE ON entry_tags BEGIN "
    "UPDATE journal_author_tags SET entries = entries - 1 WHERE name = old.name "
    "AND author_id = (SELECT e.author_id FROM journal_entries e JOIN users u "
    "ON u.id = e.author_id WHERE e.id = old.entry_id); END",
    "CREATE TRIGGER journal_author_tags_entry_delete BEFORE DELETE ON journal_entries BEGIN "
    "DELETE FROM entry_tags WHERE entry_id = old.id; END",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS journal_author_tags_entry_delete",
    "DROP TRIGGER IF EXISTS journal_author_tags_delete",
    "DROP TRIGGER IF EXISTS journal_author_tags_insert",
    "DROP TRIGGER IF EXISTS journal_daily_counts_comment_delete",
    "DROP TRIGGER IF EXISTS journal_daily_counts_comment_insert",
    "DROP TRIGGER IF EXISTS journal_daily_counts_entry_update",
    "DROP TRIGGER IF EXISTS journal_daily_counts_entry_delete",
    "DROP TRIGGER IF EXISTS journal_daily_counts_entry_insert",
    "DROP TRIGGER IF EXISTS journal_entries_fts_update",
    "DROP TRIGGER IF EXISTS journal_entries_fts_delete",
    "DROP TRIGGER IF EXISTS journal_entries_fts_insert",
    "DROP TABLE IF EXISTS journal_entries_fts",
]

# --- PostgreSQL: a GIN expression index, and the count triggers --------------------------

# A stored, generated tsvector: matching a row costs no re-parsing of its text, so a
# search can start from the author's index as well as from the GIN index.
PG_FTS = [
    "ALTER TABLE journal_entries ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple', title || ' ' || body)) STORED",
    "CREATE INDEX ix_journal_entries_fts ON journal_entries USING gin (search_vector)",
]

PG_COUNTS = [
    """
    CREATE OR REPLACE FUNCTION journal_daily_counts_entry() RETURNS trigger AS $$
    BEGIN
      IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'published'
         AND OLD.published_at IS NOT NULL THEN
        INSERT INTO journal_daily_counts AS c (day, entries, shared, reviewed, comments)
        VALUES (OLD.published_at::date, -1, -(OLD.visibility = 'shared')::int,
                -(OLD.reviewed_at IS NOT NULL)::int, 0)
        ON CONFLICT (day) DO UPDATE SET entries = c.entries + EXCLUDED.entries,
          shared = c.shared + EXCLUDED.shared, reviewed = c.reviewed + EXCLUDED.reviewed;
      END IF;
      IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.status = 'published'
         AND NEW.published_at IS NOT NULL THEN
        INSERT INTO journal_daily_counts AS c (day, entries, shared, reviewed, comments)
        VALUES (NEW.published_at::date, 1, (NEW.visibility = 'shared')::int,
                (NEW.reviewed_at IS NOT NULL)::int, 0)
        ON CONFLICT (day) DO UPDATE SET entries = c.entries + EXCLUDED.entries,
          shared = c.shared + EXCLUDED.shared, reviewed = c.reviewed + EXCLUDED.reviewed;
      END IF;
      RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,
    "CREATE TRIGGER journal_daily_counts_entry AFTER INSERT OR DELETE OR UPDATE OF status, "
    "visibility, published_at, reviewed_at ON journal_entries FOR EACH ROW "
    "EXECUTE FUNCTION journal_daily_counts_entry()",
    """
    CREATE OR REPLACE FUNCTION journal_daily_counts_comment() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        INSERT INTO journal_daily_counts AS c (day, entries, shared, reviewed, comments)
        VALUES (OLD.created_at::date, 0, 0, 0, -1)
        ON CONFLICT (day) DO UPDATE SET comments = c.comments - 1;
      ELSE
        INSERT INTO journal_daily_counts AS c (day, entries, shared, reviewed, comments)
        VALUES (NEW.created_at::date, 0, 0, 0, 1)
        ON CONFLICT (day) DO UPDATE SET comments = c.comments + 1;
      END IF;
      RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,
    "CREATE TRIGGER journal_daily_counts_comment AFTER INSERT OR DELETE ON entry_comments "
    "FOR EACH ROW EXECUTE FUNCTION journal_daily_counts_comment()",
]

PG_TAGS = [
    """
    CREATE OR REPLACE FUNCTION journal_author_tags_tag() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        INSERT INTO journal_author_tags AS t (author_id, name, entries)
        SELECT author_id, NEW.name, 1 FROM journal_entries WHERE id = NEW.entry_id
        ON CONFLICT (author_id, name) DO UPDATE SET entries = t.entries + 1;
      ELSE
        -- The join to users skips an author being deleted: their rows go by cascade.
        UPDATE journal_author_tags SET entries = entries - 1
        WHERE name = OLD.name
          AND author_id = (SELECT e.author_id FROM journal_entries e
                           JOIN users u ON u.id = e.author_id WHERE e.id = OLD.entry_id);
      END IF;
      RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,
    "CREATE TRIGGER journal_author_tags_tag AFTER INSERT OR DELETE ON entry_tags "
    "FOR EACH ROW EXECUTE FUNCTION journal_author_tags_tag()",
    """
    CREATE OR REPLACE FUNCTION journal_author_tags_entry() RETURNS trigger AS $$
    BEGIN
      DELETE FROM entry_tags WHERE entry_id = OLD.id;
      RETURN OLD;
    END
    $$ LANGUAGE plpgsql
    """,
    "CREATE TRIGGER journal_author_tags_entry BEFORE DELETE ON journal_entries "
    "FOR EACH ROW EXECUTE FUNCTION journal_author_tags_entry()",
]

PG_DROP = [
    "DROP TRIGGER IF EXISTS journal_author_tags_entry ON journal_entries",
    "DROP FUNCTION IF EXISTS journal_author_tags_entry()",
    "DROP TRIGGER IF EXISTS journal_author_tags_tag ON entry_tags",
    "DROP FUNCTION IF EXISTS journal_author_tags_tag()",
    "DROP TRIGGER IF EXISTS journal_daily_counts_comment ON entry_comments",
    "DROP FUNCTION IF EXISTS journal_daily_counts_comment()",
    "DROP TRIGGER IF EXISTS journal_daily_counts_entry ON journal_entries",
    "DROP FUNCTION IF EXISTS journal_daily_counts_entry()",
    "DROP INDEX IF EXISTS ix_journal_entries_fts",
    "ALTER TABLE journal_entries DROP COLUMN IF EXISTS search_vector",
]

TAGS_BACKFILL = (
    "INSERT INTO journal_author_tags (author_id, name, entries) "
    "SELECT e.author_id, t.name, count(*) FROM entry_tags t "
    "JOIN journal_entries e ON e.id = t.entry_id GROUP BY e.author_id, t.name"
)

# The counts of existing data, computed once; the triggers keep them from then on.
BACKFILL = """
INSERT INTO journal_daily_counts (day, entries, shared, reviewed, comments)
SELECT day, sum(entries), sum(shared), sum(reviewed), sum(comments) FROM (
  SELECT {entry_day} AS day, 1 AS entries,
         CASE WHEN visibility = 'shared' THEN 1 ELSE 0 END AS shared,
         CASE WHEN reviewed_at IS NOT NULL THEN 1 ELSE 0 END AS reviewed, 0 AS comments
  FROM journal_entries WHERE status = 'published' AND published_at IS NOT NULL
  UNION ALL
  SELECT {comment_day}, 0, 0, 0, 1 FROM entry_comments
) AS activity GROUP BY day
"""


def upgrade():
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("journal_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_journal_entries_shared_author",
            ["author_id", "published_at"],
            unique=False,
            sqlite_where=sa.text(SHARED_PUBLISHED),
            postgresql_where=sa.text(SHARED_PUBLISHED),
        )
        batch_op.create_index(
            "ix_journal_entries_unreviewed",
            ["author_id"],
            unique=False,
            sqlite_where=sa.text(f"{SHARED_PUBLISHED} AND reviewed_at IS NULL"),
            postgresql_where=sa.text(f"{SHARED_PUBLISHED} AND reviewed_at IS NULL"),
        )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index(
            "ix_memberships_status_program_created",
            ["status", "program_id", "created_at"],
            unique=False,
        )
    op.create_table(
        "journal_daily_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("shared", sa.Integer(), nullable=False),
        sa.Column("reviewed", sa.Integer(), nullable=False),
        sa.Column("comments", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_journal_daily_counts")),
    )
    op.create_table(
        "journal_author_tags",
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_journal_author_tags_author_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("author_id", "name", name=op.f("pk_journal_author_tags")),
    )
    if dialect == "postgresql":
        statements = PG_FTS + PG_COUNTS + PG_TAGS
        backfill = BACKFILL.format(
            entry_day="published_at::date", comment_day="created_at::date"
        )
    else:
        statements = SQLITE_FTS + SQLITE_COUNTS + SQLITE_TAGS
        backfill = BACKFILL.format(
            entry_day="date(published_at)", comment_day="date(created_at)"
        )
    op.execute(backfill)
    op.execute(TAGS_BACKFILL)
    for statement in statements:
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in PG_DROP if dialect == "postgresql" else SQLITE_DROP:
        op.execute(statement)
    op.drop_table("journal_author_tags")
    op.drop_table("journal_daily_counts")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index("ix_memberships_status_program_created")
    with op.batch_alter_table("journal_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_journal_entries_unreviewed")
        batch_op.drop_index("ix_journal_entries_shared_author")
