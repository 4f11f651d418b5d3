"""The one error a service raises for bad input: a message that belongs next to one form field."""

from __future__ import annotations


class FieldError(ValueError):
    """Input that cannot be saved; nothing was written. `field` names the form field the
    message belongs next to (None: the message is for the whole form)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotVisible(LookupError):
    """The object does not exist, or this person may not see it. The web layer answers 404 for
    both, so nobody can probe which objects exist."""


class NotAllowed(PermissionError):
    """This person may see the object but not change it: the web layer answers 403."""
