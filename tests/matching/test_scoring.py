"""Does the scorer give the numbers a person works out by hand?"""

import numpy as np
import pytest

from portal.services.matching.cohort import Person, build_cohort
from portal.services.matching.scoring import (
    FACTORS,
    normalised_weights,
    pair_factors,
    score_cohort,
)

pytestmark = pytest.mark.pure  # no database: runs without an app


def mentee(uid=1, **profile):
    return Person(user_id=uid, name=f"Mentee {uid}", profile=profile)


def mentor(uid=100, capacity=1, **profile):
    return Person(user_id=uid, name=f"Mentor {uid}", profile=profile, capacity=capacity)


def only(factor: str) -> dict:
    return {name: (1.0 if name == factor else 0.0) for name in [*FACTORS, "picks"]}


def score(e: Person, m: Person, factor: str) -> float:
    cohort = build_cohort([e], [m])
    return float(score_cohort(cohort, only(factor)).score[0, 0])


@pytest.mark.parametrize(
    ("wanted", "strengths", "expected"),
    [
        (["leadership", "negotiation"], ["leadership", "coaching", "negotiation"], 1.0),
        (["leadership", "negotiation"], ["Leadership ", "coaching"], 0.5),  # case and spaces
        (["leadership", "negotiation"], ["coaching"], 0.0),
        ([], ["coaching"], 0.0),
    ],
)
def test_goals_score_is_the_share_of_wanted_skills_the_mentor_has(wanted, strengths, expected):
    e = mentee(goals=wanted[:1], develop=wanted[1:])
    assert score(e, mentor(strengths=strengths), "goals") == pytest.approx(expected)


def test_values_score_counts_shared_values_over_the_longer_list():
    e = mentee(values=["growth", "candour", "calm"])
    m = mentor(values=["growth", "calm", "impact"])
    assert score(e, m, "values") == pytest.approx(2 / 3)


def test_style_score_is_the_share_of_questions_answered_alike():
    e = mentee(style={"directness": "direct", "structure": "structured", "pace": "fast"})
    m = mentor(style={"directness": "direct", "structure": "free-flowing", "pace": "fast"})
    assert score(e, m, "style") == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    ("mentee_level", "mentor_level", "expected"),
    [
        (2, 4, 1.0),
        (2, 3, 2 / 3),
        (2, 5, 2 / 3),
        (1, 5, 1 / 3),
        (1, 6, 0.0),
        (3, 3, 0.0),
        (4, 2, 0.0),
    ],
)
def test_seniority_is_best_two_levels_up(mentee_level, mentor_level, expected):
    got = score(mentee(seniority=mentee_level), mentor(seniority=mentor_level), "seniority")
    assert got == pytest.approx(expected)


@pytest.mark.parametrize(
    ("zone_a", "zone_b", "expected"),
    [
        ("Europe/Berlin", "Europe/Berlin", 1.0),
        ("Europe/Berlin", "Europe/London", 7 / 8),  # one hour apart in January
        ("Europe/London", "America/New_York", 3 / 8),
        ("Europe/Berlin", "Asia/Singapore", 1 / 8),
        ("America/Los_Angeles", "Asia/Singapore", 0.0),  # 16 h apart: 8 h the other way round
    ],
)
def test_time_zone_overlap_is_the_shared_part_of_a_working_day(zone_a, zone_b, expected):
    assert score(mentee(timezone=zone_a), mentor(timezone=zone_b), "timezone") == pytest.approx(
        expected
    )


@pytest.mark.parametrize(
    ("fe", "fm", "same_city", "expected"),
    [
        ("in_person", "in_person", True, 1.0),
        ("in_person", "in_person", False, 0.0),
        ("remote", "in_person", True, 0.0),
        ("remote", "either", False, 1.0),
        ("either", "in_person", False, 0.5),
    ],
)
def test_format_fit(fe, fm, same_city, expected):
    e = mentee(format=fe, location="Berlin")
    m = mentor(format=fm, location="Berlin" if same_city else "Lisbon")
    assert score(e, m, "format") == pytest.approx(expected)


def test_weighted_score_is_the_weighted_mean_of_factors():
    e = mentee(
        goals=["leadership"], values=["growth"], timezone="Europe/Berlin", department="Sales"
    )
    m = mentor(
        strengths=["coaching"], values=["growth"], timezone="Europe/Berlin", department="Sales"
    )
    weights = {**only("goals"), "values": 1.0, "timezone": 2.0}
    cohort = build_cohort([e], [m])
    # goals 0 (weight 1), values 1 (weight 1), time zone 1 (weight 2): (0 + 1 + 2) / 4
    assert float(score_cohort(cohort, weights).score[0, 0]) == pytest.approx(0.75)
    parts = pair_factors(cohort, np.array([0]), np.array([0]), weights)
    assert parts["timezone"][0] == pytest.approx(0.5)
    assert sum(p[0] for p in parts.values()) == pytest.approx(0.75)


def test_picks_count_only_with_their_weight_and_by_rank():
    e = mentee(picks=[101, 100])
    mentors = [mentor(100), mentor(101), mentor(102)]
    cohort = build_cohort([e], mentors)
    got = score_cohort(cohort, only("picks")).score[0]
    assert got.tolist() == pytest.approx([2 / 3, 1.0, 0.0])


def test_weights_normalise_and_ignore_negative_or_unknown_names():
    weights = normalised_weights({"goals": 2, "values": -5, "bogus": 9, **{"style": 2}})
    assert sum(weights.values()) == pytest.approx(1.0)
    assert weights["values"] == 0.0
    assert "bogus" not in weights


def test_whole_matrix_matches_pairwise_scores():
    from portal.services.matching.synthetic import random_cohort

    mentees, mentors = random_cohort(40, 15, seed=3)
    cohort = build_cohort(mentees, mentors)
    matrix = score_cohort(cohort).score
    ei, mj = np.meshgrid(np.arange(40), np.arange(15), indexing="ij")
    parts = pair_factors(cohort, ei.ravel(), mj.ravel())
    total = sum(parts.values()).reshape(40, 15)
    assert np.allclose(matrix, total, atol=1e-5)
