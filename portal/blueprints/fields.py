"""Form fields with Horizon's bounds: dates within a sensible range, integers a column can hold."""

from __future__ import annotations

import wtforms
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from portal.core.bounds import EARLIEST_DATE, LATEST_DATE, MAX_DB_INT


def date_in_range(form, field) -> None:
    """Refuse a date outside 2000-01-01 .. 2099-12-31 (year 9999 breaks date arithmetic)."""
    if field.data and not EARLIEST_DATE <= field.data <= LATEST_DATE:
        raise ValidationError(
            f"Choose a date between {EARLIEST_DATE:%-d %B %Y} and {LATEST_DATE:%-d %B %Y}."
        )


class DateField(wtforms.DateField):
    """A date field bounded to 2000-01-01 .. 2099-12-31, so every date stays usable."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, [*(validators or []), date_in_range], **kwargs)


class IntegerField(wtforms.IntegerField):
    """An integer field that refuses numbers beyond a database integer with a field error."""

    def pre_validate(self, form) -> None:
        if self.data is not None and not -MAX_DB_INT <= self.data <= MAX_DB_INT:
            raise ValidationError("That number is far too large.")


# The optgroup of the "Only …" choices in an item's audience select (docs/circles.md).
ONE_PERSON_GROUP = "Only one person of your circle"


def audience_choices(options) -> list[SelectChoice]:
    """An audience select's choices (``sharing.AudienceOption``s): the relationships first,
    then the people of a circle one may choose alone, grouped under ``ONE_PERSON_GROUP``."""
    return [
        SelectChoice(o.value, o.label, optgroup=ONE_PERSON_GROUP if o.private_to else None)
        for o in options
    ]
