"""Guiding each pair through the year: reminders, nudges, pulse surveys and the closing.

The worker runs the schedules (portal/services/guide/tasks.py); pages live in the guide
blueprint. Every "who may see what" decision is asked of portal.services.access.
"""

from __future__ import annotations

from portal.core.errors import FieldError


class GuideError(FieldError):
    """Bad input for one form field of this domain; nothing was written."""
