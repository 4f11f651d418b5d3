"""What the operator watches: each worker process's heartbeat and the last periodic run."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class WorkerHeartbeat(db.Model):
    __tablename__ = "worker_heartbeats"

    # "host:pid" of one consumer process.
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    started_at: Mapped[datetime]
    seen_at: Mapped[datetime]


class PlatformState(db.Model):
    __tablename__ = "platform_state"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value_at: Mapped[datetime]


class Leased:
    """Columns of work a worker holds under a lease (background jobs, data exports).

    The worker that claims the row writes its process name and a lease expiry; its heartbeat
    thread renews the lease while it runs. A lease that ran out means the worker stopped: the
    sweeper (portal/services/platform/leases.py) gives the work to another worker, or fails it
    after `JOB_MAX_ATTEMPTS` claims. `attempts` is also the fencing token: a worker commits its
    work only while the row still carries the attempt it claimed.
    """

    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    leased_by: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None]
