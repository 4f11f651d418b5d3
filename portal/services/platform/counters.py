"""Counters kept where the work runs (the worker; in immediate mode the web process), exposed
by /metrics (portal/metrics.py). A leaf module: it imports nothing of Horizon, so the queue and
the mail service can count without importing the exposition."""

from prometheus_client import Counter, Histogram

JOB_DURATION = Histogram("horizon_job_duration_seconds", "Background job run time", ["task"])
JOB_FAILURES = Counter("horizon_job_failures_total", "Background jobs that raised", ["task"])
MAIL_ATTEMPTS = Counter("horizon_mail_attempts_total", "Delivery attempts", ["outcome"])
