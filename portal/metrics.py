"""Prometheus metrics: request counts and latency by endpoint, plus live queue and outbox figures.

prometheus_client 0.26.0 in multiprocess mode: every gunicorn worker writes its samples to
files in PROMETHEUS_MULTIPROC_DIR (set in the environment *before* Python imports
prometheus_client; gunicorn.conf.py wipes the directory at start and marks dead workers), and
`/metrics` merges them. Figures that are the same whoever answers (queue length, outbox
status counts, failed jobs, last worker heartbeat) are read live at scrape time by a
collector, so any instance reports the cluster-wide truth and nothing is double counted.
Labels are endpoint names and methods, never paths or user input (bounded cardinality,
never a participant's text).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from datetime import UTC

from flask import Flask, Response, abort, current_app, g, has_app_context, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from portal.extensions import db, limiter

REQUESTS = Counter(
    "horizon_http_requests_total", "HTTP requests answered", ["endpoint", "method", "status"]
)
LATENCY = Histogram(
    "horizon_http_request_duration_seconds",
    "Time to answer a request",
    ["endpoint", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
# Jobs and e-mail are counted where they run: portal/services/platform/counters.py.

# Live figures: one function per gauge, a registry so a new figure is one entry.
LIVE: dict[str, tuple[str, Callable[[], float]]] = {}


def live(name: str, documentation: str):
    """Register a function whose value is read at every scrape."""

    def register(func: Callable[[], float]) -> Callable[[], float]:
        LIVE[name] = (documentation, func)
        return func

    return register


class LiveCollector(Collector):
    """Reads each live figure at scrape time; a function may return {label value: figure}."""

    def collect(self) -> Iterable[GaugeMetricFamily]:
        if not has_app_context():
            return
        for name, (documentation, func) in LIVE.items():
            try:
                value = func()
            except Exception:  # noqa: BLE001  a down Redis must not break the scrape
                db.session.rollback()
                value = float("nan")
            if isinstance(value, dict):
                family = GaugeMetricFamily(name, documentation, labels=["status"])
                for label, figure in value.items():
                    family.add_metric([label], float(figure))
                yield family
            else:
                yield GaugeMetricFamily(name, documentation, value=float(value))


def _registry() -> CollectorRegistry:
    """The registry /metrics serves. Several apps in one process (tests) share the default one,
    so the live collector is registered there once: a second registration raises
    DuplicateTimeseries."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(LiveCollector())
        return registry
    from prometheus_client import REGISTRY

    if not getattr(REGISTRY, "_horizon_live", False):
        REGISTRY.register(LiveCollector())
        REGISTRY._horizon_live = True  # type: ignore[attr-defined]
    return REGISTRY


def init_metrics(app: Flask) -> None:
    """Time every request and serve /metrics to allowed scrapers."""
    if not app.config.get("METRICS_ENABLED", True):
        return
    registry = _registry()

    @app.before_request
    def _start_timer() -> None:
        g._metrics_start = time.perf_counter()

    @app.after_request
    def _record(response: Response) -> Response:
        start = g.pop("_metrics_start", None)
        if start is not None:
            endpoint = request.endpoint or "unmatched"
            LATENCY.labels(endpoint, request.method).observe(time.perf_counter() - start)
            REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
        return response

    @app.get("/metrics")
    @limiter.exempt
    def metrics() -> Response:
        # request.remote_addr is the client after ProxyFix (HORIZON_TRUSTED_PROXIES).
        from portal.services import access

        if not access.may_scrape_metrics(
            request.remote_addr,
            request.headers.get("Authorization"),
            current_app.config["METRICS_ALLOW"],
            current_app.config["METRICS_TOKEN"],
        ):
            abort(404)  # like every denied read: nothing to probe
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


@live("horizon_queue_length", "Tasks waiting in the queue (all workers)")
def _queue_length() -> int:
    from portal.tasks import huey

    return huey.pending_count()


@live("horizon_outbox_messages", "E-mails in the outbox by status")
def _outbox() -> dict[str, int]:
    from portal.services.platform import mail

    return {status.value: n for status, n in mail.status_counts().items()}


@live("horizon_jobs_failed", "Background jobs that failed in the last 7 days")
def _jobs_failed() -> int:
    from portal.services.platform import heartbeat

    return heartbeat.failed_jobs()


@live("horizon_workers_alive", "Worker processes whose heartbeat is recent")
def _workers_alive() -> int:
    from portal.services.platform import heartbeat

    return len(heartbeat.status(queue=False).alive)


@live("horizon_worker_last_periodic_run_timestamp", "When a periodic job last ran (Unix time)")
def _last_periodic_run() -> float:
    from portal.services.platform import heartbeat

    last = heartbeat.status(queue=False).last_periodic_run
    return last.replace(tzinfo=UTC).timestamp() if last else 0.0
