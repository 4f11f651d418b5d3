"""What every blueprint's views share: the person's own date, and saving a form's work.

`saving(form)` is the one home of "call the service, commit, or roll back and put the
message next to its field": a service raises `FieldError` (or a subclass) for bad input,
and nothing it wrote is kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from flask import flash
from flask_login import current_user

from portal.core.errors import FieldError
from portal.core.time import local_today
from portal.extensions import db


def today() -> date:
    """The signed-in person's own date: surveys, the closing and check-ins go by their calendar."""
    return local_today(current_user)


def field_error(form, error: FieldError) -> None:
    """Roll back what the service wrote and show its message next to the field it names
    (or as a flash when it names no field of this form)."""
    db.session.rollback()
    field = getattr(form, error.field, None) if form is not None and error.field else None
    if field is None:
        flash(str(error), "error")
        return
    field.errors = [*field.errors, str(error)]


class Saved:
    """Whether the work in a `saving` block was committed."""

    ok = False

    def __bool__(self) -> bool:
        return self.ok


@contextmanager
def saving(form=None) -> Iterator[Saved]:
    """Commit the block's writes; on a `FieldError`, roll back and attach the message.

    with saving(form) as saved:
        goals.add_goal(pairing, current_user, ...)
    if saved:
        return done(...)
    return page(422, form)
    """
    saved = Saved()
    try:
        yield saved
    except FieldError as error:
        field_error(form, error)
        return
    db.session.commit()
    saved.ok = True
