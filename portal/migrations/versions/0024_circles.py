"""circles: a programme's format, circles with member stints, and circle audiences

`programs.format` is added with a plain ADD COLUMN (never a batch rebuild: on SQLite that
would drop `programs` and cascade into memberships and pairings). Every existing programme
becomes one-to-one. New tables: circles, circle_members (stints; one current stint per
person and circle), and the circle audiences of entries, practices and goals.
"""

from alembic import op
import sqlalchemy as sa

revision = "0024_circles"
down_revision = "0023_finish_news"
branch_labels = None
depends_on = None

FORMAT_CHECK = "format IN ('one_to_one', 'circles', 'both')"


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=20)


def _audience(table, item, item_table):
    op.create_table(
        table,
        sa.Column(f"{item}_id", sa.Integer(), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint([f"{item}_id"], [f"{item_table}.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["circle_id"], ["circles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint(f"{item}_id", "circle_id"),
    )
    op.create_index(f"ix_{table}_circle_{item}", table, ["circle_id", f"{item}_id"])


def upgrade():
    # A plain ADD COLUMN on both databases; SQLite takes the CHECK inline (it cannot add a
    # constraint to an existing table without rebuilding it, which must never happen here).
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE programs ADD COLUMN format VARCHAR(20) DEFAULT 'one_to_one' NOT NULL "
            f"CONSTRAINT ck_programs_programformat CHECK ({FORMAT_CHECK})"
        )
    else:
        op.add_column(
            "programs",
            sa.Column("format", sa.String(20), nullable=False, server_default="one_to_one"),
        )
        op.create_check_constraint("programformat", "programs", FORMAT_CHECK)
    op.create_table(
        "circles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("facilitator_membership_id", sa.Integer(), nullable=False),
        sa.Column("facilitator_id", sa.Integer(), nullable=False),
        sa.Column("theme", sa.String(200), nullable=False),
        sa.Column("cadence", _enum("cadence", "monthly", "biweekly"), nullable=False),
        sa.Column("min_size", sa.Integer(), nullable=False),
        sa.Column("max_size", sa.Integer(), nullable=False),
        sa.Column(
            "status", _enum("circlestatus", "proposed", "active", "completed", "ended"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("opens_at", sa.DateTime(), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("explanation", sa.JSON(), nullable=True),
        sa.CheckConstraint("min_size BETWEEN 2 AND 20", name="circle_min_size"),
        sa.CheckConstraint("max_size BETWEEN 2 AND 20", name="circle_max_size"),
        sa.CheckConstraint("min_size <= max_size", name="circle_size_order"),
        sa.ForeignKeyConstraint(["program_id"], ["programs.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["facilitator_membership_id"], ["memberships.id"], ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["facilitator_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_circles_program_status", "circles", ["program_id", "status"])
    op.create_index(
        "ix_circles_facilitator_membership_id", "circles", ["facilitator_membership_id"]
    )
    op.create_index("ix_circles_facilitator_id", "circles", ["facilitator_id"])
    op.create_table(
        "circle_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
        sa.Column("left_at", sa.DateTime(), nullable=True),
        sa.Column("leave_note", sa.Text(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("explanation", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["circle_id"], ["circles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["membership_id"], ["memberships.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "uq_circle_members_current",
        "circle_members",
        ["circle_id", "user_id"],
        unique=True,
        sqlite_where=sa.text("left_at IS NULL"),
        postgresql_where=sa.text("left_at IS NULL"),
    )
    op.create_index("ix_circle_members_user_circle", "circle_members", ["user_id", "circle_id"])
    op.create_index("ix_circle_members_membership_id", "circle_members", ["membership_id"])
    _audience("entry_circle_audiences", "entry", "journal_entries")
    _audience("practice_circle_audiences", "practice", "practices")
    _audience("goal_circle_audiences", "goal", "goals")
    op.create_table(
        "circle_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(120), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(300), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("minutes BETWEEN 15 AND 240", name="circle_minutes_range"),
        sa.ForeignKeyConstraint(["circle_id"], ["circles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["proposed_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uid"),
    )
    op.create_index(
        "ix_circle_meetings_circle_starts", "circle_meetings", ["circle_id", "starts_at"]
    )
    op.create_table(
        "circle_attendance",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("attended", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["circle_meetings.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("meeting_id", "user_id"),
    )


def downgrade():
    op.drop_table("circle_attendance")
    op.drop_table("circle_meetings")
    for table in ("goal_circle_audiences", "practice_circle_audiences", "entry_circle_audiences"):
        op.drop_table(table)
    op.drop_table("circle_members")
    op.drop_table("circles")
    op.drop_column("programs", "format")
