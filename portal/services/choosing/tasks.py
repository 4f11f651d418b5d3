"""The worker's part of mentees-choose: close requests past their expiry every quarter hour.

Reminders and "did you meet?" go through the reminders registry (choosing/due.py, listed in
reminders/due.FINDERS); expiry is a state change, claimed by one UPDATE in requests.expire_due,
so two workers expire each request once.
"""

from __future__ import annotations

import logging

from huey import crontab

from portal.models import utcnow
from portal.services.choosing import requests
from portal.tasks import periodic_task

log = logging.getLogger(__name__)


@periodic_task(crontab(minute="*/15"))
def expire_requests() -> int:
    expired = requests.expire_due(utcnow())
    if expired:
        log.info("choosing: %s requests expired", expired)
    return expired
