"""Is a message whose worker stopped mid-send never sent again by itself? (outbox claims)"""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.extensions import db
from portal.models import utcnow
from portal.models.outbox import OutboxMessage, OutboxStatus
from portal.services.platform.mail import deliver_email, message_id, requeue_stalled
from tests.factories import make_admin

DOWN = {"MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 1, "MAIL_TIMEOUT": 2}


def _row(key: str, status=OutboxStatus.pending, claimed_ago: timedelta | None = None):
    row = OutboxMessage(key=key, to=["a@example.org"], subject="Hi", body="x", status=status)
    if claimed_ago is not None:
        row.claimed_at = utcnow() - claimed_ago
    db.session.add(row)
    db.session.commit()
    return row


def test_is_a_claimed_message_skipped_by_a_second_delivery(app):
    row = _row("claimed", OutboxStatus.sending, claimed_ago=timedelta(seconds=1))
    assert deliver_email.call_local(row.id) == "skipped"


def test_does_the_sweeper_mark_an_abandoned_send_uncertain_and_not_resend_it(app):
    row = _row("abandoned", OutboxStatus.sending, claimed_ago=timedelta(hours=1))
    assert requeue_stalled.call_local() == 0
    db.session.expire_all()
    row = db.session.get(OutboxMessage, row.id)
    assert row.status is OutboxStatus.uncertain and row.sent_at is None
    assert "may have arrived" in row.last_error


def test_does_the_sweeper_leave_a_send_in_progress_alone(app):
    row = _row("in-progress", OutboxStatus.sending, claimed_ago=timedelta(seconds=5))
    requeue_stalled.call_local()
    db.session.expire_all()
    assert db.session.get(OutboxMessage, row.id).status is OutboxStatus.sending


@pytest.mark.parametrize("app_config", [DOWN])
def test_does_a_transport_failure_give_the_message_back_for_a_retry(app):
    row = _row("retry-me")
    with pytest.raises(ConnectionRefusedError):
        deliver_email.call_local(row.id)
    db.session.expire_all()
    row = db.session.get(OutboxMessage, row.id)
    assert (row.status, row.attempts) == (OutboxStatus.pending, 1)


def test_is_the_message_id_fixed_by_the_key(app):
    assert message_id("guide:x") == message_id("guide:x") != message_id("guide:y")
    assert message_id("guide:x").startswith("<") and message_id("guide:x").endswith(">")


def test_does_the_admin_see_an_uncertain_message_and_may_retry_it(client, auth):
    row = _row("uncertain-one", OutboxStatus.uncertain, claimed_ago=timedelta(hours=1))
    auth.login(make_admin())
    page = client.get("/admin/outbox").text
    assert "may have arrived" in page and "a@example.org" in page
    assert client.post(f"/admin/outbox/{row.id}/retry").status_code == 303
    db.session.expire_all()
    # Queued again (the immediate queue sent it at once, to the test backend).
    assert db.session.get(OutboxMessage, row.id).status is OutboxStatus.sent


def test_is_the_message_id_header_on_the_sent_message(app):
    row = _row("with-id")
    assert deliver_email.call_local(row.id) == "sent"
    sent = app.extensions["mailman"].outbox
    assert sent[-1].extra_headers["Message-ID"] == message_id("with-id")
