"""Do the migrations build the schema the models describe, on SQLite and PostgreSQL?"""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from portal import MIGRATIONS_DIR
from portal.extensions import db
from portal.models.journal import is_search_structure
from tests.core.migration_databases import migration_app

pytestmark = pytest.mark.pure  # no database: runs without an app


def _migrate_up_and_down(url: str) -> None:
    app = migration_app(url)
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


def test_do_migrations_apply_to_an_empty_database(empty_database):
    _migrate_up_and_down(empty_database)
