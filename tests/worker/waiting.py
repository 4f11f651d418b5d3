"""Waiting on a real worker process: poll a condition until it holds or the time runs out."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_for(condition: Callable[[], object], seconds: float = 60) -> bool:
    """True as soon as ``condition()`` holds; False after ``seconds`` without it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False
