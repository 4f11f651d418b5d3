"""A programme's matching mode and the settings of mentees-choose (the one writer of
`choosing_settings`). Ranges are also CHECK constraints; here they become messages."""

from __future__ import annotations

from portal.core.errors import FieldError
from portal.extensions import db
from portal.models import Program
from portal.models.choosing import ChoosingSettings, MatchingMode

RANGES = {
    "max_open_requests": (1, 10),
    "remind_after_days": (1, 60),
    "expire_after_days": (2, 90),
    "meet_check_days": (7, 60),
}


class SettingsError(FieldError):
    """A setting out of its range; nothing was saved."""


def save(
    program: Program,
    *,
    mode: str,
    max_open_requests: int,
    remind_after_days: int,
    expire_after_days: int,
    meet_check_days: int,
    requires_approval: bool,
    office_hours: bool,
) -> ChoosingSettings:
    try:
        chosen = MatchingMode(mode)
    except ValueError:
        raise SettingsError("Choose who makes the pairs.", "mode") from None
    numbers = {
        "max_open_requests": max_open_requests,
        "remind_after_days": remind_after_days,
        "expire_after_days": expire_after_days,
        "meet_check_days": meet_check_days,
    }
    for name, value in numbers.items():
        low, high = RANGES[name]
        if not isinstance(value, int) or not low <= value <= high:
            raise SettingsError(f"Choose from {low} to {high}.", name)
    if remind_after_days >= expire_after_days:
        raise SettingsError("Remind before the request expires.", "remind_after_days")
    row = db.session.get(ChoosingSettings, program.id)
    if row is None:
        row = ChoosingSettings(program_id=program.id, listing_version=0)
        db.session.add(row)
    row.mode = chosen
    for name, value in numbers.items():
        setattr(row, name, value)
    row.requires_approval = bool(requires_approval)
    row.office_hours = bool(office_hours)
    db.session.flush()
    return row
