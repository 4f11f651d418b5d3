"""Liveness and readiness for the load balancer and the orchestrator.

/healthz (exists): the process answers and a SELECT 1 works; cheap, no Redis.
/readyz (new): 200 only when the database answers AND Redis answers (when REDIS_URL is set);
503 with which part failed otherwise, so nginx/k8s/compose stop sending traffic here.
Neither says anything about data; both are exempt from the rate limiter and from sessions.
"""

from __future__ import annotations

import time

from flask import current_app
from sqlalchemy import text

from portal.blueprints.main import bp
from portal.extensions import db, limiter


def _check_database() -> None:
    db.session.execute(text("SELECT 1"))
    db.session.rollback()


def _check_redis() -> None:
    url = current_app.config.get("REDIS_URL")
    if url:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            client.ping()
        finally:
            client.close()


CHECKS = {"database": _check_database, "redis": _check_redis}


@bp.get("/readyz")
@limiter.exempt
def ready():
    """For load balancers: 200 when this instance can serve, else 503 naming what failed."""
    results, healthy = {}, True
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
            results[name] = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
        except Exception as error:  # noqa: BLE001  any failure means "not ready"
            healthy = False
            results[name] = {"ok": False, "error": type(error).__name__}
    return {
        "status": "ok" if healthy else "unavailable",
        "checks": results,
    }, 200 if healthy else 503
