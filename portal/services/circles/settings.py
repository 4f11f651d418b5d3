"""The programme team edits a programme's circle settings (``programs.matching["circles"]``):
sizes, members per department, and whether members may share with one person of their
circle (docs/circles.md). ``formation.settings_of`` reads the sizes back, clamped."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from portal.extensions import db
from portal.models import Program, User
from portal.models.circles import (
    LARGEST_CIRCLE,
    PRIVATE_SHARING_KEY,
    SMALLEST_CIRCLE,
    allows_private_sharing,
)
from portal.services.circles import formation
from portal.services.platform import audit


class SettingsError(ValueError):
    """A setting is out of bounds; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class CircleSettingsView:
    """What the team's board shows and its settings form starts from."""

    min_size: int
    max_size: int
    max_per_department: int
    allow_private_sharing: bool


def current(program: Program) -> CircleSettingsView:
    sizes = formation.settings_of(program)
    return CircleSettingsView(
        sizes.min_size,
        sizes.max_size,
        sizes.max_per_department,
        allows_private_sharing(program.matching),
    )


def _number(text: str | None, field: str, low: int, high: int) -> int:
    text = (text or "").strip()
    if not text.isdigit() or len(text) > 3 or not low <= int(text) <= high:
        raise SettingsError(f"A whole number from {low} to {high}.", field)
    return int(text)


def save(
    program: Program,
    actor: User,
    *,
    min_size: str | None,
    max_size: str | None,
    max_per_department: str | None,
    allow_private_sharing: bool,
) -> CircleSettingsView:
    """Check and keep the circle settings; SettingsError (nothing written) names the field.

    The programme row is locked first, so a member sharing with one person at that moment
    either finishes before (and keeps it) or sees the new setting; other matching settings in
    the same JSON are kept. Turning private sharing off changes no earlier share."""
    low, high = (
        _number(min_size, "min_size", SMALLEST_CIRCLE, LARGEST_CIRCLE),
        _number(max_size, "max_size", SMALLEST_CIRCLE, LARGEST_CIRCLE),
    )
    if low > high:
        raise SettingsError("The largest size cannot be below the smallest.", "max_size")
    per_department = _number(max_per_department, "max_per_department", 0, LARGEST_CIRCLE)
    db.session.execute(select(Program.id).where(Program.id == program.id).with_for_update())
    db.session.refresh(program)
    matching = dict(program.matching or {})
    circles = dict(matching.get("circles") or {})
    was = allows_private_sharing(program.matching)
    circles.update(
        min_size=low,
        max_size=high,
        max_per_department=per_department,
        **{PRIVATE_SHARING_KEY: bool(allow_private_sharing)},
    )
    matching["circles"] = circles
    program.matching = matching  # a new dict, so the JSON column is written
    change = ""
    if was != bool(allow_private_sharing):
        change = "; sharing with one person " + ("allowed" if allow_private_sharing else "off")
    audit.record(actor, "circles.settings", f"Circle settings changed{change}", program)
    db.session.flush()
    return current(program)
