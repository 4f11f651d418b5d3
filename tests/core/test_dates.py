"""Does a date from another year always show its year (and a date of this year stay short)?"""

import re
from datetime import date, datetime
from pathlib import Path

import pytest

from portal.core.time import YearAware, short_date

TODAY = date(2026, 12, 6)
PORTAL = Path(__file__).parents[2] / "portal"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2026, 8, 24), "24 Aug"),
        (date(2025, 8, 24), "24 Aug 2025"),
        (date(2027, 1, 3), "3 Jan 2027"),
        (datetime(2025, 12, 31, 23, 0), "31 Dec 2025"),
        (None, ""),
    ],
)
def test_is_the_year_shown_only_when_it_is_not_this_year(value, expected):
    assert short_date(value, TODAY) == expected


def test_do_reminder_subjects_carry_the_year_of_an_old_date():
    assert f"{YearAware(date(2025, 8, 24), TODAY):%-d %B}" == "24 August 2025"
    assert f"{YearAware(date(2026, 8, 24), TODAY):%-d %B}" == "24 August"


def test_does_no_template_print_a_day_and_month_without_a_year():
    """Every "%-d %b" style date goes through `shortdate` (or names its year itself)."""
    offenders = []
    for path in [*PORTAL.joinpath("templates").rglob("*.html"), *PORTAL.rglob("*.txt")]:
        for line in path.read_text().splitlines():
            if re.search(r"%-d %[bB]", line) and "%Y" not in line:
                offenders.append(f"{path.relative_to(PORTAL)}: {line.strip()[:100]}")
    assert offenders == []


def test_does_the_filter_add_the_year_in_a_page(app):
    with app.test_request_context():
        render = app.jinja_env.from_string("{{ d | shortdate }}|{{ d | shortdate('day') }}").render
        assert render(d=date(2001, 5, 4)) == "4 May 2001|Fri 4 May 2001"
