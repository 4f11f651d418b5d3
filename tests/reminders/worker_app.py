"""The app a test's real worker processes (huey_consumer) load: settings come from the test."""

import json
import os

from portal import create_app
from portal.tasks.schedule import huey

app = create_app(json.loads(os.environ["HORIZON_TEST_WORKER_CONFIG"]))

__all__ = ["app", "huey"]
