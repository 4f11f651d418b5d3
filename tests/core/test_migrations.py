"""Do the migrations build the schema the models describe, on SQLite and PostgreSQL?"""

import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from portal import MIGRATIONS_DIR, create_app
from portal.extensions import db
from portal.models.journal import is_search_structure

pytestmark = pytest.mark.pure  # no database: runs without an app

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def _migrate_up_and_down(url: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "m", "TESTING": True})
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="heads")
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {"users", "programs", "memberships", "pairings", "notifications"} <= tables
        assert set(db.metadata.tables) <= tables
        with db.engine.connect() as connection:
            # The full-text search structures are dialect-specific and made by migration only.
            context = MigrationContext.configure(
                connection, opts={"include_name": is_search_structure}
            )
            differences = compare_metadata(context, db.metadata)
        assert differences == [], f"models and migrations differ: {differences}"
        downgrade(directory=MIGRATIONS_DIR, revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_do_migrations_apply_to_an_empty_sqlite_database(tmp_path):
    _migrate_up_and_down(f"sqlite:///{tmp_path / 'empty.db'}")


@pytest.fixture
def empty_postgres_database():
    """A brand-new PostgreSQL database, dropped afterwards. PostgreSQL must be running."""
    name = f"horizon_migrations_{uuid.uuid4().hex[:12]}"
    server = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with server.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def test_do_migrations_apply_to_an_empty_postgresql_database(empty_postgres_database):
    _migrate_up_and_down(empty_postgres_database)
