"""Does every migration keep the rows written under the schema before it, on SQLite and PostgreSQL?

The walk: start empty; for each revision in order, upgrade to it and write two rows into every
table that exists then (generic rows that satisfy its keys, foreign keys and CHECK constraints,
read from the live schema). Every later step must keep every earlier row, except where a
migration documents that it rebuilds a table (DROPPED_BY). At the end the app's models load
every row of every table, so old rows are valid for today's code (enum values, JSON, NOT NULL).
"""

from __future__ import annotations

import itertools
import re
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from portal import MIGRATIONS_DIR
from portal.extensions import db
from tests.core.migration_databases import migration_app

# Tables a migration empties on purpose, and why (the docstring of that migration says so).
DROPPED_BY = {
    "0015_insights_speed": {"pair_health_snapshots"},  # a rollup: recomputed by the worker
}
# Structures kept by triggers or by the database itself, never written directly.
SKIP = re.compile(r"^(alembic_version|.*_fts(_.*)?|sqlite_.*)$")

_seq = itertools.count(1)
# A column a CHECK wants empty in a generic row: "exactly one of a and b" (`(a IS NULL) <> (b IS
# NULL)`, e.g. a circle comment is on an entry or on a practice) keeps b NULL.
EMPTY = object()


def revisions_in_order() -> list[str]:
    """Every revision, parents before children (merges after all their parents)."""
    script = ScriptDirectory(MIGRATIONS_DIR)
    return [rev.revision for rev in reversed(list(script.walk_revisions("base", "heads")))]


def _check_rules(inspector, table: str) -> dict[str, object]:
    """A value per column that a CHECK constraint pins down: `IN (...)` or `BETWEEN a AND b`."""
    rules: dict[str, object] = {}
    for check in inspector.get_check_constraints(table):
        sql = check["sqltext"]
        if m := re.search(r"\"?(\w+)\"?\s+IN\s*\(\s*'([^']*)'", sql, re.I):
            rules[m.group(1)] = m.group(2)
        elif m := re.search(
            r"\"?(\w+)\"?(?:\)?::text)?\s*=\s*ANY\s*\(\s*\(?ARRAY\[\s*'([^']*)'", sql, re.I
        ):
            rules[m.group(1)] = m.group(2)  # PostgreSQL's spelling of IN
        elif m := re.search(r"\"?(\w+)\"?\s+BETWEEN\s+(\d+)\s+AND", sql, re.I):
            rules[m.group(1)] = int(m.group(2))
        elif m := re.search(r"\"?(\w+)\"?\s*>=\s*(\d+)\s+AND", sql, re.I):
            rules[m.group(1)] = int(m.group(2))  # PostgreSQL's spelling of BETWEEN
        elif m := re.search(
            r"\"?(\w+)\"?\s+IS\s+NULL\s*\)\s*<>\s*\(\s*\"?(\w+)\"?\s+IS\s+NULL", sql, re.I
        ):
            rules[m.group(2)] = EMPTY
    return rules


def _value(column: dict, n: int):
    kind = column["type"]
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.DateTime):
        return datetime(2020, 1, 1, 9, 0) + timedelta(days=n, minutes=n)  # distinct: unique keys
    if isinstance(kind, sa.Date):
        return date(2020, 1, 1) + timedelta(days=n)
    if isinstance(kind, sa.Integer | sa.Numeric | sa.Float):
        return n
    if isinstance(kind, sa.JSON):
        return {}
    if isinstance(kind, sa.LargeBinary) or str(kind).upper() in {"BLOB", "BYTEA"}:
        return b"old bytes"
    if isinstance(kind, sa.String) and kind.length:
        return f"v{n}"[: kind.length]
    return f"old row {n}"  # Text and anything textual


def fill_every_table(connection) -> dict[str, int]:
    """Two new rows in every table; returns the inserted primary keys' count per table."""
    inspector = sa.inspect(connection)
    metadata = sa.MetaData()
    metadata.reflect(connection)
    written: dict[str, list] = {}
    for table in metadata.sorted_tables:
        if SKIP.match(table.name):
            continue
        columns = {c["name"]: c for c in inspector.get_columns(table.name)}
        rules = _check_rules(inspector, table.name)
        fks = {
            fk["constrained_columns"][0]: fk["referred_table"]
            for fk in inspector.get_foreign_keys(table.name)
            if len(fk["constrained_columns"]) == 1
        }
        written[table.name] = []
        for i in range(2):
            n = next(_seq)
            row = {}
            for j, (name, column) in enumerate(columns.items()):
                if (
                    column.get("computed")
                    or (column.get("autoincrement") is True or name == "id")
                    and name in table.primary_key.columns
                    and name not in fks
                ):
                    continue
                if rules.get(name) is EMPTY:
                    continue
                if name in fks:
                    referred = written.get(fks[name]) or []
                    if fks[name] == table.name or not referred:
                        if column["nullable"]:
                            continue
                        pytest.fail(f"{table.name}.{name}: no {fks[name]} row to point at")
                    row[name] = referred[(i + j) % len(referred)]
                elif name in rules:
                    row[name] = rules[name]
                elif column["nullable"] and name.endswith(("_at", "_on")) and name != "created_at":
                    continue  # optional moments stay empty, like most real rows
                else:
                    row[name] = _value(column, n)
            try:
                result = connection.execute(table.insert().values(row))
            except sa.exc.DBAPIError as error:
                pytest.fail(f"cannot write an old row into {table.name}: {error.orig}\n{row}")
            pk = result.inserted_primary_key
            written[table.name].append(pk[0] if pk and len(pk) == 1 else None)
    return {name: len(ids) for name, ids in written.items()}


def _counts(connection) -> dict[str, int]:
    names = [n for n in sa.inspect(connection).get_table_names() if not SKIP.match(n)]
    return {n: connection.execute(sa.text(f'SELECT count(*) FROM "{n}"')).scalar() for n in names}


def _walk(url: str) -> list[str]:
    app = migration_app(url)
    report = []
    with app.app_context():
        expected: dict[str, int] = {}
        for revision in revisions_in_order():
            upgrade(directory=MIGRATIONS_DIR, revision=revision)
            with db.engine.begin() as connection:
                now = _counts(connection)
                for table in DROPPED_BY.get(revision, ()):
                    expected.pop(table, None)
                lost = {t: (n, now.get(t, 0)) for t, n in expected.items() if now.get(t, 0) < n}
                assert not lost, f"{revision} lost rows (table: before, after): {lost}"
                for table, n in fill_every_table(connection).items():
                    expected[table] = now.get(table, 0) + n
            report.append(f"{revision}: {len(expected)} tables, {sum(expected.values())} rows")
        # Today's models read every old row (enum values, JSON, NOT NULL all hold).
        for mapper in db.Model.registry.mappers:
            db.session.scalars(sa.select(mapper.class_)).all()
        db.session.rollback()
        db.engine.dispose()
    return report


def test_does_every_migration_keep_old_rows(empty_database):
    print("\n".join(_walk(empty_database)))
