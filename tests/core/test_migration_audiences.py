"""Does migration 0017_relationship_audiences give old rows the audience they had when they
were written (docs/sharing.md, "What the migration did"), on SQLite and PostgreSQL?"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_migrate import upgrade

from portal import MIGRATIONS_DIR
from portal.extensions import db
from tests.core.migration_databases import migration_app


def _at(year: int, month: int) -> datetime:
    return datetime(year, month, 15, 12, 0)


def _filler(column: sa.Column):
    """A plain value for a required column the scenario does not care about."""
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.DateTime):
        return _at(2024, 1)
    if isinstance(kind, sa.Date):
        return date(2024, 1, 1)
    if isinstance(kind, (sa.Integer, sa.Float, sa.Numeric)):
        return 0
    if isinstance(kind, sa.JSON):
        return {}
    return "x"


def _insert(connection, table_name: str, **values) -> int:
    table = sa.Table(table_name, sa.MetaData(), autoload_with=connection)
    for column in table.columns:
        if column.name in values or column.nullable or column.primary_key:
            continue
        values[column.name] = _filler(column)
    result = connection.execute(table.insert().values(**values))
    return result.inserted_primary_key[0] if result.inserted_primary_key else 0


def _old_world(connection) -> dict[str, int]:
    """A mentor with last year's mentee (completed) and this year's (active), at 0016."""
    ids = {}
    for key in ("mentor", "ana", "ben", "cy"):
        ids[key] = _insert(
            connection, "users", email=f"{key}@x.test", name=key.title(), password_hash="x"
        )
    for key, year in (("p2025", 2025), ("p2026", 2026)):
        ids[key] = _insert(
            connection,
            "programs",
            name=f"Leadership {year}",
            slug=f"l{year}",
            status="running",
            cadence="monthly",
            starts_on=date(year, 1, 1),
            ends_on=date(year, 12, 31),
        )

    def pairing(program, mentee, status, approved, ended=None):
        return _insert(
            connection,
            "pairings",
            program_id=ids[program],
            mentor_id=ids["mentor"],
            mentee_id=ids[mentee],
            status=status,
            created_at=approved or _at(2025, 12),
            approved_at=approved,
            ended_at=ended,
        )

    ids["last"] = pairing("p2025", "ana", "completed", _at(2025, 1), _at(2025, 12))
    ids["this"] = pairing("p2026", "ben", "active", _at(2026, 1))
    ids["proposed"] = pairing("p2026", "cy", "proposed", None)

    def entry(key, visibility, written):
        ids[key] = _insert(
            connection,
            "journal_entries",
            author_id=ids["mentor"],
            title=key,
            body="",
            visibility=visibility,
            status="published",
            version=1,
            created_at=written,
            updated_at=written,
            published_at=written,
        )

    entry("before_any", "shared", _at(2024, 6))
    entry("during_last", "shared", _at(2025, 6))
    entry("during_this", "shared", _at(2026, 3))
    entry("private", "private", _at(2025, 6))
    entry("reflection", "shared", _at(2026, 2))  # written after both, about the last
    _insert(
        connection,
        "closing_reflections",
        pairing_id=ids["last"],
        user_id=ids["mentor"],
        entry_id=ids["reflection"],
        created_at=_at(2026, 2),
    )
    ids["practice"] = _insert(
        connection,
        "practices",
        owner_id=ids["ana"],
        title="Listen",
        visibility="shared",
        status="open",
        per_week=3,
        starts_on=date(2025, 6, 1),
        ends_on=date(2025, 6, 21),
        created_at=_at(2025, 6),
    )
    ids["ana_comment"] = _insert(
        connection,
        "entry_comments",
        entry_id=ids["during_last"],
        author_id=ids["ana"],
        body="thanks",
        created_at=_at(2025, 7),
    )
    ids["reply"] = _insert(
        connection,
        "entry_comments",
        entry_id=ids["during_last"],
        author_id=ids["mentor"],
        body="welcome",
        created_at=_at(2025, 7),
    )
    ids["late_comment"] = _insert(  # after the pairing ended: the latest between them
        connection,
        "entry_comments",
        entry_id=ids["during_last"],
        author_id=ids["ana"],
        body="still thinking",
        created_at=_at(2026, 5),
    )
    ids["mentor_on_practice"] = _insert(
        connection,
        "practice_comments",
        practice_id=ids["practice"],
        author_id=ids["mentor"],
        kind="comment",
        body="go on",
        created_at=_at(2025, 7),
    )
    return ids


def _check(url: str) -> None:
    app = migration_app(url)
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="0016_membership_counts")
        with db.engine.begin() as connection:
            ids = _old_world(connection)
        upgrade(directory=MIGRATIONS_DIR, revision="heads")
        with db.engine.connect() as connection:

            def rows(sql):
                return {tuple(r) for r in connection.execute(sa.text(sql))}

            assert rows("SELECT entry_id, pairing_id FROM entry_audiences") == {
                (ids["during_last"], ids["last"]),
                (ids["during_this"], ids["this"]),
                (ids["reflection"], ids["last"]),  # its own pairing only
            }
            assert rows("SELECT practice_id, pairing_id FROM practice_audiences") == {
                (ids["practice"], ids["last"])
            }
            assert rows("SELECT id, pairing_id FROM entry_comments") == {
                (ids["ana_comment"], ids["last"]),
                (ids["reply"], None),
                (ids["late_comment"], ids["last"]),
            }
            assert rows("SELECT id, pairing_id FROM practice_comments") == {
                (ids["mentor_on_practice"], ids["last"])
            }
            assert rows("SELECT id FROM pairings WHERE opens_at = approved_at") == {
                (ids["last"],),
                (ids["this"],),
            }
            assert rows("SELECT id FROM pairings WHERE opens_at IS NULL") == {(ids["proposed"],)}
        db.engine.dispose()


def test_does_the_migration_give_old_rows_their_audience(empty_database):
    _check(empty_database)
