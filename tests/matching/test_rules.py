"""Can any proposal break a hard rule? Property tests over random cohorts."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.services.matching.cohort import Person, build_cohort
from portal.services.matching.scoring import score_cohort
from portal.services.matching.solver import Mode, solve, solve_slots
from portal.services.matching.synthetic import random_cohort

pytestmark = pytest.mark.pure  # no database: runs without an app


@st.composite
def cohorts(draw):
    n = draw(st.integers(1, 25))
    m = draw(st.integers(1, 8))
    seed = draw(st.integers(0, 10_000))
    mentees, mentors = random_cohort(n, m, seed=seed, avoid_rate=0.0)
    for person in mentors:
        person.capacity = draw(st.integers(0, 5))
        person.profile["capacity"] = person.capacity
    for person in mentees:
        person.profile["avoid"] = draw(
            st.lists(st.sampled_from([p.user_id for p in mentors]), max_size=3)
        )
        if draw(st.booleans()):
            person.profile["manager"] = draw(st.sampled_from([p.user_id for p in mentors]))
    for person in mentors:
        person.profile["avoid"] = draw(
            st.lists(st.sampled_from([p.user_id for p in mentees]), max_size=2)
        )
    mode = draw(st.sampled_from(list(Mode)))
    return mentees, mentors, mode


def _broken_rules(mentees, mentors, mentor_of):
    problems = []
    load = np.bincount(mentor_of[mentor_of >= 0], minlength=len(mentors))
    for j, person in enumerate(mentors):
        if load[j] > person.capacity:
            problems.append(f"capacity of {person.name}")
    for i, j in enumerate(mentor_of.tolist()):
        if j < 0:
            continue
        e, m = mentees[i], mentors[j]
        if m.user_id in e.profile.get("avoid", []) or e.user_id in m.profile.get("avoid", []):
            problems.append(f"avoid list {e.name}/{m.name}")
        if e.profile.get("manager") == m.user_id:
            problems.append(f"manager {e.name}/{m.name}")
        if e.user_id == m.user_id:
            problems.append("self")
    return problems


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohorts())
def test_no_proposal_breaks_capacity_avoid_lists_or_manager_rule(case):
    mentees, mentors, mode = case
    cohort = build_cohort(mentees, mentors)
    matrix = score_cohort(cohort)
    for solution in (
        solve(matrix, cohort.mentors.capacity, mode, k=2),
        solve_slots(matrix, cohort.mentors.capacity, mode),
    ):
        # One mentor per mentee holds by construction: mentor_of has one entry per mentee.
        assert solution.mentor_of.shape == (len(mentees),)
        assert _broken_rules(mentees, mentors, solution.mentor_of) == []


def test_nobody_is_paired_with_themselves():
    both = Person(user_id=7, name="Sam", profile={"timezone": "UTC"}, capacity=1)
    other = Person(user_id=8, name="Kim", profile={"timezone": "UTC"}, capacity=1)
    cohort = build_cohort([both], [both, other])
    matrix = score_cohort(cohort)
    solution = solve(matrix, cohort.mentors.capacity)
    assert not matrix.allowed[0, 0]
    assert solution.mentor_of.tolist() == [1]


def test_avoid_lists_work_by_email_in_both_directions():
    e = Person(1, "Ana", {"avoid": ["BOSS@example.org"]}, email="ana@example.org")
    boss = Person(2, "Boss", {}, email="boss@example.org")
    shy = Person(3, "Shy", {"avoid": "ana@example.org"}, email="shy@example.org")
    fine = Person(4, "Fine", {}, email="fine@example.org")
    matrix = score_cohort(build_cohort([e], [boss, shy, fine]))
    assert matrix.allowed[0].tolist() == [False, False, True]
