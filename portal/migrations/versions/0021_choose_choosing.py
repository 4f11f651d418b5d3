"""choosing: self-service settings, mentor requests, absences, meet checks, office hours

One open request per mentee and mentor (partial unique index); one live booking per slot
(partial unique index). Capacity has no column: it is counted under a row lock on the
mentor's membership (services/choosing/locks.py).
"""

from alembic import op
import sqlalchemy as sa

revision = "0021_choose_choosing"
down_revision = "0020_sso_company_sign_in"
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'open'")
LIVE = sa.text("status <> 'cancelled'")


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=20)


# The listing version: any change to a mentor's membership in a programme bumps it.
POSTGRESQL = [
    """
    CREATE OR REPLACE FUNCTION choosing_listing_bump() RETURNS trigger AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.role = 'mentor' THEN
            UPDATE choosing_settings SET listing_version = listing_version + 1
            WHERE program_id = OLD.program_id;
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.role = 'mentor'
           AND (TG_OP = 'INSERT' OR NEW.program_id <> OLD.program_id OR OLD.role <> 'mentor') THEN
            UPDATE choosing_settings SET listing_version = listing_version + 1
            WHERE program_id = NEW.program_id;
        END IF;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,
    "CREATE TRIGGER choosing_listing AFTER INSERT OR DELETE OR UPDATE OF program_id, role, "
    "status, profile ON memberships FOR EACH ROW EXECUTE FUNCTION choosing_listing_bump()",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS choosing_listing ON memberships",
    "DROP FUNCTION IF EXISTS choosing_listing_bump()",
]
_BUMP = (
    "UPDATE choosing_settings SET listing_version = listing_version + 1 "
    "WHERE program_id = {row}.program_id;"
)
SQLITE = [
    "CREATE TRIGGER choosing_listing_insert AFTER INSERT ON memberships "
    "WHEN new.role = 'mentor' BEGIN " + _BUMP.format(row="new") + " END",
    "CREATE TRIGGER choosing_listing_delete AFTER DELETE ON memberships "
    "WHEN old.role = 'mentor' BEGIN " + _BUMP.format(row="old") + " END",
    "CREATE TRIGGER choosing_listing_update AFTER UPDATE OF program_id, role, status, profile "
    "ON memberships WHEN old.role = 'mentor' OR new.role = 'mentor' BEGIN "
    + _BUMP.format(row="old")
    + " "
    + _BUMP.format(row="new")
    + " END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS choosing_listing_update",
    "DROP TRIGGER IF EXISTS choosing_listing_delete",
    "DROP TRIGGER IF EXISTS choosing_listing_insert",
]


def upgrade():
    op.create_table(
        "choosing_settings",
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column(
            "mode",
            _enum("matchingmode", "admin", "self_service", "both"),
            nullable=False,
            server_default="admin",
        ),
        sa.Column("max_open_requests", sa.Integer(), nullable=False, server_default="3"),
        sa.Column("remind_after_days", sa.Integer(), nullable=False, server_default="7"),
        sa.Column("expire_after_days", sa.Integer(), nullable=False, server_default="14"),
        sa.Column("requires_approval", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("office_hours", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("meet_check_days", sa.Integer(), nullable=False, server_default="14"),
        sa.Column("listing_version", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("max_open_requests BETWEEN 1 AND 10", name="max_open_range"),
        sa.CheckConstraint("remind_after_days BETWEEN 1 AND 60", name="remind_range"),
        sa.CheckConstraint("expire_after_days BETWEEN 2 AND 90", name="expire_range"),
        sa.CheckConstraint("remind_after_days < expire_after_days", name="remind_before_expiry"),
        sa.CheckConstraint("meet_check_days BETWEEN 7 AND 60", name="meet_check_range"),
        sa.ForeignKeyConstraint(["program_id"], ["programs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("program_id"),
    )
    op.create_table(
        "mentor_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("mentee_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column(
            "status",
            _enum("mentorrequeststatus", "open", "accepted", "declined", "withdrawn", "expired"),
            nullable=False,
        ),
        sa.Column(
            "reason",
            _enum(
                "closereason",
                "accepted",
                "declined",
                "unavailable",
                "full",
                "matched",
                "mentee",
                "expired",
                "team",
            ),
            nullable=True,
        ),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("remind_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("pairing_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("mentor_id <> mentee_id", name="not_self"),
        sa.ForeignKeyConstraint(["program_id"], ["programs.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["mentee_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["mentor_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["pairing_id"], ["pairings.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "uq_mentor_requests_one_open",
        "mentor_requests",
        ["program_id", "mentee_id", "mentor_id"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    op.create_index(
        "ix_mentor_requests_mentor_status", "mentor_requests", ["mentor_id", "status", "program_id"]
    )
    op.create_index(
        "ix_mentor_requests_mentee_status", "mentor_requests", ["mentee_id", "status", "program_id"]
    )
    op.create_index(
        "ix_mentor_requests_program_status",
        "mentor_requests",
        ["program_id", "status", "created_at"],
    )
    op.create_index(
        "ix_mentor_requests_open_due",
        "mentor_requests",
        ["expires_at"],
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    op.create_table(
        "mentor_absences",
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("away_from", sa.Date(), nullable=False),
        sa.Column("away_until", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("away_until >= away_from", name="dates_in_order"),
        sa.ForeignKeyConstraint(["membership_id"], ["memberships.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("membership_id"),
    )
    op.create_table(
        "meet_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pairing_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("answer", _enum("meetanswer", "yes", "no"), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["pairing_id"], ["pairings.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pairing_id", "user_id", name="uq_meet_checks_once"),
    )
    # The discovery query counts each mentor's places and waiting requests per programme.
    op.create_index(
        "ix_pairings_program_mentor_status", "pairings", ["program_id", "mentor_id", "status"]
    )

    op.create_table(
        "office_hour_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("zone", sa.String(64), nullable=False),
        sa.Column("topics", sa.String(300), nullable=False),
        sa.Column("place", sa.String(300), nullable=False),
        sa.Column("status", _enum("slotstatus", "open", "withdrawn"), nullable=False),
        sa.Column("uid", sa.String(120), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("minutes BETWEEN 15 AND 120", name="minutes_range"),
        sa.ForeignKeyConstraint(["program_id"], ["programs.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["mentor_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uid", name="uq_office_hour_slots_uid"),
    )
    op.create_index(
        "ix_office_hour_slots_program_starts",
        "office_hour_slots",
        ["program_id", "status", "starts_at"],
    )
    op.create_index(
        "ix_office_hour_slots_mentor_starts", "office_hour_slots", ["mentor_id", "starts_at"]
    )
    op.create_table(
        "office_hour_bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("booker_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(200), nullable=False),
        sa.Column(
            "status",
            _enum("bookingstatus", "booked", "cancelled", "held", "missed"),
            nullable=False,
        ),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        sa.Column("missed_by", sa.String(10), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("booker_wants_pairing", sa.Boolean(), nullable=False),
        sa.Column("mentor_wants_pairing", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating_range"),
        sa.ForeignKeyConstraint(["slot_id"], ["office_hour_slots.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["booker_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["cancelled_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "uq_office_hour_bookings_one_per_slot",
        "office_hour_bookings",
        ["slot_id"],
        unique=True,
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )
    op.create_index(
        "ix_office_hour_bookings_booker", "office_hour_bookings", ["booker_id", "status"]
    )
    statements = POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE
    for statement in statements:
        op.execute(statement)


def downgrade():
    statements = POSTGRESQL_DROP if op.get_bind().dialect.name == "postgresql" else SQLITE_DROP
    for statement in statements:
        op.execute(statement)
    op.drop_table("office_hour_bookings")
    op.drop_table("office_hour_slots")
    op.drop_index("ix_pairings_program_mentor_status", table_name="pairings")
    op.drop_table("meet_checks")
    op.drop_table("mentor_absences")
    op.drop_table("mentor_requests")
    op.drop_table("choosing_settings")
