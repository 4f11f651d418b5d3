"""Circle health: the published formula at its exact boundaries, and its one home of numbers.

Each case is computed by hand from the formula in docs/circles.md: C is the cadence in days,
the gap is the days since the last meeting (or since the circle opened).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from portal.services.circles.health import (
    ACTIVITY_DAYS,
    AT_RISK_ATTENDANCE_PERCENT,
    AT_RISK_GAP_TIMES,
    FORMULA,
    LOW_ATTENDANCE_PERCENT,
    CircleFacts,
    CircleState,
    assess,
)

TODAY = date(2026, 6, 30)
MONTHLY = 31


def facts(**overrides) -> CircleFacts:
    """A busy circle that opened 100 days ago and met 3 days ago: on track unless told."""
    values = {
        "opened_on": TODAY - timedelta(days=100),
        "cadence_days": MONTHLY,
        "last_met_on": TODAY - timedelta(days=3),
        "meetings_recent": 3,
        "places_recorded": 12,
        "places_taken": 12,
        "shared": 4,
        "check_ins": 9,
    }
    values.update(overrides)
    return CircleFacts(**values)


def state(**overrides) -> CircleState:
    return assess(facts(**overrides), TODAY).state


def met_days_ago(n: int) -> dict:
    return {"last_met_on": TODAY - timedelta(days=n)}


def test_is_a_busy_circle_on_track():
    assert state() is CircleState.on_track


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (MONTHLY, CircleState.on_track),  # exactly at the cadence limit
        (MONTHLY + 1, CircleState.needs_check_in),  # one day over
        (AT_RISK_GAP_TIMES * MONTHLY, CircleState.needs_check_in),  # exactly 2 x C
        (AT_RISK_GAP_TIMES * MONTHLY + 1, CircleState.at_risk),  # one day over 2 x C
    ],
)
def test_does_the_gap_count_from_the_day_after_the_cadence(days, expected):
    assert state(**met_days_ago(days)) is expected


def test_does_a_fortnightly_circle_use_its_own_cadence():
    assert state(cadence_days=14, **met_days_ago(14)) is CircleState.on_track
    assert state(cadence_days=14, **met_days_ago(15)) is CircleState.needs_check_in
    assert state(cadence_days=14, **met_days_ago(29)) is CircleState.at_risk


def test_does_a_circle_that_never_met_count_from_its_opening():
    opened = {"last_met_on": None, "meetings_recent": 0, "places_recorded": 0, "places_taken": 0}
    young = {**opened, "opened_on": TODAY - timedelta(days=MONTHLY)}
    assert state(**young) is CircleState.on_track
    older = {**opened, "opened_on": TODAY - timedelta(days=MONTHLY + 1)}
    assessment = assess(facts(**older), TODAY)
    assert assessment.state is CircleState.needs_check_in
    assert "no meeting in 32 days" in assessment.reasons


@pytest.mark.parametrize(
    ("taken", "recorded", "expected"),
    [
        (3, 4, CircleState.on_track),  # 75% exactly
        (74, 100, CircleState.needs_check_in),  # just below 75%
        (1, 2, CircleState.needs_check_in),  # 50% exactly
        (49, 100, CircleState.at_risk),  # just below 50%
        (0, 0, CircleState.needs_check_in),  # meetings held, nothing recorded
    ],
)
def test_is_attendance_compared_at_its_exact_percentages(taken, recorded, expected):
    assert LOW_ATTENDANCE_PERCENT == 75 and AT_RISK_ATTENDANCE_PERCENT == 50
    assert state(places_taken=taken, places_recorded=recorded) is expected


def test_does_no_recorded_place_without_a_meeting_count_as_nothing():
    assert state(meetings_recent=0, places_recorded=0, places_taken=0) is CircleState.on_track


def test_do_sharing_and_practice_count_from_the_circles_activity_day():
    young = {"opened_on": TODAY - timedelta(days=ACTIVITY_DAYS - 1)}
    assert state(shared=0, **young) is CircleState.on_track
    settled = {"opened_on": TODAY - timedelta(days=ACTIVITY_DAYS)}
    assert state(shared=0, **settled) is CircleState.needs_check_in
    assert state(check_ins=0, **settled) is CircleState.needs_check_in


def test_is_a_late_and_quiet_circle_at_risk():
    quiet = {"shared": 0, "check_ins": 0}
    assert state(**quiet, **met_days_ago(MONTHLY)) is CircleState.needs_check_in
    assessment = assess(facts(**quiet, **met_days_ago(MONTHLY + 1)), TODAY)
    assert assessment.state is CircleState.at_risk
    assert assessment.reasons == (
        f"no meeting for 32 days, and nothing shared or practised in {ACTIVITY_DAYS} days",
    )
    # Late but sharing: a check-in, not a risk.
    assert state(shared=0, **met_days_ago(MONTHLY + 1)) is CircleState.needs_check_in


def test_do_the_docs_and_the_board_state_the_constants_that_the_code_uses():
    """docs/circles.md's table and the board's formula read the same numbers as the code."""
    doc = (Path(__file__).parents[2] / "docs" / "circles.md").read_text()
    table = dict(re.findall(r"^\| .+? \| (\d+) \| `([A-Z_.a-z]+)` \|$", doc, re.MULTILINE))
    table = {constant: int(value) for value, constant in table.items()}
    from portal.services.circles import health

    for constant, value in table.items():
        if constant.startswith("Cadence."):
            continue
        assert getattr(health, constant) == value, constant
    assert {
        "ACTIVITY_DAYS",
        "ATTENDANCE_DAYS",
        "AT_RISK_GAP_TIMES",
        "LOW_ATTENDANCE_PERCENT",
        "AT_RISK_ATTENDANCE_PERCENT",
    } <= set(table)
    template = (
        Path(__file__).parents[2] / "portal" / "templates" / "admin" / "_circle_formula.html"
    ).read_text()
    for key in FORMULA:
        assert f"f.{key}" in template, key
    assert not re.search(r"\b(30|31|14|75|50|90)\b", template)
