"""Is the proposal the true optimum? Compared with brute force on small random cohorts."""

import itertools
import random

import numpy as np
import pytest

from portal.services.matching.cohort import build_cohort
from portal.services.matching.scoring import ScoreMatrix, score_cohort
from portal.services.matching.solver import Mode, candidates, solve, solve_greedy, solve_slots
from portal.services.matching.synthetic import random_cohort

pytestmark = pytest.mark.pure  # no database: runs without an app


def brute_force(matrix: ScoreMatrix, capacity: np.ndarray, mode: Mode) -> tuple[int, float]:
    """Try every assignment; the best (pairs, total) for the mode."""
    n, m = matrix.score.shape
    allowed = candidates(matrix, mode)
    best = (0, 0.0)
    for choice in itertools.product(range(-1, m), repeat=n):
        load = np.zeros(m, int)
        total, count = 0.0, 0
        for i, j in enumerate(choice):
            if j < 0:
                continue
            if not allowed[i, j]:
                break
            load[j] += 1
            total += float(matrix.score[i, j])
            count += 1
        else:
            if (load > capacity).any():
                continue
            key = (count, total) if mode is Mode.most_matched else (0, total)
            best_key = best if mode is Mode.most_matched else (0, best[1])
            if key[0] > best_key[0] or (key[0] == best_key[0] and key[1] > best_key[1] + 1e-9):
                best = (count, total)
    return best


@pytest.mark.parametrize("mode", list(Mode))
@pytest.mark.parametrize("seed", range(25))
def test_total_equals_brute_force_on_random_cohorts(seed, mode):
    rng = random.Random(seed)
    mentees, mentors = random_cohort(rng.randint(1, 6), rng.randint(1, 3), seed=seed)
    for person in mentors:
        person.capacity = rng.randint(0, 2)
    cohort = build_cohort(mentees, mentors)
    matrix = score_cohort(cohort)
    if seed % 3 == 0:  # some cohorts where time zones and hard rules cut many pairs
        matrix.eligible &= np.random.default_rng(seed).random(matrix.score.shape) > 0.4
    capacity = cohort.mentors.capacity
    count, total = brute_force(matrix, capacity, mode)
    for solution in (
        solve(matrix, capacity, mode, k=1, extra=0),
        solve_slots(matrix, capacity, mode),
    ):
        assert solution.total == pytest.approx(total, abs=1e-5)
        if mode is Mode.most_matched:
            assert solution.matched == count


def test_most_matched_can_trade_score_for_people():
    score = np.array([[0.9, 0.1], [0.5, 0.0]], dtype=np.float32)
    allowed = np.array([[True, True], [True, False]])
    matrix = ScoreMatrix(score, allowed, allowed)
    capacity = np.array([1, 1])
    best = solve(matrix, capacity, Mode.best_total)
    most = solve(matrix, capacity, Mode.most_matched)
    assert best.mentor_of.tolist() == [0, -1]
    assert best.total == pytest.approx(0.9)
    assert most.mentor_of.tolist() == [1, 0]
    assert most.total == pytest.approx(0.6)


def test_optimum_beats_or_equals_greedy_on_a_larger_cohort():
    mentees, mentors = random_cohort(400, 120, seed=5)
    cohort = build_cohort(mentees, mentors)
    matrix = score_cohort(cohort)
    capacity = cohort.mentors.capacity
    optimum = solve(matrix, capacity)
    exact = solve_slots(matrix, capacity)  # every candidate edge, no pruning
    greedy = solve_greedy(matrix, capacity)
    assert optimum.total == pytest.approx(exact.total, abs=1e-4)
    assert optimum.total >= greedy.total - 1e-6
