"""Can an admin see whether the worker runs? (heartbeats, last periodic run, queue, failures)"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import utcnow
from portal.models.platform import PlatformState, WorkerHeartbeat
from portal.services.platform import heartbeat
from tests.factories import make_admin, make_user


def test_does_a_process_keep_one_row_however_often_it_beats(app):
    heartbeat.beat()
    heartbeat.beat()
    assert db.session.scalar(select(func.count()).select_from(WorkerHeartbeat)) == 1
    assert heartbeat.status().alive == [heartbeat.process_name()]


def test_is_a_process_stopped_after_three_missed_beats(app):
    now, beat = utcnow(), timedelta(seconds=heartbeat.seconds())
    db.session.add_all(
        [
            WorkerHeartbeat(name="a:1", started_at=now, seen_at=now - 2 * beat),
            WorkerHeartbeat(name="b:2", started_at=now, seen_at=now - 4 * beat),
        ]
    )
    db.session.commit()
    status = heartbeat.status()
    assert (status.alive, status.stopped) == (["a:1"], ["b:2"])


def test_does_the_periodic_job_record_its_run_and_forget_old_workers(app):
    now = utcnow()
    db.session.add(WorkerHeartbeat(name="gone:9", started_at=now, seen_at=now - timedelta(days=2)))
    db.session.commit()
    heartbeat.heartbeat.call_local()
    heartbeat.heartbeat.call_local()  # the second run updates the same row
    assert db.session.get(PlatformState, "last_periodic_run").value_at >= now
    assert db.session.get(WorkerHeartbeat, "gone:9") is None


def test_does_the_immediate_queue_start_no_heartbeat_thread(app):
    heartbeat._start_beating()
    assert heartbeat._thread is None


def test_is_the_workers_page_hidden_from_participants(client, auth):
    auth.login(make_user())
    assert client.get("/admin/workers").status_code == 404


def test_does_the_workers_page_show_the_status_to_admins(client, auth):
    heartbeat.beat()
    heartbeat.heartbeat.call_local()
    auth.login(make_admin())
    page = client.get("/admin/workers").text
    assert heartbeat.process_name() in page and "running" in page
    assert "Tasks waiting" in page and "Jobs failed in 7 days" in page


def test_does_the_workers_page_warn_when_no_worker_beats(client, auth):
    auth.login(make_admin())
    assert "No worker process has reported" in client.get("/admin/workers").text
