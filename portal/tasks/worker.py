"""The worker's entry point: `huey_consumer portal.tasks.worker.huey`.

It builds the app (the database and settings every job uses) and imports the schedule, which
lists every job explicitly.
"""

from portal import create_app
from portal.tasks.schedule import huey

app = create_app()

__all__ = ["app", "huey"]
