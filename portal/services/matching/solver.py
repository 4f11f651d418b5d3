"""The global optimum: the capacity-constrained assignment with the best total score.

A mentor with capacity c may take c mentees, a mentee one mentor. This is a bipartite
b-matching, a min-cost flow problem. Its linear programme is totally unimodular, so the
simplex method (HiGHS, in SciPy) returns a whole-number vertex: an exact assignment.

To stay fast on large cohorts the LP starts from a sparse set of candidate edges: each
mentee's best ``k`` mentors. The LP's dual prices then certify the answer against EVERY
allowed pair of the full matrix (a pair left out could only help if its score beats the
two prices of its ends); any pair that could help is added and the LP solved again
(column generation). When no pair can help, the total is optimal over the full matrix.

"Most people matched" adds to every pair a bonus larger than any possible total score,
so the optimum first has the most pairs, then the best total among those. A second
engine repeats each mentor once per place and solves with
``min_weight_full_bipartite_matching``; the bench and the tests use it as an independent
check.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from scipy import sparse
from scipy.optimize import linprog
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from portal.services.matching.scoring import CHUNK_ROWS, ScoreMatrix

TOLERANCE = 1e-6
# Stop once the full problem provably cannot beat the answer by more than this (score units).
GAP = 1e-4
NEAR = 0.03
LP_METHOD = "highs-ds"
MAX_ROUNDS = 30


class Mode(StrEnum):
    best_total = "best_total"
    most_matched = "most_matched"

    @property
    def label(self) -> str:
        return "Best total score" if self is Mode.best_total else "Most people matched"


@dataclass
class Solution:
    mentor_of: np.ndarray  # (mentees,) mentor index, or -1 when unmatched
    total: float
    rounds: int = 1
    edges: int = 0

    @property
    def matched(self) -> int:
        return int((self.mentor_of >= 0).sum())


def candidates(matrix: ScoreMatrix, mode: Mode, min_score: float = 0.0) -> np.ndarray:
    """Pairs that may be proposed: no hard rule breaks them, and they reach the minimum."""
    mask = matrix.eligible & (matrix.score >= np.float32(min_score))
    if mode is Mode.best_total:
        mask &= matrix.score > 0
    return mask


def top_k_edges(score: np.ndarray, mask: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each mentee's k best candidate mentors, as (mentee, mentor) index arrays."""
    n, m = score.shape
    k = min(k, m)
    if k == 0 or n == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    rows_out, cols_out = [], []
    for start in range(0, n, CHUNK_ROWS):
        block = np.where(mask[start : start + CHUNK_ROWS], score[start : start + CHUNK_ROWS], -1)
        top = (
            np.argpartition(-block, k - 1, axis=1)[:, :k]
            if k < m
            else np.tile(np.arange(m), (len(block), 1))
        )
        rows = np.repeat(np.arange(start, start + len(block)), top.shape[1])
        cols = top.ravel()
        keep = mask[rows, cols]
        rows_out.append(rows[keep])
        cols_out.append(cols[keep])
    return np.concatenate(rows_out), np.concatenate(cols_out)


def _lp(rows: np.ndarray, cols: np.ndarray, gain: np.ndarray, capacity: np.ndarray, n: int):
    """Maximise the gain of a b-matching on the given edges; returns (x, prices)."""
    m = len(capacity)
    e = len(rows)
    col = np.arange(e)
    a_ub = sparse.vstack(
        [
            sparse.csr_matrix((np.ones(e), (rows, col)), shape=(n, e)),
            sparse.csr_matrix((np.ones(e), (cols, col)), shape=(m, e)),
        ]
    ).tocsr()
    b_ub = np.concatenate([np.ones(n), capacity.astype(float)])
    # No upper bound on x: the mentee rows already cap it at 1, and a bound would carry
    # its own dual price and blur the certificate below.
    result = linprog(-gain, A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method=LP_METHOD)
    if result.status != 0:
        raise RuntimeError(f"the matching LP failed: {result.message}")
    duals = -result.ineqlin.marginals  # prices >= 0: mentees first, then mentors
    return result.x, duals[:n], duals[n:]


def _violations(
    gain_matrix: np.ndarray,
    bonus: float,
    mask: np.ndarray,
    in_lp: np.ndarray,
    price_e: np.ndarray,
    price_m: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Pairs outside the LP whose gain beats the prices of their ends (they could help).

    Also returns how much the full problem could at most improve on the restricted one:
    raising each mentee's price to cover its best pair makes the prices feasible for the
    full problem, so by LP duality the optimum is at most that much higher.
    """
    rows_out, cols_out = [], []
    bound = 0.0
    n = mask.shape[0]
    for start in range(0, n, CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, n)
        gain = gain_matrix[start:stop] + bonus
        reduced = gain - price_e[start:stop, None] - price_m[None, :]
        reduced = np.where(mask[start:stop], reduced, -np.inf)
        bound += float(np.maximum(reduced.max(axis=1, initial=-np.inf), 0.0).sum())
        # Near-misses join as well: the next prices often make them worth it.
        hit = ~in_lp[start:stop] & (reduced > TOLERANCE)
        hit[hit.any(axis=1)] |= ~in_lp[start:stop][hit.any(axis=1)] & (
            reduced[hit.any(axis=1)] > -NEAR
        )
        r, c = np.nonzero(hit)
        rows_out.append(r + start)
        cols_out.append(c)
    return np.concatenate(rows_out), np.concatenate(cols_out), bound


def _column_generation(
    matrix: ScoreMatrix,
    mask: np.ndarray,
    capacity: np.ndarray,
    bonus: float,
    start: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    n = mask.shape[0]
    rows, cols = start
    in_lp = np.zeros(mask.shape, dtype=bool)
    in_lp[rows, cols] = True
    rounds = 0
    while True:
        rounds += 1
        if len(rows) == 0:
            return rows, cols, np.zeros(0), rounds
        gain = matrix.score[rows, cols].astype(np.float64) + bonus
        x, price_e, price_m = _lp(rows, cols, gain, capacity, n)
        add_r, add_c, bound = _violations(matrix.score, bonus, mask, in_lp, price_e, price_m)
        if len(add_r) == 0 or bound <= GAP or rounds >= MAX_ROUNDS:
            return rows, cols, x, rounds
        in_lp[add_r, add_c] = True
        rows = np.concatenate([rows, add_r])
        cols = np.concatenate([cols, add_c])


def _assignment(rows: np.ndarray, cols: np.ndarray, x: np.ndarray, n: int) -> np.ndarray | None:
    """Read an integral LP solution; None when it is fractional (then another engine decides)."""
    if len(x) and np.any((x > 1e-6) & (x < 1 - 1e-6)):
        return None
    mentor_of = np.full(n, -1, dtype=np.int64)
    chosen = x > 0.5
    mentor_of[rows[chosen]] = cols[chosen]
    return mentor_of


def solve(
    matrix: ScoreMatrix,
    capacity: np.ndarray,
    mode: Mode = Mode.best_total,
    min_score: float = 0.0,
    k: int = 6,
    extra: int = 15,
) -> Solution:
    """The optimal assignment of mentees to mentors under every hard rule."""
    n = matrix.score.shape[0]
    capacity = np.asarray(capacity, dtype=np.int64)
    mask = candidates(matrix, mode, min_score) & (capacity > 0)[None, :]
    start = top_k_edges(matrix.score, mask, k)
    if extra:
        # Each mentor's own best mentees too, so the first LP already sees both sides' view.
        cols, rows = top_k_edges(matrix.score.T, mask.T, extra)
        m = len(capacity)
        pairs = np.unique(np.concatenate([start[0] * m + start[1], rows * m + cols]))
        start = (pairs // m, pairs % m)
    # "Most people matched": every pair also earns a bonus larger than any total score
    # (n + 1 > n pairs x score 1), so one more pair always beats any gain in score.
    bonus = float(n + 1) if mode is Mode.most_matched else 0.0
    rows, cols, x, rounds = _column_generation(matrix, mask, capacity, bonus, start)
    mentor_of = _assignment(rows, cols, x, n)
    if mentor_of is None:
        mentor_of = solve_slots(matrix, capacity, mode, min_score, edges=(rows, cols)).mentor_of
    matched = mentor_of >= 0
    total = float(matrix.score[np.nonzero(matched)[0], mentor_of[matched]].astype(np.float64).sum())
    return Solution(mentor_of=mentor_of, total=total, rounds=rounds, edges=len(rows))


def solve_slots(
    matrix: ScoreMatrix,
    capacity: np.ndarray,
    mode: Mode = Mode.best_total,
    min_score: float = 0.0,
    edges: tuple[np.ndarray, np.ndarray] | None = None,
) -> Solution:
    """Mentors repeated once per place, solved by min_weight_full_bipartite_matching.

    Every mentee also gets a private "unmatched" column, so a full matching always exists.
    Without ``edges`` it uses every candidate pair (exact, for checking and small cohorts).
    """
    n = matrix.score.shape[0]
    capacity = np.asarray(capacity, dtype=np.int64)
    mask = candidates(matrix, mode, min_score) & (capacity > 0)[None, :]
    rows, cols = edges if edges is not None else np.nonzero(mask)
    slots = int(capacity.sum())
    first_slot = np.concatenate([[0], np.cumsum(capacity)[:-1]]).astype(np.int64)
    reps = capacity[cols]
    slot_rows = np.repeat(rows, reps)
    slot_offset = np.arange(len(slot_rows)) - np.repeat(np.cumsum(reps) - reps, reps)
    slot_cols = first_slot[np.repeat(cols, reps)] + slot_offset
    # Costs stay positive: a pair costs 2 - score, staying unmatched costs 2, or far more
    # than any score difference when the most people must be matched.
    gain = matrix.score[rows, cols].astype(np.float64)
    unmatched_cost = 2.0 if mode is Mode.best_total else float(n) + 3.0
    graph = sparse.csr_matrix(
        (
            np.concatenate([2.0 - np.repeat(gain, reps), np.full(n, unmatched_cost)]),
            (
                np.concatenate([slot_rows, np.arange(n)]),
                np.concatenate([slot_cols, slots + np.arange(n)]),
            ),
        ),
        shape=(n, slots + n),
    )
    mentor_of = np.full(n, -1, dtype=np.int64)
    if n:
        row_ind, col_ind = min_weight_full_bipartite_matching(graph)
        owner = np.repeat(np.arange(len(capacity)), capacity)
        real = col_ind < slots
        mentor_of[row_ind[real]] = owner[col_ind[real]]
    matched = mentor_of >= 0
    total = float(matrix.score[np.nonzero(matched)[0], mentor_of[matched]].astype(np.float64).sum())
    return Solution(mentor_of=mentor_of, total=total, edges=len(rows))


def solve_greedy(
    matrix: ScoreMatrix, capacity: np.ndarray, mode: Mode = Mode.best_total, min_score: float = 0.0
) -> Solution:
    """The baseline: take the best remaining pair while both ends have room (not optimal)."""
    n = matrix.score.shape[0]
    left = np.asarray(capacity, dtype=np.int64).copy()
    mask = candidates(matrix, mode, min_score)
    rows, cols = top_k_edges(matrix.score, mask, 50)
    order = np.argsort(-matrix.score[rows, cols], kind="stable")
    mentor_of = np.full(n, -1, dtype=np.int64)
    for r, c in zip(rows[order].tolist(), cols[order].tolist()):  # noqa: B905
        if mentor_of[r] < 0 and left[c] > 0:
            mentor_of[r] = c
            left[c] -= 1
    matched = mentor_of >= 0
    total = float(matrix.score[np.nonzero(matched)[0], mentor_of[matched]].astype(np.float64).sum())
    return Solution(mentor_of=mentor_of, total=total)
