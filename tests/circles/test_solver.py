"""Is the circle matcher right? Checked against brute force on small random cohorts.

Every answer must keep every rule (sizes, capacities, eligibility, the department rule); its
certified bound must be at least the true optimum; an answer that says "exact" must be the
true optimum; with CP-SAT (small cohorts) it always is.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.services.matching import circles

pytestmark = pytest.mark.pure


def brute_force(problem: circles.CircleProblem) -> int:
    """The best objective over every assignment that keeps every rule."""
    n, f = problem.fit.shape
    best = 0
    for choice in itertools.product(range(-1, f), repeat=n):
        circle_of = np.array(choice, dtype=np.int64)
        if circles.violations(problem, circle_of):
            continue
        best = max(best, circles.objective_of(problem, circle_of)[0])
    return best


@st.composite
def problems(draw):
    n = draw(st.integers(1, 6))
    f = draw(st.integers(1, 3))
    fit = np.array(
        draw(st.lists(st.integers(0, 1000), min_size=n * f, max_size=n * f)), dtype=np.int64
    ).reshape(n, f)
    eligible = np.array(
        draw(st.lists(st.booleans(), min_size=n * f, max_size=n * f)), dtype=bool
    ).reshape(n, f)
    department = np.array(draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)))
    capacity = np.array(draw(st.lists(st.integers(0, 4), min_size=f, max_size=f)))
    min_size = draw(st.integers(1, 3))
    per_department = draw(st.integers(0, 2))
    return circles.CircleProblem(fit, eligible, department, capacity, min_size, per_department)


@settings(max_examples=150, deadline=None)
@given(problems())
def test_the_flow_and_repair_is_feasible_and_its_bound_is_certified(problem):
    best = brute_force(problem)
    answer = circles.solve(problem, exact_pairs=0)
    assert circles.violations(problem, answer.circle_of) == []
    assert answer.objective <= best <= answer.bound
    if answer.exact:
        assert answer.objective == best


@settings(max_examples=150, deadline=None)
@given(problems())
def test_small_cohorts_are_solved_to_proven_optimality(problem):
    answer = circles.solve(problem)
    assert circles.violations(problem, answer.circle_of) == []
    assert answer.exact and answer.gap == 0
    assert answer.objective == brute_force(problem)


def test_placing_people_comes_before_fit():
    """Two people fit one facilitator badly together; one fits alone perfectly, but a circle
    needs two: both are placed."""
    problem = circles.CircleProblem(
        fit=np.array([[1000], [0]]),
        eligible=np.ones((2, 1), bool),
        department=np.array([0, 1]),
        capacity=np.array([3]),
        min_size=2,
    )
    answer = circles.solve(problem, exact_pairs=0)
    assert answer.placed == 2 and answer.fit == 1000


def test_the_department_rule_keeps_colleagues_apart():
    problem = circles.CircleProblem(
        fit=np.full((4, 2), 500),
        eligible=np.ones((4, 2), bool),
        department=np.array([0, 0, 1, 1]),
        capacity=np.array([2, 2]),
        min_size=2,
    )
    answer = circles.solve(problem, exact_pairs=0)
    assert answer.placed == 4
    for j in (0, 1):
        assert sorted(problem.department[answer.circle_of == j]) == [0, 1]


def test_an_undersized_circle_is_filled_or_closed():
    """Three people, two facilitators, circles of at least three: one circle of three."""
    problem = circles.CircleProblem(
        fit=np.array([[900, 100], [100, 900], [500, 500]]),
        eligible=np.ones((3, 2), bool),
        department=np.array([0, 1, 2]),
        capacity=np.array([5, 5]),
        min_size=3,
    )
    answer = circles.solve(problem, exact_pairs=0)
    assert circles.violations(problem, answer.circle_of) == []
    assert answer.placed == 3 and len(set(answer.circle_of)) == 1


def test_a_common_meeting_hour_is_in_everyones_working_day():
    members = np.array([0.0, 5.0, -8.0])
    facilitators = np.array([0.0, -5.0])
    ok = circles.meeting_eligible(members, facilitators)
    # Noon in London is 17:00 in Karachi (the last start in the day), 04:00 in California.
    assert ok[:, 0].tolist() == [True, True, False]
    # Noon in New York (UTC-5) is 17:00 in London, 22:00 in Karachi, 09:00 in California.
    assert ok[:, 1].tolist() == [True, False, True]
