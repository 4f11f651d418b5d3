"""Matching benchmark: realistic cohorts, seconds to score and solve, totals vs baselines.

Run: /work/main/.venv/bin/python bench/matching.py [--sizes 1000x300,3000x1000,10000x3000]
Prints one block per cohort. Peak memory is the process's maximum resident set size.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from portal.services.matching.cohort import build_cohort  # noqa: E402
from portal.services.matching.scoring import score_cohort  # noqa: E402
from portal.services.matching.solver import (  # noqa: E402
    Mode,
    candidates,
    solve,
    solve_greedy,
    solve_slots,
)
from portal.services.matching.synthetic import random_cohort  # noqa: E402

# The exact slot solver over every candidate pair fits in memory up to about this many edges.
EXACT_EDGE_LIMIT = 25_000_000


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(n_mentees: int, n_mentors: int, seed: int = 0) -> None:
    mentees, mentors = random_cohort(n_mentees, n_mentors, seed=seed)
    capacity_total = sum(p.capacity for p in mentors)
    print(f"\n{n_mentees:,} mentees x {n_mentors:,} mentors ({capacity_total:,} places)")
    started = time.perf_counter()
    cohort = build_cohort(mentees, mentors)
    matrix = score_cohort(cohort)
    scored = time.perf_counter() - started
    capacity = cohort.mentors.capacity
    print(f"  score   {scored:6.2f} s   ({n_mentees * n_mentors:,} pairs, float32)")
    for mode in Mode:
        started = time.perf_counter()
        best = solve(matrix, capacity, mode)
        seconds = time.perf_counter() - started
        print(
            f"  solve   {seconds:6.2f} s   {mode.value:<12} total {best.total:10.3f}  "
            f"matched {best.matched:,}  (LP rounds {best.rounds}, edges {best.edges:,})"
        )
        print(f"  score + solve {scored + seconds:6.2f} s")
        if mode is Mode.best_total:
            started = time.perf_counter()
            greedy = solve_greedy(matrix, capacity, mode)
            print(
                f"  greedy  {time.perf_counter() - started:6.2f} s   total {greedy.total:10.3f}  "
                f"matched {greedy.matched:,}  (optimum is {best.total - greedy.total:+.3f}, "
                f"{(best.total / greedy.total - 1) * 100:+.2f}%)"
            )
        edges = int(candidates(matrix, mode).sum())
        if edges * float(np.mean(capacity)) <= EXACT_EDGE_LIMIT:
            started = time.perf_counter()
            exact = solve_slots(matrix, capacity, mode)
            print(
                f"  exact   {time.perf_counter() - started:6.2f} s   total {exact.total:10.3f}  "
                f"matched {exact.matched:,}  (min_weight_full_bipartite_matching, every pair, "
                f"mentors repeated per place; difference {best.total - exact.total:+.6f})"
            )
        else:
            print(f"  exact   skipped: {edges:,} candidate pairs x places do not fit in memory")
    print(f"  peak memory {peak_mb():,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000x300,3000x1000,10000x3000")
    args = parser.parse_args()
    for size in args.sizes.split(","):
        n, m = (int(x) for x in size.lower().split("x"))
        run(n, m)


if __name__ == "__main__":
    main()
