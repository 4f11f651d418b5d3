"""Time helpers: Horizon stores naive UTC datetimes and converts only for display."""

from enum import StrEnum

import sqlalchemy as sa

from portal.core.time import utcnow  # noqa: F401  (models and services import it from here)


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
