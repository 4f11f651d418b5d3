"""Every background job Horizon runs, in one list.

A job is declared beside the code it runs (`@task`, `@periodic_task` or a `jobs.runner`), but it
exists for the worker only once its module is imported. The worker imports this module, and
`tests/core/test_task_schedule.py` fails when a module that declares a job is missing here, so
no job can stop running because some unrelated import went away.

- platform.mail: send one e-mail (with retries); requeue stalled outbox rows every 10 minutes
- platform.jobs: run a long job (CSV import, matching run) and report its progress
- programmes.enrollment: the CSV import runner; matching.background: the large matching run;
  circles.background: proposing circles for a large cohort
- programmes.holds: release decisions whose undo window closed (every minute)
- accounts: forget expired sessions (hourly); accounts.provisioning: forget used one-time ids
  of company sign-in (hourly)
- reminders.tasks: reminders, surveys and digests (every 15 minutes, and at start-up)
- insights.rollups: the nightly rollups, pair health and figures
- accounts.data_rights: build "download my data" zips; forget expired ones (daily); carry out
  account erasures whose grace period passed (hourly)
- platform.heartbeat: each worker process beats; a periodic job records its last run (every minute)
- choosing.tasks: close mentor requests past their expiry (every 15 minutes)
- programmes.retention: remove ended programmes' participant content past their retention
  (daily)
- platform.leases: give jobs and exports whose worker was killed to another worker, or fail
  them after JOB_MAX_ATTEMPTS (every minute)
"""

from portal.services import accounts
from portal.services.accounts import data_rights
from portal.services.accounts import provisioning as company_sign_in
from portal.services.choosing import tasks as choosing
from portal.services.circles import background as circle_runs
from portal.services.insights import rollups
from portal.services.matching import background as matching_runs
from portal.services.platform import heartbeat, jobs, leases, mail
from portal.services.programmes import enrollment, holds, retention
from portal.services.reminders import tasks as reminders
from portal.tasks import huey

MODULES = (
    mail,
    jobs,
    enrollment,
    matching_runs,
    circle_runs,
    holds,
    accounts,
    reminders,
    rollups,
    heartbeat,
    data_rights,
    company_sign_in,
    choosing,
    leases,
    retention,
)

__all__ = ["MODULES", "huey"]
