"""Defaults for Horizon; the instance config and then the environment override them."""

import os
from datetime import timedelta


class Config:
    """Settings every deployment starts from."""

    SQLALCHEMY_DATABASE_URI: str | None = None  # set in create_app: instance/horizon.db
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SECRET_KEY: str | None = None  # from SECRET_KEY, else generated once into instance/

    # Sessions: signed cookie, HttpOnly and SameSite=Lax; Secure is decided per request
    # (see portal.security.HorizonSessionInterface) so it is set whenever HTTPS is used.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "horizon_session"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    # The cookie is written only when the session changes, so the 8 hours count from
    # sign-in, and a background poll can never re-set a cookie that signing out cleared.
    SESSION_REFRESH_EACH_REQUEST = False
    FORCE_SECURE_COOKIES = False

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session does
    WTF_CSRF_HEADERS = ["X-CSRFToken"]

    # argon2id parameters: "default" is RFC 9106's low-memory profile (64 MiB, t=3, p=4).
    PASSWORD_HASH_PROFILE = "default"  # noqa: S105 (a profile name, not a password)

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STRATEGY = "moving-window"
    LOGIN_RATE_LIMIT = "10 per minute; 50 per hour"

    # Without MAIL_SERVER, e-mails (password links) are printed to the console.
    MAIL_BACKEND = "console"
    MAIL_DEFAULT_SENDER = "Horizon <no-reply@example.org>"

    # How often the header's unread badge polls, in seconds.
    NOTIFICATION_POLL_SECONDS = 30

    # Notices from an admin's decision wait this long, so the decision can still be undone.
    UNDO_WINDOW_SECONDS = 300


def from_environment() -> dict:
    """Settings taken from the environment, which win over every other source."""
    settings: dict = {}
    if url := os.environ.get("DATABASE_URL"):
        # Heroku-style URLs name the driver "postgres"; Horizon talks psycopg 3.
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                url = "postgresql+psycopg://" + url[len(prefix) :]
        settings["SQLALCHEMY_DATABASE_URI"] = url
    if key := os.environ.get("SECRET_KEY"):
        settings["SECRET_KEY"] = key
    if redis_url := os.environ.get("REDIS_URL"):
        settings["RATELIMIT_STORAGE_URI"] = redis_url
        settings["REDIS_URL"] = redis_url
    if os.environ.get("HORIZON_SECURE_COOKIES", "").lower() in {"1", "true", "yes"}:
        settings["FORCE_SECURE_COOKIES"] = True
    if mail_server := os.environ.get("MAIL_SERVER"):
        settings.update(MAIL_BACKEND="smtp", MAIL_SERVER=mail_server)
        settings["MAIL_PORT"] = int(os.environ.get("MAIL_PORT", "25"))
    return settings
