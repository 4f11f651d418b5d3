"""Fixtures shared by every test: the app, a client, signing in, and counting queries.

The suite runs on SQLite by default and on PostgreSQL when DATABASE_URL names one. The
schema is built once per run (per xdist worker: each has its own database) by the real
migrations. Then:

- most tests run on an app built once per distinct `app_config` and cached for the run;
  each test runs inside one outer transaction on one connection, and the session joins it
  with savepoints, so the code's own commit() and rollback() work and everything the test
  wrote vanishes with one ROLLBACK at the end (triggers' count rows included);
- tests marked `committed` (by path, see COMMITTED, or by hand) need data that another
  connection, thread or process can see: they get a fresh app on the real engine and every
  table is emptied after them, as before;
- tests marked `own_app` change the app itself (add a route): they get an app of their
  own, still rolled back;
- tests marked `shared_world` read a world that their module's `world` fixture builds once
  (per xdist worker) on committed data, and write nothing: every table is compared after
  each test, and emptied after the module;
- tests marked `pure` touch no database and get no app at all;
- tests under tests/e2e run their own live servers (marked `e2e`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event, text

from portal import MIGRATIONS_DIR, create_app
from portal.extensions import db, limiter
from tests.factories import DEFAULT_PASSWORD

TESTS = Path(__file__).parent
# Tests that need committed data seen by another connection, thread or process: a live
# server, a real Huey consumer, two app instances sharing one rate-limit store.
# A new file under one of these folders is committed automatically.
COMMITTED = (
    "concurrency/",
    "worker/",
    "reminders/test_workers.py",
    "auth/test_rate_limit.py",
    # Thousands of commits: as savepoints of one PostgreSQL transaction they overflow its
    # subtransaction cache and every query slows down (30+ minutes instead of a few).
    "privacy/test_no_leaks.py",
    # Company sign-in against real providers: Horizon runs on a real port (tests/providers).
    "auth/test_oidc.py",
    "auth/test_saml.py",
    "auth/test_deactivation.py",
    "scim/",
)
# The real identity providers (OpenID, SAML) and the live Horizon they call back.
pytest_plugins = ["tests.providers.fixtures"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/e2e is a browser test; COMMITTED paths get committed data."""
    for item in items:
        try:
            relative = item.path.relative_to(TESTS).as_posix()
        except ValueError:
            continue
        if relative.startswith("e2e/"):
            item.add_marker(pytest.mark.e2e)
        elif relative.startswith(COMMITTED):
            item.add_marker(pytest.mark.committed)


def _worker() -> str:
    """The pytest-xdist worker id ("gw0", "gw1", ...), or "" without xdist."""
    return os.environ.get("PYTEST_XDIST_WORKER", "")


def _admin_sql(url: sa.URL, statement: str) -> None:
    """Run one statement on the server's `postgres` database (CREATE/DROP DATABASE)."""
    engine = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The test database, migrated to the newest schema once per run (per xdist worker).

    SQLite: a file in the worker's own temporary folder. PostgreSQL: DATABASE_URL itself
    without xdist; under xdist each worker creates `<database>_<worker>` beside it and
    drops it at the end.
    """
    url = os.environ.get("DATABASE_URL")
    worker = _worker()
    created: sa.URL | None = None
    if url:
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
        if worker:
            base = sa.make_url(url)
            created = base.set(database=f"{base.database}_{worker}")
            _admin_sql(created, f'DROP DATABASE IF EXISTS "{created.database}" WITH (FORCE)')
            _admin_sql(created, f'CREATE DATABASE "{created.database}"')
            url = created.render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'horizon-test.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "t"})
    with app.app_context():
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        upgrade(directory=MIGRATIONS_DIR, revision="heads")
        db.engine.dispose()
    yield url
    if created is not None:
        _admin_sql(created, f'DROP DATABASE IF EXISTS "{created.database}" WITH (FORCE)')


# Every this many rolled-back tests, a worker vacuums its PostgreSQL database (see `_vacuum`).
VACUUM_EVERY = 20
_rolled_back = 0


def _vacuum() -> None:
    """On PostgreSQL, clear the dead rows the tests left and refresh the planner's statistics.

    Emptied tables (DELETE) and rolled-back tests leave dead rows, and nothing may clear them:
    this machine's server runs with autovacuum off. Without this, by the middle of a run
    journal_entries held 60,000 dead rows in 1,800 pages, and a leak-sweep test that takes
    9 s on a fresh database took 250 s. A VACUUM (ANALYZE) takes 0.04-0.3 s.
    """
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # TRUNCATE false: giving back a table's empty tail pages needs an exclusive lock, and
        # while a test's outer transaction holds its tables VACUUM waits 5 s per table for it.
        connection.exec_driver_sql("VACUUM (ANALYZE, TRUNCATE false)")


def _vacuum_now_and_then() -> None:
    global _rolled_back
    _rolled_back += 1
    if _rolled_back % VACUUM_EVERY == 0:
        _vacuum()


def _empty_all_tables() -> None:
    """Delete every row, children first, and start PostgreSQL's ids at 1 again.

    DELETE rather than TRUNCATE: a test leaves a few rows, and PostgreSQL's TRUNCATE of
    70 tables gives each a new file (1-2 s per committed test; DELETE takes 20-60 ms).
    """
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(text(f'DELETE FROM "{table.name}"'))
    # Triggers count into these while their source tables are emptied: empty them last.
    for table in ("journal_daily_counts", "journal_author_tags", "membership_counts"):
        db.session.execute(text(f'DELETE FROM "{table}"'))
    if db.engine.dialect.name == "postgresql":
        # As TRUNCATE ... RESTART IDENTITY did: the next id of every table is 1.
        db.session.execute(
            text(
                "SELECT setval(c.oid, 1, false) FROM pg_class c"
                " WHERE c.relkind = 'S' AND c.relnamespace = current_schema()::regnamespace"
            )
        )
    db.session.commit()
    _vacuum()


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


REDIS_URL = os.environ.get("HORIZON_TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


@contextmanager
def instances_sharing_redis(database_url: str, **config) -> Iterator[tuple]:
    """Two app instances (as two gunicorn workers would be) with rate limits on, sharing one
    Redis under a fresh key prefix that is cleared afterwards."""
    import uuid

    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.ping()  # Redis is part of the platform; fail loudly if absent
    prefix = f"horizon-test-{uuid.uuid4().hex}"
    config = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix,
        **config,
    }
    instances = (make_test_app(database_url, **config), make_test_app(database_url, **config))
    try:
        yield instances
    finally:
        for key in client.scan_iter(f"*{prefix}*"):
            client.delete(key)
        for instance in instances:
            with instance.app_context():
                db.engine.dispose()


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


class _SessionOnTestConnection(FlaskSession):
    """Flask-SQLAlchemy's session, but bound to the test's connection when it has one.

    Flask-SQLAlchemy picks the app's engine even when the session was given a `bind`; this
    keeps its choice for any other app (a test may build one on another database).
    """

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        on_test_connection = isinstance(self.bind, sa.Connection)
        if bind is None and on_test_connection and self.bind.engine is self._db.engine:
            return self.bind
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


db.session.session_factory.class_ = _SessionOnTestConnection


def _transactional_sqlite(engine: sa.Engine) -> None:
    """Make pysqlite honour BEGIN and SAVEPOINT (its own transaction handling does not).

    The recipe from SQLAlchemy's SQLite dialect notes: the driver stays in autocommit and
    SQLAlchemy emits BEGIN itself, so a SAVEPOINT nests inside the test's transaction.
    """

    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection, connection_record) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        connection.exec_driver_sql("BEGIN")


@pytest.fixture(scope="session")
def _cached_apps(database_url: str) -> Iterator[dict[str, object]]:
    """One app per distinct `app_config`, built on first use and kept for the run."""
    apps: dict[str, object] = {}
    yield apps
    for cached in apps.values():
        with cached.app_context():
            db.engine.dispose()


def _cached_app(apps: dict, database_url: str, app_config: dict):
    key = repr(sorted(app_config.items()))
    if key not in apps:
        app = make_test_app(database_url, **app_config)
        with app.app_context():
            if db.engine.dialect.name == "sqlite":
                _transactional_sqlite(db.engine)
        apps[key] = app
    return apps[key]


def _reset_process_state(app) -> None:
    """Point the process-wide extension state back at `app`, as building it did.

    The task queue and the rate limiter are module-level objects that each create_app()
    configures; another test may have built an app with other settings since.
    """
    from portal.tasks import init_tasks

    init_tasks(app)
    limiter.enabled = app.config.get("RATELIMIT_ENABLED", True)
    if limiter.enabled:
        limiter.init_app(app)  # fresh counters (its hooks are registered only once)
    mailman = app.extensions["mailman"]
    if hasattr(mailman, "outbox"):
        del mailman.outbox  # the locmem backend makes a new, empty one


@pytest.fixture
def app(request: pytest.FixtureRequest, database_url: str, app_config: dict) -> Iterator:
    """The app with an app context pushed; whatever the test wrote is gone afterwards.

    Tests marked `committed` get a fresh app on the real engine and emptied tables; all
    others run inside a transaction that is rolled back, on the cached app for their
    `app_config` (or, marked `own_app`, on one built for them alone).
    """
    if request.node.get_closest_marker("shared_world"):
        yield from _app_reading_the_shared_world(request)
        return
    if request.node.get_closest_marker("committed"):
        app = make_test_app(database_url, **app_config)
        with app.app_context():
            yield app
            db.session.rollback()
            _empty_all_tables()
            db.session.remove()
            db.engine.dispose()
        return
    if request.node.get_closest_marker("own_app"):
        app = _cached_app({}, database_url, app_config)
    else:
        app = _cached_app(request.getfixturevalue("_cached_apps"), database_url, app_config)
    config = dict(app.config)
    _reset_process_state(app)
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        db.session.remove()
        db.session.configure(bind=connection, join_transaction_mode="create_savepoint")
        try:
            yield app
        finally:
            db.session.remove()
            for option in ("bind", "join_transaction_mode"):
                db.session.session_factory.kw.pop(option, None)
            if outer.is_active:
                outer.rollback()
            connection.close()
            _vacuum_now_and_then()
            app.config.clear()
            app.config.update(config)


@pytest.fixture(scope="module")
def module_app(database_url: str) -> Iterator:
    """An app on the real engine for a module of `shared_world` tests: its `world` fixture
    commits the data once, the tests read it, and every table is emptied after the module.

    It starts by emptying too, which on PostgreSQL also starts every sequence at 1 again:
    sequences do not roll back, so after a few hundred rolled-back tests each table's ids
    begin far from the others'. The sweeps try every id of every table in each URL, so with
    ids that no longer overlap they walked about 20 times more URLs than on SQLite (a
    leak-sweep test: 8 s alone, 130-250 s late in a PostgreSQL run).
    """
    app = make_test_app(database_url)
    with app.app_context():
        _empty_all_tables()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.rollback()
        _empty_all_tables()
        db.session.remove()
        db.engine.dispose()


def every_row() -> dict[str, list[str]]:
    """Every row of every table, in a stable order (to show that a test wrote nothing)."""
    return {
        table.name: sorted(repr(tuple(row)) for row in db.session.execute(sa.select(table)))
        for table in db.metadata.sorted_tables
    }


def _app_reading_the_shared_world(request: pytest.FixtureRequest) -> Iterator:
    """The module's app, after its `world` is built; fails the test if it wrote anything.

    Sharing the world is sound only while nobody changes it: the rows the next test reads
    must be the ones the world fixture committed, so each test is held to that.
    """
    app = request.getfixturevalue("module_app")
    request.getfixturevalue("world")
    _reset_process_state(app)
    with app.app_context():
        before = every_row()
        try:
            yield app
        finally:
            db.session.rollback()
            after = every_row()
            db.session.remove()
        changed = sorted(name for name in before if before[name] != after[name])
        assert not changed, f"a shared_world test wrote to {changed}: the next test's world differs"


@pytest.fixture(autouse=True)
def _app_for_every_unit_test(request: pytest.FixtureRequest) -> None:
    """Every test outside tests/e2e runs inside an app, so factories just work.

    A test marked `pure` (no database, no app) gets none.
    """
    if "e2e" not in request.keywords and "pure" not in request.keywords:
        request.getfixturevalue("app")


@pytest.fixture
def client(app):
    return app.test_client()


def open_session(client, user) -> None:
    """Sign `user` in on `client` without the login form (for tests that need no CSRF token)."""
    use_session(client, session_of(user))


def session_of(user) -> tuple[str, str]:
    """A server-side session for `user`, committed: (Flask-Login's user id, cookie token)."""
    import hashlib
    import secrets

    from portal.models.sessions import UserSession

    token = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(user_id=user.id, token_hash=hashlib.sha256(token.encode()).hexdigest())
    )
    db.session.commit()
    return user.get_id(), token


def use_session(client, session_ids: tuple[str, str]) -> None:
    """Put a session made by `session_of` in `client`'s cookie: signed in, nothing written."""
    from portal.services.accounts import SESSION_TOKEN_KEY

    user_id, token = session_ids
    with client.session_transaction() as session:
        session["_user_id"] = user_id
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


_TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN")


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
            # The test's savepoints stand in for BEGIN and COMMIT, which are not counted.
            if not statement.lstrip().upper().startswith(_TRANSACTION_CONTROL):
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
