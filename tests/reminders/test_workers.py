"""Two real worker processes (huey_consumer) against the real Redis: every message once.

Redis comes from HORIZON_TEST_REDIS_URL (default: logical database 6 on localhost); each
run uses its own queue name and removes its keys afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select

from portal.demo.guide import morning_zone
from portal.extensions import db
from portal.models import utcnow
from portal.models.guide import GuideDispatch
from portal.models.kickoff import MeetingStatus
from portal.models.outbox import OutboxMessage, OutboxStatus
from tests.factories import make_meeting, make_pairing, make_planned_meeting, make_user
from tests.reminders.smtp import free_port, smtp_config

REDIS_URL = os.environ.get("HORIZON_TEST_REDIS_URL", "redis://127.0.0.1:6379/6")
# A free port per run (and per xdist worker): parallel suites never collide.
PORT = free_port()
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app_config():
    return smtp_config(PORT)


@pytest.fixture
def queue_name():
    name = f"hzguidetest{uuid.uuid4().hex[:8]}"  # huey keeps only letters and digits
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"*{name}*"):
        client.delete(key)


def _start_worker(database_url: str, queue: str) -> subprocess.Popen:
    config = {
        **smtp_config(PORT),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret",
        "REDIS_URL": REDIS_URL,
        "TASK_QUEUE_NAME": queue,
    }
    env = {
        **os.environ,
        "HORIZON_TEST_WORKER_CONFIG": json.dumps(config),
        "PYTHONPATH": str(ROOT),
    }
    consumer = Path(sys.executable).with_name("huey_consumer")
    # Three threads each: every thread's start-up hook enqueues a run, so six runs race.
    return subprocess.Popen(  # noqa: S603 (our own consumer, fixed arguments)
        [str(consumer), "tests.reminders.worker_app.huey", "-w", "3", "-k", "thread", "-q"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _pairs_due_now(count: int):
    """Pairs in a zone where it is morning now, each meeting tomorrow there."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    zone = morning_zone(utcnow())
    local_today = utcnow().replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).date()
    starts = datetime.combine(local_today + timedelta(days=1), datetime.min.time())
    starts = starts.replace(hour=11, tzinfo=ZoneInfo(zone)).astimezone(UTC).replace(tzinfo=None)
    pairs = []
    for _ in range(count):
        pairing = make_pairing(mentor=make_user(timezone=zone), mentee=make_user(timezone=zone))
        make_meeting(
            pairing,
            held_on=local_today - timedelta(days=5),
            created_at=utcnow() - timedelta(days=5),
        )
        make_planned_meeting(pairing, starts_at=starts, status=MeetingStatus.accepted)
        pairs.append(pairing)
    return pairs


def _wait_for(condition, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()  # a fresh snapshot of what the workers committed
        if condition():
            return True
        time.sleep(0.5)
    return False


def test_do_two_workers_send_each_reminder_exactly_once(database_url, queue_name, inbox_factory):
    inbox = inbox_factory(PORT)
    pairs = _pairs_due_now(4)
    expected = {p.mentor.email for p in pairs} | {p.mentee.email for p in pairs}
    workers = [_start_worker(database_url, queue_name) for _ in range(2)]
    try:

        def all_sent() -> bool:
            sent = db.session.scalar(
                select(func.count(OutboxMessage.id)).where(
                    OutboxMessage.status == OutboxStatus.sent
                )
            )
            return sent >= len(expected)

        assert _wait_for(all_sent), "the workers did not deliver every reminder in time"
        time.sleep(3)  # let any duplicate that was going to happen happen
    finally:
        errors = []
        for worker in workers:
            worker.terminate()
            _, stderr = worker.communicate(timeout=20)
            errors.append(stderr.decode(errors="replace"))
    db.session.rollback()
    keys = db.session.scalars(select(GuideDispatch.key)).all()
    assert len(keys) == len(set(keys)) == len(expected)
    received = [m["To"] for m in inbox.messages]
    assert sorted(received) == sorted(expected), errors
