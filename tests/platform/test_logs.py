"""Does a request id follow a request into the jobs it queues, in JSON log lines?"""

from __future__ import annotations

import json
import logging

from portal.logs import RequestIdFilter, current_request_id, json_formatter
from portal.tasks import task

seen: list[str | None] = []


@task()
def _record_request_id() -> None:
    seen.append(current_request_id())
    logging.getLogger("portal.jobs").info("job ran")


def test_is_a_safe_offered_id_echoed_and_a_bad_one_replaced(client):
    assert (
        client.get("/healthz", headers={"X-Request-ID": "req-abcdef12"}).headers["X-Request-ID"]
        == "req-abcdef12"
    )
    replaced = client.get("/healthz", headers={"X-Request-ID": "bad id <script>"})
    assert replaced.headers["X-Request-ID"] != "bad id <script>"
    assert len(replaced.headers["X-Request-ID"]) == 32


def test_does_a_job_carry_the_request_id_of_whoever_queued_it(app):
    seen.clear()
    with app.test_request_context("/"):
        from flask import g

        g.request_id = "req-0123456789"
        _record_request_id()
    assert seen == ["req-0123456789"]
    assert current_request_id() is None  # unbound after the job


def test_is_a_json_log_line_one_object_with_the_request_id(app):
    record = logging.LogRecord("portal.jobs", logging.INFO, __file__, 1, "built %s", (42,), None)
    with app.test_request_context("/"):
        from flask import g

        g.request_id = "req-0123456789"
        RequestIdFilter().filter(record)
    line = json.loads(json_formatter().format(record))
    assert line["message"] == "built 42" and line["request_id"] == "req-0123456789"
    assert line["level"] == "INFO" and line["logger"] == "portal.jobs"
