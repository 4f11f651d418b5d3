"""The worker's entry point: `huey_consumer portal.tasks.worker.huey`.

Building the app registers every blueprint, and with them every service and its tasks.
"""

from portal import create_app
from portal.tasks import huey

app = create_app()

__all__ = ["app", "huey"]
