"""What every benchmark needs: Horizon on a fresh SQLite database, fully migrated."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from portal import MIGRATIONS_DIR, create_app  # noqa: E402


@contextmanager
def migrated_app() -> Iterator[Flask]:
    """A Horizon app on a new temporary SQLite database with every migration applied."""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
                "SECRET_KEY": "bench",
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": False,
            }
        )
        with app.app_context():
            upgrade(directory=MIGRATIONS_DIR, revision="heads")
        yield app
