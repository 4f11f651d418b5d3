"""circles: the agenda for the next meeting, comments written in a circle, introductions

Revision ID: 0028_circles_talk
Revises: 0027_circles_more
Create Date: 2026-12-06 07:45:00
"""

from alembic import op
import sqlalchemy as sa

revision = "0028_circles_talk"
down_revision = "0027_circles_more"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "circle_agenda_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("covered_meeting_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["circle_id"], ["circles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["covered_meeting_id"], ["circle_meetings.id"], ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_circle_agenda_points_circle_meeting",
        "circle_agenda_points",
        ["circle_id", "covered_meeting_id"],
    )
    op.create_index("ix_circle_agenda_points_author_id", "circle_agenda_points", ["author_id"])
    op.create_table(
        "circle_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("practice_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "(entry_id IS NULL) <> (practice_id IS NULL)", name="circle_comment_one_item"
        ),
        sa.ForeignKeyConstraint(["circle_id"], ["circles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["entry_id"], ["journal_entries.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["practice_id"], ["practices.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_circle_comments_circle_entry", "circle_comments", ["circle_id", "entry_id"])
    op.create_index(
        "ix_circle_comments_circle_practice", "circle_comments", ["circle_id", "practice_id"]
    )
    op.create_index("ix_circle_comments_author_id", "circle_comments", ["author_id"])
    op.create_table(
        "circle_introductions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["circle_id"], ["circles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("circle_id", "user_id", name="uq_circle_introductions_person"),
    )
    op.create_index("ix_circle_introductions_user_id", "circle_introductions", ["user_id"])


def downgrade() -> None:
    op.drop_table("circle_introductions")
    op.drop_table("circle_comments")
    op.drop_table("circle_agenda_points")
