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
