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

    # Any request body; a view may allow more (the CSV import, see CSV_MAX_BYTES).
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    CSV_MAX_BYTES = 20 * 1024 * 1024

    # Proxy headers (X-Forwarded-For/Proto/Host) are trusted only from this many proxies
    # in front of Horizon; 0 (the default) trusts none, so a client cannot forge them.
    TRUSTED_PROXIES = 0
    # Links in e-mails are built from this address, never from the request's Host header.
    BASE_URL = "http://127.0.0.1:5000"

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session does
    WTF_CSRF_HEADERS = ["X-CSRFToken"]

    # argon2id parameters: "default" is RFC 9106's low-memory profile (64 MiB, t=3, p=4).
    PASSWORD_HASH_PROFILE = "default"  # noqa: S105 (a profile name, not a password)

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STRATEGY = "moving-window"
    # Failed sign-ins per account (whatever address they come from) and per client address
    # (whatever account they try). Successful sign-ins do not count, so a whole office
    # behind one address can sign in on a kick-off morning.
    LOGIN_RATE_LIMIT = "10 per minute; 50 per hour"
    # The address limit is generous, because an office shares one NAT address; each account
    # is still protected by its own limit.
    LOGIN_ADDRESS_RATE_LIMIT = "100 per minute; 1000 per hour"
    # Failed sign-ins from one browser that signed in to the account before (its device
    # cookie lets it past the account limit, so a spray elsewhere cannot lock its owner out).
    DEVICE_RATE_LIMIT = "10 per minute; 50 per hour"
    # SCIM calls per bearer token, and per client address whatever token it presents. A
    # directory's first push of a few thousand people takes minutes at this pace, and a
    # leaked or guessed-at token cannot flood the database.
    SCIM_RATE_LIMIT = "600 per minute"
    SCIM_ADDRESS_RATE_LIMIT = "1200 per minute"

    # Without MAIL_SERVER, e-mails (password links) are printed to the console.
    MAIL_BACKEND = "console"
    MAIL_DEFAULT_SENDER = "Horizon <no-reply@example.org>"
    # Cohorts with more active participants than this are matched on the worker, with progress.
    MATCHING_INLINE_LIMIT = 400

    # Attempts to deliver one e-mail before it is marked failed (see portal/services/mail).
    MAIL_MAX_ATTEMPTS = 6
    # Seconds to wait for the mail server before an attempt counts as failed.
    MAIL_TIMEOUT = 10
    # A pending message older than this is queued again (its enqueue was lost).
    OUTBOX_STALL_SECONDS = 1800
    # A message claimed ('sending') longer than this is marked uncertain, never resent by
    # itself; None means two mail timeouts plus a minute.
    OUTBOX_ABANDON_SECONDS: int | None = None

    # "Delete my account" waits this long (the person may cancel); "download my data" zips
    # are kept this long.
    ERASURE_GRACE_DAYS = 14
    EXPORT_TTL_DAYS = 7

    # Each worker process writes its heartbeat this often; three missed beats = stopped.
    HEARTBEAT_SECONDS = 30
    # A running job's (or export's) lease: renewed by its worker's heartbeat; once it runs out
    # the worker is taken for dead and the job is given to another worker, up to
    # JOB_MAX_ATTEMPTS claims in all, then failed with the reason.
    JOB_LEASE_SECONDS = 120
    JOB_MAX_ATTEMPTS = 3
    # A worker process serves its job metrics on 127.0.0.1:<port> when set.
    WORKER_METRICS_PORT: int | None = None
    # /metrics answers these networks (after ProxyFix) or a bearer token; everyone else 404.
    METRICS_ENABLED = True
    METRICS_ALLOW = ("127.0.0.1/32", "::1/128")
    METRICS_TOKEN: str | None = None
    # Logs: "text" (development) or "json" (one object a line, with the request id).
    LOG_FORMAT = "text"
    LOG_LEVEL = "INFO"

    # The task queue: SQLite in instance/ unless REDIS_URL is set; tests run tasks inline.
    TASKS_IMMEDIATE = False

    # Reminders go out in this window of the recipient's local morning (hours, end excluded).
    GUIDE_MORNING_HOURS = (8, 12)
    # An e-mail's one-click unsubscribe link works this long.
    UNSUBSCRIBE_MAX_AGE_DAYS = 180

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
    if os.environ.get("HORIZON_TASKS_IMMEDIATE", "").lower() in {"1", "true", "yes"}:
        settings["TASKS_IMMEDIATE"] = True
    if os.environ.get("HORIZON_SECURE_COOKIES", "").lower() in {"1", "true", "yes"}:
        settings["FORCE_SECURE_COOKIES"] = True
    if queue := os.environ.get("HORIZON_TASK_QUEUE"):
        settings["TASK_QUEUE_NAME"] = queue
    if proxies := os.environ.get("HORIZON_TRUSTED_PROXIES"):
        settings["TRUSTED_PROXIES"] = int(proxies)
    if base_url := os.environ.get("HORIZON_BASE_URL"):
        settings["BASE_URL"] = base_url.rstrip("/")
    for env, key in (
        ("HORIZON_OUTBOX_STALL_SECONDS", "OUTBOX_STALL_SECONDS"),
        ("HORIZON_OUTBOX_ABANDON_SECONDS", "OUTBOX_ABANDON_SECONDS"),
        ("HORIZON_HEARTBEAT_SECONDS", "HEARTBEAT_SECONDS"),
        ("HORIZON_JOB_LEASE_SECONDS", "JOB_LEASE_SECONDS"),
        ("HORIZON_JOB_MAX_ATTEMPTS", "JOB_MAX_ATTEMPTS"),
        ("HORIZON_WORKER_METRICS_PORT", "WORKER_METRICS_PORT"),
        ("HORIZON_ERASURE_GRACE_DAYS", "ERASURE_GRACE_DAYS"),
        ("HORIZON_EXPORT_TTL_DAYS", "EXPORT_TTL_DAYS"),
    ):
        if value := os.environ.get(env):
            settings[key] = int(value)
    if prefix := os.environ.get("RATELIMIT_KEY_PREFIX"):
        settings["RATELIMIT_KEY_PREFIX"] = prefix  # when deployments share one Redis
    if allow := os.environ.get("HORIZON_METRICS_ALLOW"):
        settings["METRICS_ALLOW"] = tuple(n.strip() for n in allow.split(",") if n.strip())
    if token := os.environ.get("HORIZON_METRICS_TOKEN"):
        settings["METRICS_TOKEN"] = token
    if log_format := os.environ.get("HORIZON_LOG_FORMAT"):
        settings["LOG_FORMAT"] = log_format
    if log_level := os.environ.get("HORIZON_LOG_LEVEL"):
        settings["LOG_LEVEL"] = log_level.upper()
    if fallbacks := os.environ.get("SECRET_KEY_FALLBACKS"):
        settings["SECRET_KEY_FALLBACKS"] = [k for k in fallbacks.split(",") if k]
    if mail_server := os.environ.get("MAIL_SERVER"):
        settings.update(MAIL_BACKEND="smtp", MAIL_SERVER=mail_server)
        settings["MAIL_PORT"] = int(os.environ.get("MAIL_PORT", "25"))
        if os.environ.get("MAIL_USE_TLS", "").lower() in {"1", "true", "yes"}:
            settings["MAIL_USE_TLS"] = True
        if username := os.environ.get("MAIL_USERNAME"):
            settings["MAIL_USERNAME"] = username
            settings["MAIL_PASSWORD"] = os.environ.get("MAIL_PASSWORD", "")
    # Company sign-in and provisioning (docs/identity.md): taken as they are, by name.
    for name in SSO_SETTINGS:
        if value := os.environ.get(name):
            settings[name] = value
    return settings


SSO_SETTINGS = (
    "HORIZON_OIDC_ISSUER",
    "HORIZON_OIDC_CLIENT_ID",
    "HORIZON_OIDC_CLIENT_SECRET",
    "HORIZON_OIDC_LABEL",
    "HORIZON_OIDC_SCOPES",
    "HORIZON_SSO_DOMAINS",
    "HORIZON_SSO_BREAK_GLASS",
    "HORIZON_SSO_ROLE_GROUPS",
    "HORIZON_SSO_ATTRIBUTES",
    "HORIZON_SSO_CLOCK_SKEW",
    "HORIZON_SAML_IDP_METADATA",
    "HORIZON_SAML_LABEL",
    "HORIZON_SAML_SP_CERT",
    "HORIZON_SAML_SP_KEY",
)
