"""Fixtures shared by every test: the app, a client, signing in, and counting queries.

The suite runs on SQLite by default and on PostgreSQL when DATABASE_URL names one. The
schema is built once per run by the real migrations; each test then empties every table.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event, text

from portal import MIGRATIONS_DIR, create_app
from portal.extensions import db
from tests.factories import DEFAULT_PASSWORD


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/e2e is a browser test."""
    for item in items:
        if "e2e" in item.path.parts:
            item.add_marker(pytest.mark.e2e)


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'horizon-test.db'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The test database, migrated to the newest schema once per run."""
    url = _database_url(tmp_path_factory)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "t"})
    with app.app_context():
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        upgrade(directory=MIGRATIONS_DIR, revision="heads")
        db.engine.dispose()
    return url


def _empty_all_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(text(f'DELETE FROM "{table}"'))
        # Triggers count into these while their source tables are emptied: empty them last.
        for table in ("journal_daily_counts", "journal_author_tags", "membership_counts"):
            db.session.execute(text(f'DELETE FROM "{table}"'))
    db.session.commit()


def make_test_app(database_url: str, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": "localhost",
        # Real argon2id, with its cheapest parameters: hundreds of logins stay fast.
        "PASSWORD_HASH_PROFILE": "cheapest",
        "MAIL_BACKEND": "locmem",
        # Background jobs run inline (Huey's immediate mode); tests/worker/ also runs a real
        # consumer against Redis.
        "TASKS_IMMEDIATE": True,
        "BASE_URL": "http://localhost",
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = RequestIsolatingClient
    return app


class RequestIsolatingClient(FlaskClient):
    """A test client whose requests start without the previous request's `g`.

    Tests keep one app context pushed (so factories and assertions share the session),
    and Flask shares that context's `g` with the requests made inside it. In production
    every request has a fresh `g`; Flask-Login and Flask-WTF cache per-request state
    there (the user, the CSRF token), so it is cleared before each request.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            for key in list(g):
                g.pop(key)
        return super().open(*args, **kwargs)


@pytest.fixture
def app_config() -> dict:
    """Override in a test module (or parametrize) to change the app's settings."""
    return {}


@pytest.fixture
def app(database_url: str, app_config: dict) -> Iterator:
    """A fresh app with an app context pushed and empty tables afterwards."""
    app = make_test_app(database_url, **app_config)
    with app.app_context():
        yield app
        db.session.rollback()
        _empty_all_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _app_for_every_unit_test(request: pytest.FixtureRequest) -> None:
    """Every test outside tests/e2e runs inside a fresh app, so factories just work."""
    if "e2e" not in request.keywords:
        request.getfixturevalue("app")


@pytest.fixture
def client(app):
    return app.test_client()


def open_session(client, user) -> None:
    """Sign `user` in on `client` without the login form (for tests that need no CSRF token)."""
    import hashlib
    import secrets

    from portal.models.sessions import UserSession
    from portal.services.accounts import SESSION_TOKEN_KEY

    token = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(user_id=user.id, token_hash=hashlib.sha256(token.encode()).hexdigest())
    )
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session[SESSION_TOKEN_KEY] = token


class AuthActions:
    """Sign in and out through the real login form."""

    def __init__(self, client):
        self._client = client

    def login(self, user_or_email, password: str = DEFAULT_PASSWORD):
        email = getattr(user_or_email, "email", user_or_email)
        return self._client.post("/auth/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/auth/logout")


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """`with count_queries() as counter:` counts the SQL statements sent inside the block."""

    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()

        def record(conn, cursor, statement, parameters, context, executemany):
            counter.statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", record)

    return counting


HX = {"HX-Request": "true"}


def hx_headers(target: str | None = None, **extra: str) -> dict[str, str]:
    """Headers of an htmx request that targets the element with the given id."""
    headers = dict(HX)
    if target:
        headers["HX-Target"] = target
    headers.update(extra)
    return headers
