"""Score every (mentee, mentor) pair at once: weighted factors, each between 0 and 1.

Each factor is a function of two slices of the cohort arrays that returns a matrix
(mentees x mentors) with NumPy broadcasting or a matrix product: no Python loop over pairs.
The same functions score a list of chosen pairs (``pairwise=True``) for explanations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from portal.services.matching.cohort import FORMATS, Cohort, Side

# Research on mentoring finds similarity of values and communication style matters most,
# so those and goal fit weigh most by default. Admins change the weights per programme.
DEFAULT_WEIGHTS: dict[str, float] = {
    "goals": 3.0,
    "values": 3.0,
    "style": 2.0,
    "seniority": 1.0,
    "timezone": 2.0,
    "format": 1.0,
    "cross_department": 0.0,
    "picks": 0.0,
}
FACTOR_LABELS = {
    "goals": "Goals meet strengths",
    "values": "Shared values",
    "style": "Communication style",
    "seniority": "Seniority gap",
    "timezone": "Time-zone overlap",
    "format": "Meeting format",
    "cross_department": "Different department",
    "picks": "Mentee's own pick",
}
# Below this time-zone overlap two people share no working hours: not a candidate pair.
# The per-person arrays of a Side, sliced together when a cohort is scored in chunks.
SIDE_FIELDS = (
    "skills",
    "values",
    "style",
    "seniority",
    "offset",
    "format",
    "location",
    "department",
    "capacity",
)
WORKDAY_HOURS = 8.0
CHUNK_ROWS = 1024


def _pair(a: np.ndarray, b: np.ndarray, pairwise: bool) -> tuple[np.ndarray, np.ndarray]:
    """Broadcast two per-person vectors to a matrix, or keep them aligned for pairs."""
    return (a, b) if pairwise else (a[:, None], b[None, :])


def _overlap(a: np.ndarray, b: np.ndarray, pairwise: bool) -> np.ndarray:
    """|A ∩ B| for rows of two 0/1 matrices."""
    return np.einsum("ij,ij->i", a, b) if pairwise else a @ b.T


def goals(e: Side, m: Side, pairwise: bool = False) -> np.ndarray:
    """Share of the mentee's goals and areas to develop that are among the mentor's strengths."""
    wanted = e.skills.sum(axis=1)
    covered = _overlap(e.skills, m.skills, pairwise)
    denom = np.maximum(wanted, 1.0)
    return covered / (denom if pairwise else denom[:, None])


def values(e: Side, m: Side, pairwise: bool = False) -> np.ndarray:
    """Shared values over the larger of the two lists."""
    na, nb = _pair(e.values.sum(axis=1), m.values.sum(axis=1), pairwise)
    return _overlap(e.values, m.values, pairwise) / np.maximum(np.maximum(na, nb), 1.0)


def style(e: Side, m: Side, pairwise: bool = False) -> np.ndarray:
    """Share of communication-style questions answered alike (of those both answered)."""
    questions = e.style.shape[1] // 2
    ans_e = e.style.reshape(len(e), questions, 2).sum(axis=2)
    ans_m = m.style.reshape(len(m), questions, 2).sum(axis=2)
    both = _overlap(ans_e, ans_m, pairwise)
    return _overlap(e.style, m.style, pairwise) / np.maximum(both, 1.0)


def seniority(e: Side, m: Side, pairwise: bool = False) -> np.ndarray:
    """Best when the mentor is two levels above; nothing when not senior or five levels above."""
    se, sm = _pair(e.seniority, m.seniority, pairwise)
    gap = sm - se
    return np.where(gap > 0, np.clip(1.0 - np.abs(gap - 2.0) / 3.0, 0.0, 1.0), 0.0)


def timezone(e: Side, m: Side, pairwise: bool = False) -> np.ndarray:
    """Shared share of an eight-hour working day, from the two UTC offsets."""
    oe, om = _pair(e.offset, m.offset, pairwise)
    diff = np.abs(oe - om)
    diff = np.minimum(diff, 24.0 - diff)
    return np.clip(1.0 - diff / WORKDAY_HOURS, 0.0, 1.0)


# How well two format preferences fit: rows mentee, columns mentor (in_person, remote, either).
# In person needs the same location; "either" meets in person in the same city, else remotely.
_FORMAT_FIT_SAME_PLACE = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 1.0, 1.0]])
_FORMAT_FIT_APART = np.array([[0.0, 0.0, 0.5], [0.0, 1.0, 1.0], [0.5, 1.0, 1.0]])
assert FORMATS == ("in_person", "remote", "either")


_FORMAT_TABLE = np.concatenate([_FORMAT_FIT_APART.ravel(), _FORMAT_FIT_SAME_PLACE.ravel()]).astype(
    np.float32
)


def format_fit(e: Side, m: Side, pairwise: bool = False) -> np.ndarray:
    """Look each pair up in one small table: (same place, mentee format, mentor format)."""
    fe, fm = _pair(e.format.astype(np.int8), m.format.astype(np.int8), pairwise)
    le, lm = _pair(e.location, m.location, pairwise)
    code = (le == lm).astype(np.int8) * np.int8(9) + fe * np.int8(3) + fm
    return _FORMAT_TABLE.take(code)


def cross_department(e: Side, m: Side, pairwise: bool = False) -> np.ndarray:
    de, dm = _pair(e.department, m.department, pairwise)
    return (de != dm).astype(np.float32)


FACTORS: dict[str, Callable[..., np.ndarray]] = {
    "goals": goals,
    "values": values,
    "style": style,
    "seniority": seniority,
    "timezone": timezone,
    "format": format_fit,
    "cross_department": cross_department,
}


def normalised_weights(weights: dict[str, float] | None) -> dict[str, float]:
    """Non-negative weights that sum to 1 (the defaults fill what is missing)."""
    merged = {**DEFAULT_WEIGHTS, **{k: float(v) for k, v in (weights or {}).items()}}
    merged = {k: max(v, 0.0) for k, v in merged.items() if k in DEFAULT_WEIGHTS}
    total = sum(merged.values()) or 1.0
    return {k: v / total for k, v in merged.items()}


def _rows(side: Side, start: int, stop: int) -> Side:
    return Side(
        people=side.people[start:stop],
        **{name: getattr(side, name)[start:stop] for name in SIDE_FIELDS},
    )


def pick_scores(ranks: np.ndarray) -> np.ndarray:
    """A mentee's first pick counts fully, the second two thirds, the third one third."""
    return np.clip(1.0 - ranks / 3.0, 0.0, 1.0)


@dataclass
class ScoreMatrix:
    """The weighted score of every pair (0..1) and whether each pair may be proposed."""

    score: np.ndarray  # float32 (mentees, mentors)
    allowed: np.ndarray  # bool: no hard rule forbids it
    eligible: np.ndarray  # bool: allowed and the two share working hours


def score_cohort(cohort: Cohort, weights: dict[str, float] | None = None) -> ScoreMatrix:
    """Score the whole cohort in row chunks, so memory stays at one float32 matrix."""
    w = normalised_weights(weights)
    e, m = cohort.mentees, cohort.mentors
    score = np.zeros((len(e), len(m)), dtype=np.float32)
    overlap_ok = np.zeros((len(e), len(m)), dtype=bool)
    for start in range(0, len(e), CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, len(e))
        rows = _rows(e, start, stop)
        block = score[start:stop]
        for name, factor in FACTORS.items():
            if w[name] > 0 or name == "timezone":
                values_ = factor(rows, m).astype(np.float32, copy=False)
                if name == "timezone":
                    overlap_ok[start:stop] = values_ > 0
                if w[name] > 0:
                    block += np.float32(w[name]) * values_
    pe, pm, rank = cohort.picks
    if w["picks"] > 0 and len(pe):
        np.add.at(score, (pe, pm), np.float32(w["picks"]) * pick_scores(rank).astype(np.float32))
    allowed = np.ones_like(overlap_ok)
    for rows_idx, cols_idx in cohort.forbidden.values():
        allowed[rows_idx, cols_idx] = False
    return ScoreMatrix(score=score, allowed=allowed, eligible=allowed & overlap_ok)


def pair_factors(
    cohort: Cohort, ei: np.ndarray, mj: np.ndarray, weights: dict[str, float] | None = None
) -> dict[str, np.ndarray]:
    """Each factor's weighted contribution (0..1 of the total) for the given pairs."""
    w = normalised_weights(weights)
    e = take_rows(cohort.mentees, ei)
    m = take_rows(cohort.mentors, mj)
    out = {
        name: (w[name] * factor(e, m, pairwise=True)).astype(np.float64)
        for name, factor in FACTORS.items()
    }
    picks = np.zeros(len(ei))
    pe, pm, rank = cohort.picks
    if len(pe) and len(ei):
        shape = (len(cohort.mentees), len(cohort.mentors))
        table = sparse.csr_matrix((pick_scores(rank), (pe, pm)), shape=shape)
        picks = np.asarray(table[np.asarray(ei), np.asarray(mj)]).ravel()
    out["picks"] = w["picks"] * picks
    return out


def take_rows(side: Side, index: np.ndarray) -> Side:
    index = np.asarray(index, dtype=np.int64)
    return Side(
        people=[side.people[i] for i in index],
        **{name: getattr(side, name)[index] for name in SIDE_FIELDS},
    )
