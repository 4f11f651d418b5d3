"""Why a pair was proposed, and why a mentee was left out: in words an admin can check."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from portal.services.matching.cohort import Cohort, Person
from portal.services.matching.scoring import FACTOR_LABELS, ScoreMatrix, pair_factors
from portal.services.matching.solver import Mode, Solution, candidates

NEAR_MISS_POINTS = 10.0


@dataclass
class Factor:
    name: str
    label: str
    points: float  # contribution to the 0-100 score

    def to_json(self) -> dict:
        return {"name": self.name, "label": self.label, "points": round(self.points, 1)}


@dataclass
class ProposedPair:
    mentee: Person
    mentor: Person
    score: float  # 0-100
    factors: list[Factor]
    near_misses: list[str] = field(default_factory=list)

    @property
    def top_factors(self) -> list[Factor]:
        return self.factors[:3]

    def explanation(self) -> dict:
        return {
            "factors": [f.to_json() for f in self.top_factors],
            "near_misses": self.near_misses,
        }


@dataclass
class Unmatched:
    mentee: Person
    reason: str


def ranked_factors(contributions: dict[str, np.ndarray], index: int) -> list[Factor]:
    """Factors of one pair, the heaviest first (factors that added nothing are left out)."""
    factors = [
        Factor(name, FACTOR_LABELS[name], float(values[index]) * 100)
        for name, values in contributions.items()
        if values[index] > 0
    ]
    return sorted(factors, key=lambda f: -f.points)


def _blocked_reason(cohort: Cohort, i: int, j: int) -> str | None:
    for rule, (rows, cols) in cohort.forbidden.items():
        if np.any((rows == i) & (cols == j)):
            return {
                "avoid": "on an avoid list",
                "manager": "their manager",
                "self": "the same person",
                "ended": "an earlier pairing was ended",
            }[rule]
    return None


def explain(
    cohort: Cohort,
    matrix: ScoreMatrix,
    solution: Solution,
    capacity: np.ndarray,
    mode: Mode,
    min_score: float,
    weights: dict[str, float],
) -> tuple[list[ProposedPair], list[Unmatched]]:
    """Explanations for every proposed pair and a reason for every mentee left out."""
    mentor_of = solution.mentor_of
    ei = np.nonzero(mentor_of >= 0)[0]
    mj = mentor_of[ei]
    contributions = pair_factors(cohort, ei, mj, weights)
    load = np.bincount(mj, minlength=len(capacity))
    full = load >= capacity
    pairs = []
    for index, (i, j) in enumerate(zip(ei.tolist(), mj.tolist())):  # noqa: B905
        score = float(matrix.score[i, j]) * 100
        pairs.append(
            ProposedPair(
                mentee=cohort.mentees.people[i],
                mentor=cohort.mentors.people[j],
                score=score,
                factors=ranked_factors(contributions, index),
                near_misses=_near_misses(cohort, matrix, i, j, score, full),
            )
        )
    pairs.sort(key=lambda p: -p.score)
    unmatched = [
        Unmatched(
            cohort.mentees.people[i], unmatched_reason(matrix, i, capacity, full, mode, min_score)
        )
        for i in np.nonzero(mentor_of < 0)[0].tolist()
    ]
    return pairs, unmatched


def _near_misses(
    cohort: Cohort, matrix: ScoreMatrix, i: int, chosen: int, score: float, full: np.ndarray
) -> list[str]:
    """Up to two other mentors who scored close to (or above) the chosen one, and why not."""
    row = matrix.score[i].astype(np.float64) * 100
    order = np.argsort(-row)[:4]
    notes = []
    for j in order.tolist():
        if j == chosen or row[j] < score - NEAR_MISS_POINTS or len(notes) == 2:
            continue
        name = cohort.mentors.people[j].name
        if not matrix.allowed[i, j]:
            why = f"excluded: {_blocked_reason(cohort, i, j) or 'a hard rule'}"
        elif not matrix.eligible[i, j]:
            why = "no shared working hours"
        elif full[j]:
            why = "their places went to better overall fits"
        else:
            why = "a lower total for the cohort"
        notes.append(f"{name} ({row[j]:.0f}): {why}")
    return notes


def unmatched_reason(
    matrix: ScoreMatrix,
    i: int,
    capacity: np.ndarray,
    full: np.ndarray,
    mode: Mode,
    min_score: float,
) -> str:
    """The first reason, in order, that leaves mentee i without a mentor."""
    if matrix.score.shape[1] == 0 or capacity.sum() == 0:
        return "no mentor has a free place in this programme"
    if not matrix.allowed[i].any():
        return "every mentor is on their avoid list or is their manager"
    if not matrix.eligible[i].any():
        return "no mentor in an overlapping time zone"
    possible = candidates(matrix, mode, min_score)[i] & (capacity > 0)
    if not possible.any():
        return f"no mentor reaches the programme's minimum score of {min_score * 100:.0f}"
    if full[possible].all():
        return "no mentor with capacity in an overlapping time zone"
    return "their possible mentors add more to the cohort's total with other mentees"
