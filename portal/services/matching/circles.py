"""Circles for a whole cohort: members assigned to facilitators' circles for the best total fit.

**The problem.** Each facilitator j may run one circle of at most ``capacity[j]`` members (their
own capacity, never above the programme's maximum size). A circle that forms has at least
``min_size`` members; an empty one does not form. A member joins at most one circle, only one
whose facilitator they may meet (``eligible``: no hard rule of the pair matcher forbids it, and
the circle's meeting hour, the facilitator's midday, falls in the member's working day, so the
whole circle has a common meeting time by construction). Diversity: at most
``max_per_department`` members of one department in a circle (0: no such rule). Objective,
lexicographic: place as many people as possible, then maximise the total fit (the pair
matcher's FACTORS between member and facilitator, in thousandths).

**How it is solved.** Without the minimum size the problem is a min-cost flow: source ->
member (1) -> (circle, member's department) (1 arc per eligible pair, cost -(P + fit)) ->
circle (``max_per_department``) -> sink (``capacity``), with a free bypass source -> sink for
people left out. P = 1000 (N + 1) outweighs any fit total, which makes the order
lexicographic. Flows are integral, so that solve is the exact optimum of a *relaxation* (the
minimum size dropped): its value is a certified upper bound on every feasible assignment.
Then a repair: a circle left with fewer than ``min_size`` members is *forced* (its first
``min_size`` places earn a bonus larger than everything else, so the flow fills it if it can)
and a forced circle that still cannot be filled is closed (capacity 0); repeat until every
circle is empty or at least ``min_size``. The answer is feasible, and ``gap`` = bound - value
says how much any assignment could beat it (0: proven optimal).

Small cohorts (up to ``EXACT_PAIRS`` eligible member-facilitator pairs, e.g. 60 people and 10
facilitators) are also solved as a mixed-integer programme by OR-Tools CP-SAT (open/close
variables, sizes between min and capacity); when it proves optimality the gap is 0, else the
better of the two answers is kept with the tighter bound.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python.min_cost_flow import SimpleMinCostFlow
from ortools.sat.python import cp_model

from portal.services.matching.cohort import Cohort, Person, build_cohort
from portal.services.matching.explain import Factor, ranked_factors
from portal.services.matching.scoring import pair_factors, score_cohort

# Fit is scored in thousandths (integers, so the flow and CP-SAT are exact).
FIT_SCALE = 1000
# Up to this many eligible pairs, CP-SAT is asked for a proof of optimality.
EXACT_PAIRS = 4000
EXACT_SECONDS = 5.0
# A circle meets at its facilitator's local midday; a member may meet between these local hours.
MEETING_HOUR = 12.0
WORKDAY = (8.0, 17.0)


@dataclass
class CircleProblem:
    fit: np.ndarray  # (N, F) integer fit 0..FIT_SCALE of member i with facilitator j
    eligible: np.ndarray  # (N, F) bool
    department: np.ndarray  # (N,) department ids
    capacity: np.ndarray  # (F,) most members per facilitator's circle
    min_size: int
    max_per_department: int = 1  # 0: no diversity rule

    @property
    def reward(self) -> int:
        """What placing one person is worth: more than any total of fits."""
        return FIT_SCALE * (len(self.fit) + 1)


@dataclass
class CircleSolution:
    circle_of: np.ndarray  # (N,) facilitator index, or -1 when not placed
    placed: int
    fit: int  # total fit of the placed, in thousandths
    bound: int  # no assignment scores more (objective units: reward x placed + fit)
    objective: int
    exact: bool  # proven optimal
    method: str
    seconds: float = 0.0
    rounds: int = 0
    closed: list[int] = field(default_factory=list)

    @property
    def gap(self) -> int:
        return max(self.bound - self.objective, 0)

    def sizes(self, n_circles: int) -> np.ndarray:
        placed = self.circle_of[self.circle_of >= 0]
        return np.bincount(placed, minlength=n_circles)


def meeting_eligible(member_offsets: np.ndarray, facilitator_offsets: np.ndarray) -> np.ndarray:
    """(N, F): the facilitator's midday falls in the member's working day (local hours)."""
    local = MEETING_HOUR - facilitator_offsets[None, :] + member_offsets[:, None]
    local = np.mod(local, 24.0)
    return (local >= WORKDAY[0]) & (local <= WORKDAY[1])


def objective_of(problem: CircleProblem, circle_of: np.ndarray) -> tuple[int, int, int]:
    """(objective, placed, fit) of an assignment."""
    rows = np.flatnonzero(circle_of >= 0)
    fit = int(problem.fit[rows, circle_of[rows]].sum()) if len(rows) else 0
    return problem.reward * len(rows) + fit, len(rows), fit


def violations(problem: CircleProblem, circle_of: np.ndarray) -> list[str]:
    """Every rule an assignment breaks (empty for a feasible one): the tests' referee."""
    wrong = []
    n_circles = len(problem.capacity)
    sizes = np.bincount(circle_of[circle_of >= 0], minlength=n_circles)
    for j, size in enumerate(sizes):
        if size > problem.capacity[j]:
            wrong.append(f"circle {j} has {size} > capacity {problem.capacity[j]}")
        if 0 < size < problem.min_size:
            wrong.append(f"circle {j} has {size} < minimum {problem.min_size}")
    for i, j in enumerate(circle_of):
        if j >= 0 and not problem.eligible[i, j]:
            wrong.append(f"member {i} may not join circle {j}")
    if problem.max_per_department:
        for j in range(n_circles):
            depts = problem.department[circle_of == j]
            if len(depts) and np.bincount(depts).max() > problem.max_per_department:
                wrong.append(f"circle {j} has too many members of one department")
    return wrong


def _flow(problem: CircleProblem, capacity: np.ndarray, forced: set[int]) -> tuple[np.ndarray, int]:
    """One min-cost flow; returns the assignment and its objective (bonuses excluded)."""
    n, f = problem.fit.shape
    rows, cols = np.nonzero(problem.eligible & (capacity[None, :] > 0))
    diversity = problem.max_per_department > 0
    source, sink = 0, 1
    member_node = 2 + np.arange(n)
    circle_node = 2 + n + np.arange(f)
    flow = SimpleMinCostFlow()
    if diversity:
        # One node per (circle, department) that some eligible member could fill.
        span = int(problem.department.max()) + 1
        codes = cols * span + problem.department[rows]
        keys = np.unique(codes)
        group_nodes = 2 + n + f + np.arange(len(keys))
        flow.add_arcs_with_capacity_and_unit_cost(
            group_nodes,
            circle_node[keys // span],
            np.full(len(keys), problem.max_per_department, dtype=np.int64),
            np.zeros(len(keys), dtype=np.int64),
        )
        heads = group_nodes[np.searchsorted(keys, codes)]
    else:
        heads = circle_node[cols]
    costs = -(problem.reward + problem.fit[rows, cols].astype(np.int64))
    member_arcs = np.empty(0, dtype=np.int64)
    if len(rows):
        member_arcs = flow.add_arcs_with_capacity_and_unit_cost(
            member_node[rows], heads, np.ones(len(rows), dtype=np.int64), costs
        )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.zeros(n, dtype=np.int64), member_node, np.ones(n, dtype=np.int64), np.zeros(n, np.int64)
    )
    bonus = problem.reward * (n + 1)
    for j in range(f):
        cap = int(capacity[j])
        if cap <= 0:
            continue
        if j in forced:
            first = min(problem.min_size, cap)
            flow.add_arc_with_capacity_and_unit_cost(int(circle_node[j]), sink, first, -bonus)
            if cap > first:
                flow.add_arc_with_capacity_and_unit_cost(int(circle_node[j]), sink, cap - first, 0)
        else:
            flow.add_arc_with_capacity_and_unit_cost(int(circle_node[j]), sink, cap, 0)
    flow.add_arc_with_capacity_and_unit_cost(source, sink, n, 0)
    flow.set_node_supply(source, n)
    flow.set_node_supply(sink, -n)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"circle flow failed with status {status}")
    circle_of = np.full(n, -1, dtype=np.int64)
    if len(rows):
        used = flow.flows(member_arcs) > 0
        circle_of[rows[used]] = cols[used]
    return circle_of, objective_of(problem, circle_of)[0]


def _repair(problem: CircleProblem) -> tuple[np.ndarray, int, list[int]]:
    """Force undersized circles full, close those that cannot be filled (see the docstring)."""
    capacity = problem.capacity.copy()
    capacity[capacity < problem.min_size] = 0
    forced: set[int] = set()
    closed: list[int] = [int(j) for j in np.flatnonzero(problem.capacity < problem.min_size)]
    rounds = 0
    while True:
        rounds += 1
        circle_of, _ = _flow(problem, capacity, forced)
        sizes = np.bincount(circle_of[circle_of >= 0], minlength=len(capacity))
        short = [j for j in forced if sizes[j] < problem.min_size]
        if short:
            worst = min(short, key=lambda j: (sizes[j], j))
            forced.discard(worst)
            capacity[worst] = 0
            closed.append(worst)
            continue
        under = {int(j) for j in np.flatnonzero((sizes > 0) & (sizes < problem.min_size))}
        if not under:
            return circle_of, rounds, closed
        forced |= under


def _exact(problem: CircleProblem, seconds: float) -> tuple[np.ndarray | None, int, bool]:
    """CP-SAT on the full model: (assignment or None, bound, proven optimal)."""
    n, f = problem.fit.shape
    model = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    for i, j in zip(*np.nonzero(problem.eligible), strict=True):
        x[int(i), int(j)] = model.new_bool_var(f"x{i}_{j}")
    by_member: dict[int, list] = {}
    by_circle: dict[int, list] = {}
    by_group: dict[tuple[int, int], list] = {}
    for (i, j), var in x.items():
        by_member.setdefault(i, []).append(var)
        by_circle.setdefault(j, []).append(var)
        by_group.setdefault((j, int(problem.department[i])), []).append(var)
    for vars_ in by_member.values():
        model.add(sum(vars_) <= 1)
    for j, vars_ in by_circle.items():
        opened = model.new_bool_var(f"open{j}")
        cap = int(problem.capacity[j])
        if cap < problem.min_size:
            model.add(sum(vars_) == 0)
            continue
        model.add(sum(vars_) <= cap * opened)
        model.add(sum(vars_) >= problem.min_size * opened)
    if problem.max_per_department:
        for vars_ in by_group.values():
            if len(vars_) > problem.max_per_department:
                model.add(sum(vars_) <= problem.max_per_department)
    model.maximize(
        sum((problem.reward + int(problem.fit[i, j])) * var for (i, j), var in x.items())
    )
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, int(np.ceil(solver.best_objective_bound)) if x else 0, False
    circle_of = np.full(n, -1, dtype=np.int64)
    for (i, j), var in x.items():
        if solver.value(var):
            circle_of[i] = j
    bound = int(np.floor(solver.best_objective_bound + 1e-6)) if x else 0
    return circle_of, bound, status == cp_model.OPTIMAL


def solve(problem: CircleProblem, exact_pairs: int = EXACT_PAIRS) -> CircleSolution:
    """The best assignment found, with a certified bound (see the module docstring)."""
    started = time.perf_counter()
    relaxed, bound = _flow(problem, problem.capacity.copy(), set())
    if not violations(problem, relaxed):
        value, placed, fit = objective_of(problem, relaxed)
        return CircleSolution(
            relaxed, placed, fit, bound, value, True, "flow", time.perf_counter() - started, 1
        )
    circle_of, rounds, closed = _repair(problem)
    value, placed, fit = objective_of(problem, circle_of)
    method, exact = "flow + repair", value >= bound
    if int(problem.eligible.sum()) <= exact_pairs:
        found, sat_bound, proven = _exact(problem, EXACT_SECONDS)
        bound = min(bound, sat_bound) if found is not None or proven else bound
        if found is not None:
            sat_value = objective_of(problem, found)[0]
            if sat_value > value:
                circle_of, closed = found, []
                value, placed, fit = objective_of(problem, found)
                method = "CP-SAT"
            exact = proven or value >= bound
            if proven:
                bound = value
    return CircleSolution(
        circle_of,
        placed,
        fit,
        max(bound, value),
        value,
        exact,
        method,
        time.perf_counter() - started,
        rounds,
        closed,
    )


# --- from a cohort of people to a problem, and from a solution to explained circles -------------


@dataclass
class CircleSettings:
    """What the programme sets for its circles (docs/circles.md)."""

    min_size: int = 3
    max_size: int = 8
    max_per_department: int = 1
    weights: dict[str, float] | None = None


@dataclass
class ProposedMember:
    member: Person
    score: float  # 0-100: the member's fit with the facilitator
    factors: list[Factor]

    def explanation(self) -> dict:
        return {"factors": [f.to_json() for f in self.factors[:3]]}


@dataclass
class ProposedCircle:
    facilitator: Person
    meeting_hour_utc: float
    members: list[ProposedMember]

    @property
    def score(self) -> float:
        return sum(m.score for m in self.members)


@dataclass
class CircleProposal:
    circles: list[ProposedCircle]
    unplaced: list[tuple[Person, str]]
    solution: CircleSolution
    settings: CircleSettings


def facilitator_capacity(person: Person, settings: CircleSettings) -> int:
    """How many members a facilitator takes: their own ``circle_capacity`` answer, never
    above the programme's maximum size."""
    wanted = person.profile.get("circle_capacity", settings.max_size)
    try:
        wanted = int(wanted)
    except (TypeError, ValueError):
        wanted = settings.max_size
    return max(0, min(wanted, settings.max_size))


def build_problem(
    members: list[Person], facilitators: list[Person], settings: CircleSettings
) -> tuple[CircleProblem, Cohort]:
    """Score members against facilitators with the pair matcher's FACTORS and hard rules."""
    cohort = build_cohort(members, facilitators)
    matrix = score_cohort(cohort, settings.weights)
    fit = np.rint(np.clip(matrix.score, 0.0, 1.0) * FIT_SCALE).astype(np.int64)
    meets = meeting_eligible(cohort.mentees.offset, cohort.mentors.offset)
    capacity = np.array([facilitator_capacity(p, settings) for p in facilitators], dtype=np.int64)
    problem = CircleProblem(
        fit=fit,
        eligible=matrix.allowed & meets,
        department=cohort.mentees.department.astype(np.int64),
        capacity=capacity.reshape(len(facilitators)),
        min_size=settings.min_size,
        max_per_department=settings.max_per_department,
    )
    return problem, cohort


def _unplaced_reason(problem: CircleProblem, i: int) -> str:
    if not problem.eligible[i].any():
        return "no facilitator's meeting hour falls in their working day (or a hard rule)"
    return "every circle they could join is full or would break a rule (size, department)"


def propose_circles(
    members: list[Person], facilitators: list[Person], settings: CircleSettings
) -> CircleProposal:
    """Circles for the cohort, each member with the factor reasons of their fit."""
    problem, cohort = build_problem(members, facilitators, settings)
    solution = solve(problem)
    rows = np.flatnonzero(solution.circle_of >= 0)
    cols = solution.circle_of[rows]
    contributions = pair_factors(cohort, rows, cols, settings.weights)
    by_circle: dict[int, list[ProposedMember]] = {}
    for k, (i, j) in enumerate(zip(rows, cols, strict=True)):
        proposed = ProposedMember(
            members[i], problem.fit[i, j] / FIT_SCALE * 100, ranked_factors(contributions, k)
        )
        by_circle.setdefault(int(j), []).append(proposed)
    offsets = cohort.mentors.offset
    proposed_circles = [
        ProposedCircle(
            facilitators[j],
            float(np.mod(MEETING_HOUR - offsets[j], 24.0)),
            sorted(found, key=lambda m: -m.score),
        )
        for j, found in sorted(by_circle.items())
    ]
    unplaced = [
        (members[i], _unplaced_reason(problem, i)) for i in np.flatnonzero(solution.circle_of < 0)
    ]
    return CircleProposal(proposed_circles, unplaced, solution, settings)
