"""The guide's schedules on the worker: a pass every few minutes, and one at start-up.

Each pass asks "whose morning is it now?" and sends what is due; dispatch keys make
repeated passes, retries and a second worker harmless.
"""

from __future__ import annotations

import logging
from datetime import datetime

from huey import crontab

from portal.models import utcnow
from portal.services.pairings import closing
from portal.services.reminders import due as reminders
from portal.tasks import huey, periodic_task, task

log = logging.getLogger(__name__)


@task(retries=3, retry_delay=60)
def send_due_reminders(at: str | None = None) -> int:
    """Send every reminder, nudge, survey and closing invitation due now (or `at`, ISO UTC)."""
    now = datetime.fromisoformat(at) if at else utcnow()
    sent = reminders.send_due(now)
    closing.complete_ready_pairings()
    log.info("guide: %s messages sent", sent)
    return sent


@periodic_task(crontab(minute="*/15"))
def guide_schedule() -> int:
    """Every quarter hour: morning arrives somewhere (half-hour zones included)."""
    return send_due_reminders.call_local()


@huey.on_startup()
def _run_at_startup() -> None:
    """A freshly started worker sends what is due at once, not at the next quarter hour."""
    if not huey.immediate:
        send_due_reminders()
