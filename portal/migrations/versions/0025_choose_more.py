"""choose more: an index for discovery's listing of a programme's active mentors

Discovery lists a programme's active mentors on every page (services/choosing/discovery.py,
`_listed_mentors`). With (program_id, role, status, user_id) the listing is an index-only
scan of the programme's mentors instead of a scan of every membership of the programme.
"""

from alembic import op

revision = "0025_choose_more"
down_revision = "0024_circles"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_memberships_program_role_status",
        "memberships",
        ["program_id", "role", "status", "user_id"],
    )


def downgrade():
    op.drop_index("ix_memberships_program_role_status", table_name="memberships")
