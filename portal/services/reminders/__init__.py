"""Guiding each pair through the year: reminders, nudges, pulse surveys and the closing.

The worker runs the schedules (portal/services/guide/tasks.py); pages live in the guide
blueprint. Every "who may see what" decision is asked of portal.services.access.
"""

from __future__ import annotations


class GuideError(ValueError):
    """Bad input for a guide form; `field` names the form field the message belongs next to."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field
