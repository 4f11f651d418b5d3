"""Time helpers: Horizon stores naive UTC datetimes and converts only for display."""

from datetime import UTC, datetime
from enum import StrEnum

import sqlalchemy as sa


def utcnow() -> datetime:
    """The current time in UTC, without tzinfo, as every column stores it."""
    return datetime.now(UTC).replace(tzinfo=None)


def enum_column(enum_cls: type[StrEnum], length: int = 20) -> sa.Enum:
    """A portable enum: VARCHAR plus a CHECK constraint on both SQLite and PostgreSQL."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
        name=enum_cls.__name__.lower(),
    )
