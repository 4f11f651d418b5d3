"""A worker for tests/worker/test_job_leases.py: its first attempt at a CSV import stops midway.

Started as `huey_consumer tests.worker.held_worker.huey`. On a job's first attempt, after the
first batch of new accounts is written (inside the import's transaction), it writes its pid to
HORIZON_TEST_HOLD_FILE and waits there to be killed. Later attempts run the real import.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from portal.services.platform import jobs
from portal.tasks.worker import app, huey

_real_import = jobs._RUNNERS["csv_import"]
HOLD_FILE = Path(os.environ["HORIZON_TEST_HOLD_FILE"])


@jobs.runner("csv_import")
def _held_import(job, report):
    def hold(done: int) -> None:
        report(done)
        if job.attempts == 1 and done > 0:
            HOLD_FILE.write_text(str(os.getpid()))
            time.sleep(600)  # the test kills this process here

    return _real_import(job, hold)


__all__ = ["app", "huey"]
