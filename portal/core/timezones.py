"""The time zones people choose from: canonical zones, grouped by region, UTC first.

The IANA database also holds deprecated aliases ("US/Eastern", "Asia/Calcutta") and
administrative names ("Etc/GMT+3"); offering those makes a 597-entry list. The country
zones of `zone.tab` are the canonical set that operating systems offer.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from zoneinfo import TZPATH, available_timezones

REGIONS = (
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)


def _from_zone_tab() -> set[str]:
    for root in TZPATH:
        tab = Path(root) / "zone.tab"
        if tab.is_file():
            lines = tab.read_text(encoding="utf-8").splitlines()
            return {line.split("\t")[2] for line in lines if line and not line.startswith("#")}
    return set()


@cache
def canonical_zones() -> list[str]:
    """Canonical zone names (UTC included), sorted."""
    known = available_timezones()
    zones = _from_zone_tab() & known
    if not zones:  # no zone.tab on this system: keep the regional names
        zones = {z for z in known if z.split("/", 1)[0] in REGIONS and "/" in z}
    return sorted(zones | {"UTC"})


def _label(zone: str) -> str:
    return zone.split("/", 1)[-1].replace("_", " ").replace("/", " / ")


@cache
def grouped_choices() -> dict[str, list[tuple[str, str]]]:
    """Choices for a select with one group per region, in the form WTForms renders."""
    groups: dict[str, list[tuple[str, str]]] = {"Universal": [("UTC", "UTC")]}
    for zone in canonical_zones():
        if zone == "UTC":
            continue
        region = zone.split("/", 1)[0]
        groups.setdefault(region, []).append((zone, _label(zone)))
    return {region: sorted(items, key=lambda item: item[1]) for region, items in groups.items()}
