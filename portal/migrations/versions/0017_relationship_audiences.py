"""relationship audiences: every shared entry and practice is shared in a pairing

Revision ID: 0017_relationship_audiences
Revises: 0016_membership_counts
Create Date: 2026-12-05 22:00:00

Until now a partner read an item marked "shared" whenever its author was their partner in
any pairing, now or later. The audience of a shared item becomes explicit: a row in
entry_audiences / practice_audiences per pairing it is shared in. Reader comments remember
the pairing they were written in, and a pairing opens to its partners at ``opens_at`` (after
the undo window). What this migration does to existing rows is described, step by step, in
docs/sharing.md ("What the migration did"); keep the two in step.
"""

from alembic import op
import sqlalchemy as sa


revision = "0017_relationship_audiences"
down_revision = "0016_membership_counts"
branch_labels = None
depends_on = None

READABLE = "('active', 'completed', 'ended')"


def _live_at(moment: str) -> str:
    """SQL: pairing p had been approved and had not ended at ``moment``."""
    return (
        f"p.approved_at IS NOT NULL AND p.approved_at <= {moment} "
        f"AND (p.ended_at IS NULL OR p.ended_at > {moment})"
    )


BACKFILL = [
    # 1. A pairing opens when it was approved (its undo window is long over).
    "UPDATE pairings SET opens_at = approved_at "
    "WHERE approved_at IS NOT NULL AND status <> 'proposed'",
    # 2. A shared entry reaches the author's pairings that were live when it was written,
    #    except closing reflections (step 3).
    "INSERT INTO entry_audiences (entry_id, pairing_id, created_at) "
    "SELECT e.id, p.id, e.created_at FROM journal_entries e "
    "JOIN pairings p ON (p.mentor_id = e.author_id OR p.mentee_id = e.author_id) "
    f"WHERE e.visibility = 'shared' AND p.status IN {READABLE} AND {_live_at('e.created_at')} "
    "AND NOT EXISTS (SELECT 1 FROM closing_reflections r WHERE r.entry_id = e.id)",
    # 3. A shared closing reflection reaches its own pairing only.
    "INSERT INTO entry_audiences (entry_id, pairing_id, created_at) "
    "SELECT e.id, r.pairing_id, e.created_at FROM closing_reflections r "
    "JOIN journal_entries e ON e.id = r.entry_id WHERE e.visibility = 'shared'",
    # 4. A shared practice, as an entry (step 2).
    "INSERT INTO practice_audiences (practice_id, pairing_id, created_at) "
    "SELECT x.id, p.id, x.created_at FROM practices x "
    "JOIN pairings p ON (p.mentor_id = x.owner_id OR p.mentee_id = x.owner_id) "
    f"WHERE x.visibility = 'shared' AND p.status IN {READABLE} AND {_live_at('x.created_at')}",
]


def _comment_pairing(comments: str, items: str, item_key: str, owner: str) -> str:
    """5/6. A reader's comment gets the pairing joining commenter and item author that was
    live when it was written, else the latest approved one between them; the item author's
    own comments keep NULL."""
    between = (
        f"SELECT p.id FROM pairings p JOIN {items} i ON i.id = {comments}.{item_key} "
        f"WHERE p.status IN {READABLE} AND p.approved_at IS NOT NULL AND ("
        f"(p.mentor_id = {comments}.author_id AND p.mentee_id = i.{owner}) OR "
        f"(p.mentee_id = {comments}.author_id AND p.mentor_id = i.{owner}))"
    )
    live = f" AND {_live_at(f'{comments}.created_at')}"
    latest = " ORDER BY p.approved_at DESC, p.id DESC LIMIT 1"
    return (
        f"UPDATE {comments} SET pairing_id = COALESCE(({between}{live}{latest}), "
        f"({between}{latest})) "
        f"WHERE author_id <> (SELECT i.{owner} FROM {items} i WHERE i.id = {comments}.{item_key})"
    )


COMMENT_BACKFILL = [
    _comment_pairing("entry_comments", "journal_entries", "entry_id", "author_id"),
    _comment_pairing("practice_comments", "practices", "practice_id", "owner_id"),
]


def _audience_table(name: str, item_table: str, item_column: str) -> None:
    op.create_table(
        name,
        sa.Column(item_column, sa.Integer(), nullable=False),
        sa.Column("pairing_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            [item_column],
            [f"{item_table}.id"],
            name=op.f(f"fk_{name}_{item_column}_{item_table}"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pairing_id"],
            ["pairings.id"],
            name=op.f(f"fk_{name}_pairing_id_pairings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(item_column, "pairing_id", name=op.f(f"pk_{name}")),
    )


def _triggers_of(table: str) -> list[str]:
    """The CREATE TRIGGER statements on a SQLite table: a batch rebuild drops them."""
    rows = op.get_bind().execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
        {"t": table},
    )
    return [sql for (sql,) in rows]


def _add_comment_pairing(table: str) -> None:
    """A nullable pairing_id with its foreign key and index. SQLite rebuilds the table
    (batch mode) and gets its counting triggers (0009_performance) back afterwards."""
    fk = f"fk_{table}_pairing_id_pairings"
    if op.get_bind().dialect.name == "sqlite":
        triggers = _triggers_of(table)
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("pairing_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(fk, "pairings", ["pairing_id"], ["id"], ondelete="CASCADE")
        for sql in triggers:
            op.execute(sql)
    else:
        op.add_column(table, sa.Column("pairing_id", sa.Integer(), nullable=True))
        op.create_foreign_key(fk, table, "pairings", ["pairing_id"], ["id"], ondelete="CASCADE")
    op.create_index(f"ix_{table}_pairing_id", table, ["pairing_id"], unique=False)


def _drop_comment_pairing(table: str) -> None:
    op.drop_index(f"ix_{table}_pairing_id", table_name=table)
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(f"fk_{table}_pairing_id_pairings", table, type_="foreignkey")
        op.drop_column(table, "pairing_id")
        return
    triggers = _triggers_of(table)
    with op.batch_alter_table(table) as batch_op:
        batch_op.drop_constraint(f"fk_{table}_pairing_id_pairings", type_="foreignkey")
        batch_op.drop_column("pairing_id")
    for sql in triggers:
        op.execute(sql)


def upgrade():
    op.add_column("pairings", sa.Column("opens_at", sa.DateTime(), nullable=True))
    _audience_table("entry_audiences", "journal_entries", "entry_id")
    op.create_index(
        "ix_entry_audiences_pairing_entry", "entry_audiences", ["pairing_id", "entry_id"]
    )
    _audience_table("practice_audiences", "practices", "practice_id")
    op.create_index(
        "ix_practice_audiences_pairing_practice",
        "practice_audiences",
        ["pairing_id", "practice_id"],
    )
    _add_comment_pairing("entry_comments")
    _add_comment_pairing("practice_comments")
    for statement in BACKFILL + COMMENT_BACKFILL:
        op.execute(statement)


def downgrade():
    _drop_comment_pairing("practice_comments")
    _drop_comment_pairing("entry_comments")
    op.drop_index("ix_practice_audiences_pairing_practice", table_name="practice_audiences")
    op.drop_table("practice_audiences")
    op.drop_index("ix_entry_audiences_pairing_entry", table_name="entry_audiences")
    op.drop_table("entry_audiences")
    with op.batch_alter_table("pairings") as batch_op:
        batch_op.drop_column("opens_at")
