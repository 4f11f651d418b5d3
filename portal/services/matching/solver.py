"""The global optimum: the capacity-constrained assignment with the best total score.

A mentor with capacity c may take c mentees, a mentee one mentor: a bipartite b-matching,
which is a min-cost flow (source -> mentee, capacity 1; mentee -> mentor, cost -score;
mentor -> sink, capacity c). OR-Tools' ``SimpleMinCostFlow`` (cost-scaling push-relabel,
exact in integers) solves it on a pruned set of candidate edges: each mentee's ``k`` best
mentors (plus each mentor's ``extra`` best mentees, when asked). Its time hardly depends on
the shape (fewer, as many or more places than mentees, capacity 1 only).

**Why the answer is optimal over the FULL matrix.** The LP of the b-matching,
max sum s_ij x_ij with sum_j x_ij <= 1 and sum_i x_ij <= c_j, has the dual
min sum_i u_i + sum_j c_j v_j with u_i + v_j >= s_ij and u, v >= 0, and any feasible dual is
an upper bound on every assignment (weak duality). After each flow we compute mentor prices
v >= 0: the smallest ones consistent with the flow on the pruned edges (longest paths over
the mentors, exact in 64-bit integers; they are the LP's dual prices). Then a scan of every
allowed pair of the full matrix, in row chunks, sets u_i = max(0, max_j s_ij - v_j), which
makes (u, v) feasible for the full problem by construction. So

    gap = sum u + sum c v - total

bounds how much ANY assignment over all allowed pairs could beat ours. A pair outside the
pruned set with s_ij - v_j above what mentee i already gets could help; such pairs join the
edges and the flow is solved again (column generation), until the gap is at most ``GAP``.
The gap is returned in ``Solution.gap``, so every answer carries its own certificate.

**Integer scaling.** The flow solver needs integer costs: score x 2**30, rounded. Rounding
moves each score by at most 2**-31, so the flow is optimal for scores within 2**-31 of the
real ones, and its float total is within n x 2**-30 of the float optimum (under 1e-5 for
10,000 mentees). Ties closer than 2**-30 may be broken either way. The certificate above is
computed in float64 from the float32 scores themselves, not from the rounded ones, so the
reported gap already includes the rounding; ``GAP`` (1e-4 score units over the whole cohort)
is the tolerance it must meet.

"Most people matched" maximises the number of pairs first: the flow is a maximum flow of
minimum cost (``solve_max_flow_with_min_cost``). Its certificate adds to every pair a bonus
n + 1, larger than any total score: a gap below 1 then also proves that no assignment has
more pairs, and bounds the score lost among those with as many.

``solve_slots`` is a second, independent engine: mentors repeated once per place, solved by
``min_weight_full_bipartite_matching`` over every candidate pair. The bench and the tests
use it as the exact oracle.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from ortools.graph.python.min_cost_flow import SimpleMinCostFlow
from scipy import sparse
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from portal.services.matching.scoring import CHUNK_ROWS, ScoreMatrix

# Scores become integer costs of score x SCALE for the flow solver (see the docstring).
SCALE = 2**30
# Stop once the full problem provably cannot beat the answer by more than this (score units).
GAP = 1e-4
# A pair outside the edges joins them when it beats what its mentee gets by more than this.
TOLERANCE = 1e-7
# At most this many new pairs per mentee and round: the best of those that could help.
ADD_PER_MENTEE = 8
# A guard only: the bench needs 1-4 rounds. Were it ever reached, Solution.gap still says how
# far from optimal the answer might be.
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
    gap: float = 0.0  # proven bound on how much any assignment could beat this one

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
        # Negated, so that argpartition's smallest are the best; excluded pairs sort last.
        block = np.where(mask[start : start + CHUNK_ROWS], -score[start : start + CHUNK_ROWS], 1)
        top = (
            np.argpartition(block, k - 1, axis=1)[:, :k]
            if k < m
            else np.tile(np.arange(m), (len(block), 1))
        )
        rows = np.repeat(np.arange(start, start + len(block)), top.shape[1])
        cols = top.ravel()
        keep = mask[rows, cols]
        rows_out.append(rows[keep])
        cols_out.append(cols[keep])
    return np.concatenate(rows_out), np.concatenate(cols_out)


def _flow(
    rows: np.ndarray, cols: np.ndarray, cost: np.ndarray, capacity: np.ndarray, n: int, mode: Mode
) -> np.ndarray:
    """The optimal b-matching on the given edges (integer gains); returns mentor_of."""
    m = len(capacity)
    source, sink = n + m, n + m + 1
    mentees = np.arange(n, dtype=np.int64)
    tails = [np.full(n, source), rows, n + np.arange(m)]
    heads = [mentees, n + cols, np.full(m, sink)]
    caps = [np.ones(n), np.ones(len(rows)), capacity]
    costs = [np.zeros(n), -cost, np.zeros(m)]
    if mode is Mode.best_total:
        # Staying unmatched is free, so every mentee's unit of flow reaches the sink.
        tails.append(mentees)
        heads.append(np.full(n, sink))
        caps.append(np.ones(n))
        costs.append(np.zeros(n))
    flow = SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        *(np.concatenate(part).astype(np.int64) for part in (tails, heads, caps, costs))
    )
    flow.set_node_supply(source, n)
    flow.set_node_supply(sink, -n)
    status = flow.solve() if mode is Mode.best_total else flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"the matching flow failed: status {status}")
    used = flow.flows(np.arange(n, n + len(rows), dtype=np.int64)) > 0
    mentor_of = np.full(n, -1, dtype=np.int64)
    mentor_of[rows[used]] = cols[used]
    return mentor_of


def _prices(
    rows: np.ndarray, cols: np.ndarray, gain: np.ndarray, mentor_of: np.ndarray, m: int
) -> np.ndarray:
    """The smallest mentor prices v >= 0 (integer gains) that make the flow's choice stable.

    Every mentee must get at least as much from its own mentor as from any other edge
    (gain - price), and an unmatched mentee nothing from any: v_j >= gain_ij for an unmatched
    i, v_j >= v_a + gain_ij - gain_ia for i matched to a. Longest paths over the mentors, by
    Bellman-Ford rounds; an optimal flow leaves no positive cycle, so they converge.
    """
    matched = mentor_of[rows] >= 0
    own = np.zeros(len(mentor_of), dtype=np.int64)
    chosen = mentor_of[rows] == cols
    own[rows[chosen]] = gain[chosen]
    prices = np.zeros(m, dtype=np.int64)
    free = ~matched
    np.maximum.at(prices, cols[free], gain[free])
    keep = matched & ~chosen
    source = mentor_of[rows[keep]]
    weight = gain[keep] - own[rows[keep]]
    target = cols[keep]
    order = np.argsort(target, kind="stable")
    source, weight, target = source[order], weight[order], target[order]
    if len(target) == 0:
        return prices
    starts = np.flatnonzero(np.r_[True, target[1:] != target[:-1]])
    heads = target[starts]
    for _ in range(m + 1):
        best = np.maximum.reduceat(prices[source] + weight, starts)
        raised = best > prices[heads]
        if not raised.any():
            return prices
        prices[heads[raised]] = best[raised]
    raise RuntimeError("the matching flow is not optimal: its prices do not converge")


def _certify(
    score: np.ndarray,
    mask: np.ndarray,
    bonus: float,
    prices: np.ndarray,
    capacity: np.ndarray,
    gets: np.ndarray,
    in_edges: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Scan every allowed pair: the dual bound, and the pairs that could improve the answer.

    ``gets`` is what each mentee gets now at these prices (0 when unmatched). Returns the
    new pairs and the dual objective sum_i u_i + sum_j c_j v_j, with u_i = max(0, max_j
    gain_ij - v_j) over ALL allowed pairs, which is feasible, hence an upper bound.
    """
    rows_out, cols_out = [], []
    dual = float((capacity * prices).sum())
    shifted = prices - bonus
    n = mask.shape[0]
    for start in range(0, n, CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, n)
        reduced = np.subtract(score[start:stop], shifted[None, :], dtype=np.float64)
        np.putmask(reduced, ~mask[start:stop], -np.inf)
        dual += float(np.maximum(reduced.max(axis=1, initial=0.0), 0.0).sum())
        hit = reduced > (gets[start:stop] + TOLERANCE)[:, None]
        hit &= ~in_edges[start:stop]
        hit_rows = np.flatnonzero(hit.any(axis=1))
        if len(hit_rows) == 0:
            continue
        block = np.where(hit[hit_rows], reduced[hit_rows], -np.inf)
        take = min(ADD_PER_MENTEE, block.shape[1])
        top = np.argpartition(-block, take - 1, axis=1)[:, :take]
        r = np.repeat(hit_rows, take)
        c = top.ravel()
        keep = hit[r, c]
        rows_out.append(r[keep] + start)
        cols_out.append(c[keep])
    if not rows_out:
        return np.empty(0, np.int64), np.empty(0, np.int64), dual
    return np.concatenate(rows_out), np.concatenate(cols_out), dual


def solve(
    matrix: ScoreMatrix,
    capacity: np.ndarray,
    mode: Mode = Mode.best_total,
    min_score: float = 0.0,
    k: int = 10,
    extra: int = 0,
) -> Solution:
    """The optimal assignment of mentees to mentors under every hard rule (certified)."""
    n, m = matrix.score.shape
    capacity = np.asarray(capacity, dtype=np.int64)
    mask = candidates(matrix, mode, min_score) & (capacity > 0)[None, :]
    rows, cols = top_k_edges(matrix.score, mask, k)
    if extra:
        # Each mentor's own best mentees too, so the first flow already sees both sides' view.
        mentor_cols, mentor_rows = top_k_edges(matrix.score.T, mask.T, extra)
        pairs = np.unique(np.concatenate([rows * m + cols, mentor_rows * m + mentor_cols]))
        rows, cols = pairs // m, pairs % m
    # "Most people matched": each pair also earns n + 1, more than any total score.
    bonus = float(n + 1) if mode is Mode.most_matched else 0.0
    in_edges = np.zeros((n, m), dtype=bool)
    in_edges[rows, cols] = True
    mentor_of = np.full(n, -1, dtype=np.int64)
    rounds, gap = 0, 0.0
    while len(rows) and rounds < MAX_ROUNDS:
        rounds += 1
        cost = np.rint(matrix.score[rows, cols].astype(np.float64) * SCALE).astype(np.int64)
        mentor_of = _flow(rows, cols, cost, capacity, n, mode)
        gain = cost + round(bonus * SCALE)
        prices = _prices(rows, cols, gain, mentor_of, m).astype(np.float64) / SCALE
        matched = np.flatnonzero(mentor_of >= 0)
        gets = np.zeros(n)
        gets[matched] = (
            matrix.score[matched, mentor_of[matched]].astype(np.float64)
            + bonus
            - prices[mentor_of[matched]]
        )
        gets = np.maximum(gets, 0.0)
        add_r, add_c, dual = _certify(matrix.score, mask, bonus, prices, capacity, gets, in_edges)
        primal = float(matrix.score[matched, mentor_of[matched]].astype(np.float64).sum())
        gap = dual - (primal + bonus * len(matched))
        if gap <= GAP or len(add_r) == 0:
            break
        in_edges[add_r, add_c] = True
        rows = np.concatenate([rows, add_r])
        cols = np.concatenate([cols, add_c])
    matched = mentor_of >= 0
    total = float(matrix.score[np.nonzero(matched)[0], mentor_of[matched]].astype(np.float64).sum())
    return Solution(
        mentor_of=mentor_of, total=total, rounds=max(rounds, 1), edges=len(rows), gap=max(gap, 0.0)
    )


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
