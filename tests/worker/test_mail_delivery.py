"""Is e-mail delivered by the worker, retried, and never able to fail a request?

One test runs a real Huey consumer process against Redis (db 1 unless HORIZON_TEST_REDIS_URL
says otherwise) and a real local SMTP server (aiosmtpd); the others run the same task
inline (Huey's immediate mode), against a mail server that is down.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
from aiosmtpd.controller import Controller
from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.models.outbox import OutboxMessage, OutboxStatus
from portal.services.platform.mail import deliver_email
from tests.factories import make_admin, make_user
from tests.reminders.smtp import free_port
from tests.worker.waiting import wait_for

REDIS_URL = os.environ.get("HORIZON_TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
SMTP_PORT = free_port()  # per run and per xdist worker: parallel suites never collide
DOWN = {"MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 1, "MAIL_TIMEOUT": 2}


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    yield inbox
    controller.stop()


@pytest.fixture
def queue_name() -> str:
    return f"horizon-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def worker_config(queue_name):
    redis.Redis.from_url(REDIS_URL).ping()  # Redis is part of the platform; fail loudly
    return {
        "TASKS_IMMEDIATE": False,
        "REDIS_URL": REDIS_URL,
        "TASK_QUEUE_NAME": queue_name,
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": SMTP_PORT,
    }


def test_does_a_real_worker_deliver_the_forgot_password_mail(
    smtp_server, database_url, queue_name, worker_config
):
    from tests.conftest import make_test_app

    app = make_test_app(database_url, **worker_config)
    with app.app_context():
        _deliver_through_a_real_worker(app, smtp_server, database_url, queue_name)
        db.session.remove()
    from portal.tasks import init_tasks

    init_tasks(make_test_app(database_url))  # back to inline tasks for the next test


def _deliver_through_a_real_worker(app, smtp_server, database_url, queue_name):
    client = app.test_client()
    make_user(email="lena@example.org")
    response = client.post("/auth/forgot", data={"email": "lena@example.org"})
    assert response.status_code == 303
    row = db.session.scalar(select(OutboxMessage))
    assert row.status is OutboxStatus.pending and smtp_server.messages == []
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "HORIZON_TASK_QUEUE": queue_name,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(SMTP_PORT),
        "SECRET_KEY": "test-secret",
    }
    consumer = subprocess.Popen(  # noqa: S603
        [str(Path(sys.executable).parent / "huey_consumer"), "portal.tasks.worker.huey"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_for(lambda: smtp_server.messages, 30), "the worker delivered nothing"
        [envelope] = smtp_server.messages
        assert envelope.rcpt_tos == ["lena@example.org"]
        assert b"http://localhost/auth/reset/" in envelope.content

        def sent() -> bool:
            db.session.expire_all()
            return db.session.get(OutboxMessage, row.id).status is OutboxStatus.sent

        assert wait_for(sent, 30)
        assert db.session.get(OutboxMessage, row.id).attempts == 1
    finally:
        consumer.terminate()
        consumer.wait(timeout=20)
        app.extensions["huey"].storage.flush_all()


@pytest.mark.parametrize("app_config", [DOWN])
def test_does_forgot_password_answer_the_same_when_the_mail_server_is_down(client):
    make_user(email="lena@example.org")
    known = client.post("/auth/forgot", data={"email": "lena@example.org"})
    unknown = client.post("/auth/forgot", data={"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"]
    assert client.get(known.headers["Location"]).status_code == 200
    row = db.session.scalar(select(OutboxMessage))
    assert row.status is OutboxStatus.pending and row.attempts == 1  # kept for a retry
    assert "ConnectionRefusedError" in row.last_error


@pytest.mark.parametrize("app_config", [{**DOWN, "MAIL_MAX_ATTEMPTS": 3}])
def test_is_a_message_marked_failed_after_the_last_retry_and_shown_to_admins(client, auth):
    make_user(email="lena@example.org")
    client.post("/auth/forgot", data={"email": "lena@example.org"})
    row = db.session.scalar(select(OutboxMessage))
    # The queue's retries: each runs the same task again.
    with pytest.raises(ConnectionRefusedError):
        deliver_email.call_local(row.id)
    assert deliver_email.call_local(row.id) == "failed"
    db.session.expire_all()
    row = db.session.get(OutboxMessage, row.id)
    assert (row.status, row.attempts) == (OutboxStatus.failed, 3)
    assert deliver_email.call_local(row.id) == "skipped"  # never sent twice, never retried
    auth.login(make_admin())
    page = client.get("/admin/outbox").text
    assert "lena@example.org" in page and "Set a new Horizon password" in page
    assert "/auth/reset/" not in page  # the body (and its link) is never shown


@pytest.mark.parametrize("app_config", [DOWN])
def test_can_an_admin_retry_a_failed_message(client, auth, app):
    app.config["MAIL_MAX_ATTEMPTS"] = 1
    make_user(email="lena@example.org")
    client.post("/auth/forgot", data={"email": "lena@example.org"})
    row = db.session.scalar(select(OutboxMessage))
    assert row.status is OutboxStatus.failed
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    auth.login(make_admin())
    response = client.post(f"/admin/outbox/{row.id}/retry")
    assert response.status_code == 303
    db.session.expire_all()
    row = db.session.get(OutboxMessage, row.id)
    # Queued again with a fresh set of attempts; the first one ran (and the server is down).
    assert (row.status, row.attempts) == (OutboxStatus.pending, 1)
    assert "is queued again" in client.get("/admin/outbox").text


def test_is_a_key_sent_only_once(app):
    from flask_mailman import EmailMessage

    from portal.services.platform.mail import send_email

    for _ in range(3):
        send_email(EmailMessage(subject="Hi", body="x", to=["a@example.org"]), key="k-1")
        db.session.commit()
    assert db.session.query(OutboxMessage).count() == 1
    assert len(current_app.extensions["mailman"].outbox) == 1


def test_does_a_rolled_back_request_send_nothing(app):
    from flask_mailman import EmailMessage

    from portal.services.platform.mail import send_email

    send_email(EmailMessage(subject="Hi", body="x", to=["a@example.org"]))
    db.session.rollback()
    db.session.commit()
    assert db.session.query(OutboxMessage).count() == 0
    assert getattr(current_app.extensions["mailman"], "outbox", []) == []


@pytest.mark.parametrize(
    "app_config",
    [{"TASKS_IMMEDIATE": False, "REDIS_URL": "redis://127.0.0.1:1/1", "TASK_QUEUE_NAME": "down"}],
)
def test_does_a_down_queue_leave_the_request_saved_and_the_mail_recorded(client):
    """Redis unreachable: the answer is the usual one, the message waits for the sweeper."""
    make_user(email="lena@example.org")
    response = client.post("/auth/forgot", data={"email": "lena@example.org"})
    assert response.status_code == 303
    row = db.session.scalar(select(OutboxMessage))
    assert row.status is OutboxStatus.pending and row.attempts == 0


def test_does_the_sweeper_requeue_a_message_whose_enqueue_was_lost(app):
    from datetime import timedelta

    from portal.models import utcnow
    from portal.services.platform.mail import requeue_stalled

    row = OutboxMessage(key="lost", to=["a@example.org"], subject="Hi", body="x")
    db.session.add(row)
    db.session.commit()
    db.session.execute(
        OutboxMessage.__table__.update().values(updated_at=utcnow() - timedelta(hours=1))
    )
    db.session.commit()
    assert requeue_stalled.call_local() == 1
    db.session.expire_all()
    assert db.session.get(OutboxMessage, row.id).status is OutboxStatus.sent
