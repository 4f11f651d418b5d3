"""Do the health formula's numbers on the page and in docs/insights.md equal the code's?"""

from __future__ import annotations

import re
from pathlib import Path

from portal.models import Cadence
from portal.services.insights import health
from tests.factories import make_admin, make_pairing

DOC = Path(__file__).resolve().parents[2] / "docs" / "insights.md"
TEMPLATE = (
    Path(__file__).resolve().parents[2]
    / "portal"
    / "templates"
    / "admin"
    / "insights"
    / "_formula.html"
)


def _constant(name: str) -> int:
    if name.startswith("Cadence."):
        return getattr(Cadence, name.split(".")[1]).days
    return getattr(health, name)


def test_does_the_docs_table_give_the_constants_values():
    rows = re.findall(r"^\| [^|]+ \| (\d+) \| `([A-Za-z_.]+)` \|$", DOC.read_text(), re.M)
    assert {name for _, name in rows} >= {
        "ACTIVITY_DAYS",
        "RATING_DAYS",
        "LOW_RATING",
        "SETTLING_DAYS",
        "MISSED_GRACE_DAYS",
        "AT_RISK_GAP_TIMES",
        "MEET_ANSWER_DAYS",
        "Cadence.monthly.days",
        "Cadence.biweekly.days",
    }
    for value, name in rows:
        assert int(value) == _constant(name), name


def test_does_the_docs_prose_use_the_same_numbers():
    text = DOC.read_text()
    section = text[text.index("## Pair health: the formula") : text.index("**Where the numbers")]
    f = health.FORMULA
    for phrase in (
        f"monthly {f['monthly_days']}, every\ntwo weeks {f['biweekly_days']}",
        f"in the last {f['activity_days']} days",
        f"more than {f['at_risk_gap_times']} × C",
        f"in the last {f['rating_days']} days",
        f"{f['low_rating']} or lower (of 5)",
        f"more than {f['missed_grace_days']} days ago",
        f"{f['settling_days']} days after approval",
        f"asked more than {f['meet_answer_days']} days ago",
    ):
        assert phrase in section, phrase


def test_does_the_page_template_type_no_number_of_its_own():
    # Only the rating scale ("of 5") is written out; every other number comes from FORMULA.
    assert set(re.findall(r"\d+", TEMPLATE.read_text())) == {"5"}


def test_does_the_page_show_the_constants(client, auth):
    pairing = make_pairing()
    auth.login(make_admin())
    page = client.get(f"/admin/programs/{pairing.program.slug}/pairs").get_data(as_text=True)
    f = health.FORMULA
    assert f"the gap is more than {f['at_risk_gap_times']} × C" in page
    assert f"in the last {f['rating_days']} days a partner rated" in page
    assert f"more than {f['missed_grace_days']} days ago" in page
    assert f"(monthly: {f['monthly_days']}, every two weeks: {f['biweekly_days']})" in page
    assert f"was asked more than {f['meet_answer_days']} days ago" in page
