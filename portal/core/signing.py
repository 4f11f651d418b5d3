"""The keys our own signed links and cookies are checked with, for secret rotation.

itsdangerous signs with the last key and accepts any of them, so after a rotation
(`SECRET_KEY_FALLBACKS` = the old keys) unsubscribe links, reset and registration links and
device cookies issued before it keep working until they expire, like Flask's sessions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def signing_keys(config: Mapping[str, Any]) -> list[str]:
    """Oldest first, the current SECRET_KEY last (the one new signatures use)."""
    return [*(config.get("SECRET_KEY_FALLBACKS") or []), config["SECRET_KEY"]]
