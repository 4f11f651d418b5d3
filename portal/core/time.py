"""Time: Horizon stores naive UTC datetimes and converts only to show or to decide by a
person's own calendar. Every conversion to a person's zone goes through here."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class HasZone(Protocol):
    @property
    def zone(self) -> ZoneInfo: ...


def utcnow() -> datetime:
    """The current time as a naive UTC datetime (how Horizon stores every moment)."""
    return datetime.now(UTC).replace(tzinfo=None)


def in_zone(value: datetime, zone: ZoneInfo) -> datetime:
    """A stored naive-UTC time (or an aware one) in the given zone."""
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    return aware.astimezone(zone)


def local_now(person: HasZone, now: datetime) -> datetime:
    """The person's wall-clock time for a naive-UTC `now`."""
    return in_zone(now, person.zone)


def local_today(person: HasZone, now: datetime | None = None) -> date:
    """Today's date where the person lives: a check-in's day is its local date, not UTC's."""
    return local_now(person, now or utcnow()).date()


def add_days(day: date, days: int) -> date:
    """`day + days`, clamped to the calendar's range instead of overflowing."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def short_date(value: date | datetime | None, today: date, fmt: str = "%-d %b") -> str:
    """A date as people read it: "6 Dec" this year, "24 Aug 2025" in any other year (a short
    date without its year is read as this year's)."""
    if value is None:
        return ""
    day = value.date() if isinstance(value, datetime) else value
    return value.strftime(fmt if day.year == today.year else f"{fmt} %Y")


class YearAware:
    """A date for `str.format` templates (reminder subjects and notices): `{held:%-d %B}`
    formats as short_date does, with the year only when it is not `today`'s."""

    def __init__(self, value: date, today: date) -> None:
        self.value, self.today = value, today

    def __format__(self, spec: str) -> str:
        return short_date(self.value, self.today, spec or "%-d %b")

    def __str__(self) -> str:
        return format(self)
