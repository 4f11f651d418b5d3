"""The migration tests' empty databases (tests/core/migration_databases.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.core import migration_databases


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """An empty database, once on SQLite and once on PostgreSQL."""
    with migration_databases.empty_database(request.param, tmp_path) as url:
        yield url
