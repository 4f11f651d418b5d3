"""Horizon: a mentoring portal for honest sharing, learning and working the idea."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal import config as defaults
from portal.extensions import csrf, db, htmx, limiter, login_manager, mail, migrate
from portal.models.journal import is_search_structure

MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then instance/config.py, then the environment, then `config`."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(defaults.Config)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(defaults.from_environment())
    app.config.update(config or {})
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.setdefault("SQLALCHEMY_DATABASE_URI", None)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{app.instance_path}/horizon.db"
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # A database host that drops packets must fail /readyz, not hang it.
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["connect_args"] = {"connect_timeout": 3, **options.get("connect_args", {})}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))

    _init_extensions(app)

    from portal import cli, errors, templating
    from portal.blueprints import register_blueprints
    from portal.caching import init_caching
    from portal.request_guards import init_request_guards
    from portal.security import init_security

    init_security(app)
    init_request_guards(app)
    init_caching(app)  # after security: its after_request runs first, so its headers win
    errors.init_errors(app)
    from portal.logs import init_logging
    from portal.metrics import init_metrics

    init_logging(app)
    init_metrics(app)

    templating.init_templating(app)
    register_blueprints(app)
    cli.register(app)
    from portal.services.accounts import oidc

    oidc.init_app(app)  # registers the company's OpenID provider only when configured
    if app.config["TRUSTED_PROXIES"]:
        # Only behind a known number of proxies: their X-Forwarded-* headers are believed.
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    return app


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=MIGRATIONS_DIR,
        render_as_batch=True,
        include_name=is_search_structure,
    )
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)
    login_manager.init_app(app)
    from portal.tasks import init_tasks

    init_tasks(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    import portal.models  # noqa: F401  (registers every table)


def _instance_secret_key(instance: Path) -> str:
    """Generate a secret key once and keep it in instance/, readable by its owner only."""
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite runs with foreign keys enforced and in WAL mode."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
