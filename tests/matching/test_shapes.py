"""Is the solver optimal at every cohort shape? Fewer, as many or more places than mentees,
capacity 1 only, blank and forbidden pairs, a minimum score, both modes: compared with the
exact slot engine over every pair."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.services.matching.cohort import build_cohort
from portal.services.matching.scoring import ScoreMatrix, score_cohort
from portal.services.matching.solver import GAP, Mode, candidates, solve, solve_slots
from portal.services.matching.synthetic import random_cohort

pytestmark = pytest.mark.pure  # no database: runs without an app

SHAPES = ("fewer", "equal", "more", "capacity_1")


def capacities(draw, shape: str, n: int, m: int) -> np.ndarray:
    """Mentor capacities (0-5) whose sum is below, at or above the number of mentees."""
    if shape == "capacity_1":
        return np.ones(m, dtype=np.int64)
    target = {"fewer": min(max(n - draw(st.integers(1, 3)), 0), 5 * m), "equal": n}.get(shape)
    if target is None:
        target = min(n + draw(st.integers(1, 4)), 5 * m)
    capacity = np.zeros(m, dtype=np.int64)
    for _ in range(target):
        open_ = np.flatnonzero(capacity < 5)
        capacity[open_[draw(st.integers(0, len(open_) - 1))]] += 1
    return capacity


@st.composite
def cases(draw):
    shape = draw(st.sampled_from(SHAPES))
    n = draw(st.integers(1, 12))
    m = draw(st.integers(1, 5))
    if shape in ("equal", "more"):
        n = min(n, 5 * m - (shape == "more"))
    seed = draw(st.integers(0, 10_000))
    mentees, mentors = random_cohort(n, m, seed=seed)
    matrix = score_cohort(build_cohort(mentees, mentors))
    rng = np.random.default_rng(seed)
    if draw(st.booleans()):
        # Coarse scores: many exact ties and blank (zero) pairs.
        matrix.score[:] = rng.integers(0, 5, size=matrix.score.shape) / np.float32(4)
    # Pairs a hard rule or the time zones forbid.
    matrix.eligible &= rng.random(matrix.score.shape) >= draw(st.sampled_from([0.0, 0.3, 0.7]))
    min_score = draw(st.sampled_from([0.0, 0.0, 0.3, 0.6]))
    return matrix, capacities(draw, shape, n, m), draw(st.sampled_from(list(Mode))), min_score


def assert_valid(matrix: ScoreMatrix, capacity, mode, min_score, solution) -> None:
    """Capacity, one mentor per mentee, and only allowed pairs that reach the minimum."""
    matched = np.flatnonzero(solution.mentor_of >= 0)
    load = np.bincount(solution.mentor_of[matched], minlength=len(capacity))
    assert np.all(load <= capacity)
    assert candidates(matrix, mode, min_score)[matched, solution.mentor_of[matched]].all()
    expected = matrix.score[matched, solution.mentor_of[matched]].astype(np.float64).sum()
    assert solution.total == pytest.approx(expected, abs=1e-9)


@settings(max_examples=300, deadline=None)
@given(cases(), st.sampled_from([(1, 0), (10, 0), (2, 2)]))
def test_solve_equals_the_exact_engine_at_every_shape(case, pruning):
    matrix, capacity, mode, min_score = case
    k, extra = pruning
    solution = solve(matrix, capacity, mode, min_score, k=k, extra=extra)
    exact = solve_slots(matrix, capacity, mode, min_score)
    assert_valid(matrix, capacity, mode, min_score, solution)
    assert_valid(matrix, capacity, mode, min_score, exact)
    assert solution.total == pytest.approx(exact.total, abs=1e-5)
    assert solution.gap <= GAP
    if mode is Mode.most_matched:
        assert solution.matched == exact.matched


@pytest.mark.parametrize("mode", list(Mode))
@pytest.mark.parametrize(("mentees", "places"), [(400, 300), (400, 400), (400, 550), (400, 120)])
def test_a_mid_size_cohort_of_each_shape_is_optimal(mentees, places, mode):
    people, mentors = random_cohort(mentees, 120, seed=7, places=places)
    matrix = score_cohort(build_cohort(people, mentors))
    capacity = np.array([p.capacity for p in mentors])
    solution = solve(matrix, capacity, mode)
    exact = solve_slots(matrix, capacity, mode)
    assert_valid(matrix, capacity, mode, 0.0, solution)
    assert solution.total == pytest.approx(exact.total, abs=1e-5)
    assert solution.matched == exact.matched
    assert solution.matched == min(mentees, places)  # every mentee here has some candidate
    assert solution.gap <= GAP


def test_scores_closer_than_the_integer_scale_still_give_the_float_optimum():
    # The two assignments' totals differ by one float32 step below 1 (6e-8): the cross wins.
    step = np.float32(1.0) - np.nextafter(np.float32(1.0), np.float32(0.0))
    score = np.array([[1.0, 1.0 - step], [1.0 - step, 1.0 - 3 * step]], dtype=np.float32)
    eligible = np.ones_like(score, dtype=bool)
    matrix = ScoreMatrix(score, eligible, eligible)
    solution = solve(matrix, np.array([1, 1]))
    assert solution.mentor_of.tolist() == [1, 0]
    assert solution.total == pytest.approx(solve_slots(matrix, np.array([1, 1])).total, abs=1e-9)
    assert solution.gap <= GAP


@pytest.mark.parametrize("places", [30, 50, 75, 100, 150])
def test_places_sets_the_capacities_and_nothing_else(places):
    plain_mentees, plain_mentors = random_cohort(40, 30, seed=3)
    mentees, mentors = random_cohort(40, 30, seed=3, places=places)
    assert sum(p.capacity for p in mentors) == places
    assert all(1 <= p.capacity <= 5 for p in mentors)
    assert [p.profile for p in mentees] == [p.profile for p in plain_mentees]
    strip = lambda p: {k: v for k, v in p.profile.items() if k != "capacity"}  # noqa: E731
    assert [strip(p) for p in mentors] == [strip(p) for p in plain_mentors]


@pytest.mark.parametrize("places", [29, 151])
def test_places_that_cannot_fit_the_mentors_are_refused(places):
    with pytest.raises(ValueError, match="do not fit"):
        random_cohort(40, 30, seed=3, places=places)
