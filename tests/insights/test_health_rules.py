"""Does the published health formula give the status a person would work out by hand?"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.services.insights.health import Activity, HealthStatus, PairFacts, assess

pytestmark = pytest.mark.pure  # no database: runs without an app

TODAY = date(2026, 6, 15)
BUSY = Activity(check_ins=3, entries_shared=1, comments=2, agenda_points=1)
QUIET = Activity()


def facts(**changes) -> PairFacts:
    """A healthy monthly pair approved 90 days ago that met 10 days ago, signed, with goals."""
    values = {
        "approved_on": TODAY - timedelta(days=90),
        "cadence_days": 31,
        "cadence_label": "monthly",
        "last_met_on": TODAY - timedelta(days=10),
        "mentor": BUSY,
        "mentee": BUSY,
        "agreement_signed": True,
        "goals": 2,
    }
    values.update(changes)
    return PairFacts(**values)


def met_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def test_is_a_healthy_pair_on_track_with_its_reasons():
    health = assess(facts(), TODAY)
    assert health.status is HealthStatus.on_track
    assert health.reasons == ("met 10 days ago; cadence monthly", "both partners active")


@pytest.mark.parametrize(
    ("gap", "status"),
    [
        (31, HealthStatus.on_track),  # exactly one cadence: still fine
        (32, HealthStatus.needs_check_in),
        (62, HealthStatus.needs_check_in),  # exactly two cadences: not yet at risk
        (63, HealthStatus.at_risk),
    ],
)
def test_does_the_meeting_gap_decide_at_its_edges(gap, status):
    assert assess(facts(last_met_on=met_ago(gap)), TODAY).status is status


def test_does_the_reason_name_the_gap_and_the_cadence():
    health = assess(facts(last_met_on=met_ago(47)), TODAY)
    assert health.reasons == ("no meeting for 47 days; cadence monthly",)


def test_is_a_biweekly_pair_measured_against_fourteen_days():
    biweekly = facts(cadence_days=14, cadence_label="every two weeks", last_met_on=met_ago(15))
    health = assess(biweekly, TODAY)
    assert health.status is HealthStatus.needs_check_in
    assert health.reasons == ("no meeting for 15 days; cadence every two weeks",)
    assert assess(facts(cadence_days=14, last_met_on=met_ago(29)), TODAY).status is (
        HealthStatus.at_risk
    )


def test_does_a_pair_that_never_met_count_from_approval():
    never = facts(last_met_on=None, approved_on=met_ago(40))
    health = assess(never, TODAY)
    assert health.status is HealthStatus.needs_check_in
    assert health.reasons[0] == "no meeting since approval 40 days ago; cadence monthly"


@pytest.mark.parametrize(("age", "status"), [(0, "too_early"), (30, "too_early"), (31, "on_track")])
def test_is_a_new_pair_too_early_to_tell_until_one_cadence_passed(age, status):
    new = facts(approved_on=met_ago(age), last_met_on=None, agreement_signed=False, goals=0)
    expected = HealthStatus(status)
    if expected is HealthStatus.on_track:
        # On day 31 without a meeting the gap is 31: not overdue, but settling rules apply.
        expected = HealthStatus.needs_check_in
    assert assess(new, TODAY).status is expected


def test_does_an_early_first_meeting_end_too_early_to_tell():
    early = facts(approved_on=met_ago(10), last_met_on=met_ago(3), goals=0, agreement_signed=False)
    assert assess(early, TODAY).status is HealthStatus.on_track


def test_does_a_confidential_request_put_even_a_new_pair_at_risk():
    new = facts(approved_on=met_ago(5), last_met_on=None, concern="rematch")
    health = assess(new, TODAY)
    assert health.status is HealthStatus.at_risk
    assert health.reasons == ("a partner asked confidentially to re-match",)
    ending = assess(facts(concern="end_early"), TODAY)
    assert ending.reasons == ("a partner asked confidentially to end the pairing",)


@pytest.mark.parametrize(("rating", "status"), [(1, "at_risk"), (2, "at_risk"), (3, "on_track")])
def test_does_a_low_rating_put_a_pair_at_risk(rating, status):
    assert assess(facts(lowest_rating=rating), TODAY).status is HealthStatus(status)


def test_are_an_overdue_meeting_and_two_quiet_partners_at_risk_together():
    overdue_quiet = facts(last_met_on=met_ago(40), mentor=QUIET, mentee=QUIET)
    health = assess(overdue_quiet, TODAY)
    assert health.status is HealthStatus.at_risk
    assert "neither partner active in 30 days" in health.reasons[0]
    # Quiet but not overdue: a check-in, not a risk.
    assert assess(facts(mentor=QUIET, mentee=QUIET), TODAY).status is HealthStatus.on_track


def test_does_one_quiet_partner_need_a_check_in():
    health = assess(facts(mentee=QUIET), TODAY)
    assert health.status is HealthStatus.needs_check_in
    assert health.reasons == ("mentee not active in 30 days",)


def test_is_a_quiet_partner_forgiven_in_the_first_thirty_days():
    young = facts(approved_on=met_ago(29), last_met_on=met_ago(2), mentor=QUIET)
    assert assess(young, TODAY).status is HealthStatus.on_track


@pytest.mark.parametrize(("age", "status"), [(29, "on_track"), (30, "needs_check_in")])
def test_do_agreement_and_goals_count_from_day_thirty(age, status):
    pair = facts(approved_on=met_ago(age), last_met_on=met_ago(2), agreement_signed=False, goals=0)
    health = assess(pair, TODAY)
    assert health.status is HealthStatus(status)
    if status == "needs_check_in":
        assert health.reasons == (
            "agreement not signed by both after 30 days",
            "no goal written after 30 days",
        )


@pytest.mark.parametrize(("passed", "status"), [(3, "on_track"), (4, "needs_check_in")])
def test_is_a_missed_planned_meeting_noticed_after_three_days(passed, status):
    planned = met_ago(passed)
    health = assess(facts(last_planned_on=planned), TODAY)
    assert health.status is HealthStatus(status)
    # A meeting logged on the planned day clears it.
    logged = facts(last_planned_on=met_ago(20), last_met_on=met_ago(20))
    assert assess(logged, TODAY).status is HealthStatus.on_track


def test_are_all_reasons_listed_when_several_rules_apply():
    bad = facts(last_met_on=met_ago(70), concern="end_early", lowest_rating=1)
    assert assess(bad, TODAY).reasons == (
        "a partner asked confidentially to end the pairing",
        "no meeting for 70 days; cadence monthly",
        "a rating of 1 of 5 in the last 60 days",
    )


# --- "Did you meet?" (programmes where mentees choose) -------------------------------------


def test_does_a_partners_no_to_did_you_meet_put_a_new_pair_at_risk():
    said_no = facts(approved_on=met_ago(15), last_met_on=None, said_not_met_on=met_ago(1))
    health = assess(said_no, TODAY)
    assert health.status is HealthStatus.at_risk
    assert health.reasons == (
        f"a partner said on {met_ago(1).isoformat()} that they have not met yet",
    )


@pytest.mark.parametrize(
    ("logged", "status"),
    [(None, "at_risk"), (2, "at_risk"), (1, "on_track")],  # the "no" was given 1 day ago
)
def test_does_a_meeting_logged_on_or_after_the_no_answer_it(logged, status):
    pair = facts(
        approved_on=met_ago(15),
        last_met_on=met_ago(logged) if logged else None,
        said_not_met_on=met_ago(1),
    )
    assert assess(pair, TODAY).status is HealthStatus(status)


def test_does_a_yes_count_as_a_meeting_on_its_day():
    said_yes = facts(approved_on=met_ago(60), last_met_on=None, said_met_on=met_ago(31))
    assert assess(said_yes, TODAY).status is HealthStatus.on_track  # gap 31: one cadence
    later = facts(approved_on=met_ago(60), last_met_on=None, said_met_on=met_ago(32))
    assert assess(later, TODAY).reasons == ("no meeting for 32 days; cadence monthly",)


@pytest.mark.parametrize(
    ("yes", "status"), [(2, "needs_check_in"), (1, "needs_check_in"), (0, "on_track")]
)
def test_do_partners_who_answer_differently_need_a_check_in(yes, status):
    # The "no" came 1 day ago: a "yes" on or before that day disagrees; a later one is a meeting.
    pair = facts(
        approved_on=met_ago(20),
        last_met_on=None,
        said_not_met_on=met_ago(1),
        said_met_on=met_ago(yes),
    )
    health = assess(pair, TODAY)
    assert health.status is HealthStatus(status)
    if status == "needs_check_in":
        assert health.reasons == ("the partners answered “Did you meet?” differently",)


@pytest.mark.parametrize(("asked", "status"), [(7, "too_early"), (8, "needs_check_in")])
def test_is_silence_after_did_you_meet_a_check_in_after_exactly_seven_days(asked, status):
    pair = facts(approved_on=met_ago(22), last_met_on=None, meet_asked_on=met_ago(asked))
    health = assess(pair, TODAY)
    assert health.status is HealthStatus(status)
    if status == "needs_check_in":
        assert health.reasons == ("nobody answered “Did you meet?” within 7 days",)


def test_is_silence_forgiven_once_a_meeting_is_logged_after_the_question():
    pair = facts(approved_on=met_ago(40), last_met_on=met_ago(20), meet_asked_on=met_ago(26))
    assert assess(pair, TODAY).status is HealthStatus.on_track
    before = facts(approved_on=met_ago(40), last_met_on=met_ago(27), meet_asked_on=met_ago(26))
    assert "nobody answered “Did you meet?” within 7 days" in assess(before, TODAY).reasons
