"""Matching benchmark: the solver at every cohort shape, seconds, totals, exact gaps, memory.

Run: .venv/bin/python bench/matching.py [--shapes 10000x3000:10000,7000x3000] [--repeat 3]

A shape is MENTEESxMENTORS, optionally :PLACES (the mentors' capacities then add up to
exactly that many; PLACES = MENTORS means capacity 1 only). Without it mentors take 1-5 at
random (about 3 each). Each shape runs in its own subprocess, so its peak memory (maximum
resident set size, measured after both modes are solved and before the exact engine runs)
does not carry over. Every solve is repeated; best and median seconds are printed.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
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

# Fewer places than mentees, about as many, more, capacity 1 only; then the shapes.
SHAPES = (
    "10000x3000,10000x3000:10000,10000x3000:14000,10000x3000:3000,7000x3000,9000x3000,"
    "3000x1000,3000x1000:3000,3000x1000:4500,3000x1000:1000"
)
# The exact slot engine over every candidate pair fits in memory (and minutes) up to about
# this many slot edges (candidate pairs x places per mentor).
EXACT_EDGE_LIMIT = 20_000_000
AIM_SECONDS = 10.0
AIM_MB = 2048.0
AIM_MENTEES = 10_000


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def parse_shape(shape: str) -> tuple[int, int, int | None]:
    size, _, places = shape.partition(":")
    n, m = (int(x) for x in size.lower().split("x"))
    return n, m, int(places) if places else None


def run_shape(shape: str, repeat: int, exact_limit: int) -> dict:
    """Score and solve one cohort in this process; print a block, return the figures."""
    n_mentees, n_mentors, places = parse_shape(shape)
    mentees, mentors = random_cohort(n_mentees, n_mentors, seed=0, places=places)
    places_total = sum(p.capacity for p in mentors)
    print(
        f"\n{n_mentees:,} mentees x {n_mentors:,} mentors ({places_total:,} places)  load {load()}",
        flush=True,
    )
    started = time.perf_counter()
    cohort = build_cohort(mentees, mentors)
    matrix = score_cohort(cohort)
    scored = time.perf_counter() - started
    capacity = cohort.mentors.capacity
    print(f"  score   {scored:6.2f} s   ({n_mentees * n_mentors:,} pairs, float32)", flush=True)
    figures = {"shape": shape, "places": places_total, "score_s": scored, "modes": {}}
    solutions = {}
    for mode in Mode:
        seconds = []
        for _ in range(repeat):
            started = time.perf_counter()
            best = solve(matrix, capacity, mode)
            seconds.append(time.perf_counter() - started)
        solutions[mode] = best
        figures["modes"][mode.value] = {
            "best_s": min(seconds),
            "median_s": statistics.median(seconds),
            "total": best.total,
            "matched": best.matched,
            "rounds": best.rounds,
            "edges": best.edges,
            "certified_gap": best.gap,
        }
        print(
            f"  solve   best {min(seconds):6.2f} s  median {statistics.median(seconds):6.2f} s "
            f"(of {repeat})  {mode.value:<12} total {best.total:10.4f}  "
            f"matched {best.matched:,}  rounds {best.rounds}  edges {best.edges:,}  "
            f"certified gap {best.gap:.1e}",
            flush=True,
        )
    figures["peak_mb"] = peak_mb()
    print(f"  peak memory {figures['peak_mb']:,.0f} MB (score and solve)  load {load()}")
    greedy = solve_greedy(matrix, capacity)
    optimum = solutions[Mode.best_total].total
    print(
        f"  greedy  total {greedy.total:10.4f}  matched {greedy.matched:,}  "
        f"(optimum {optimum - greedy.total:+.4f})"
    )
    for mode in Mode:
        slot_edges = int((candidates(matrix, mode) * capacity[None, :]).sum(dtype=np.int64))
        if slot_edges > exact_limit:
            print(f"  exact   {mode.value:<12} skipped: {slot_edges:,} slot edges do not fit")
            continue
        started = time.perf_counter()
        exact = solve_slots(matrix, capacity, mode)
        gap = solutions[mode].total - exact.total
        figures["modes"][mode.value]["gap"] = gap
        figures["modes"][mode.value]["exact_matched"] = exact.matched
        print(
            f"  exact   {mode.value:<12} {time.perf_counter() - started:6.2f} s  total "
            f"{exact.total:10.4f}  matched {exact.matched:,}  (solve - exact {gap:+.2e})",
            flush=True,
        )
    return figures


def summary(results: list[dict]) -> None:
    print(f"\nSummary (aim: {AIM_MENTEES:,} mentees, solve < {AIM_SECONDS:.0f} s, < 2 GB)")
    print(
        f"  {'shape':<18} {'places':>7} {'mode':<13} {'score':>6} {'best':>6} {'median':>6} "
        f"{'peak MB':>8}  gap       aim"
    )
    for figures in results:
        for mode, row in figures["modes"].items():
            n = parse_shape(figures["shape"])[0]
            met = row["best_s"] < AIM_SECONDS and figures["peak_mb"] < AIM_MB
            aim = ("met" if met else "MISSED") if n == AIM_MENTEES else "-"
            gap = f"{row['gap']:+.1e}" if "gap" in row else "n/a"
            print(
                f"  {figures['shape']:<18} {figures['places']:>7,} {mode:<13} "
                f"{figures['score_s']:6.2f} {row['best_s']:6.2f} {row['median_s']:6.2f} "
                f"{figures['peak_mb']:8,.0f}  {gap:<9} {aim}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shapes", default=SHAPES)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--exact-limit", type=int, default=EXACT_EDGE_LIMIT)
    parser.add_argument("--one", action="store_true", help="run a single shape in this process")
    args = parser.parse_args()
    if args.one:
        figures = run_shape(args.shapes, args.repeat, args.exact_limit)
        print("FIGURES " + json.dumps(figures))
        return
    results = []
    for shape in args.shapes.split(","):
        command = [sys.executable, __file__, "--one", "--shapes", shape]
        command += ["--repeat", str(args.repeat), "--exact-limit", str(args.exact_limit)]
        process = subprocess.run(command, capture_output=True, text=True, check=True)
        for line in process.stdout.splitlines():
            if line.startswith("FIGURES "):
                results.append(json.loads(line.removeprefix("FIGURES ")))
            else:
                print(line, flush=True)
    summary(results)


if __name__ == "__main__":
    main()
