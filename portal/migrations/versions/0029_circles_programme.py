"""circles: a survey response's circle and its "how useful is your circle?" answer

Revision ID: 0029_circles_programme
Revises: 0028_circles_talk
Create Date: 2026-12-06 07:30:00
"""

from alembic import op
import sqlalchemy as sa

revision = "0029_circles_programme"
down_revision = "0028_circles_talk"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A new table rather than a column on survey_responses: no table rebuild on SQLite.
    op.create_table(
        "survey_circle_answers",
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=False),
        sa.Column("usefulness", sa.Integer(), nullable=False),
        sa.CheckConstraint("usefulness BETWEEN 1 AND 5", name="circle_usefulness_range"),
        sa.ForeignKeyConstraint(["response_id"], ["survey_responses.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["circle_id"], ["circles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("response_id"),
    )
    op.create_index("ix_survey_circle_answers_circle", "survey_circle_answers", ["circle_id"])


def downgrade() -> None:
    op.drop_index("ix_survey_circle_answers_circle", table_name="survey_circle_answers")
    op.drop_table("survey_circle_answers")
