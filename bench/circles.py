"""Circle matching benchmark: propose circles for a synthetic cohort, print seconds and the gap.

Run: .venv/bin/python bench/circles.py [--members 2000] [--facilitators 250] [--seed 0]

Members and facilitators come from the pair matcher's synthetic cohorts (the same profiles:
goals, values, style, seniority, time zones, departments). Circles of 3 to 8, at most one
member per department in a circle, facilitators' own capacity 4 to 8. Prints the time to
score, to solve and in total, how many were placed, the total fit, the certified upper bound
and the gap (0: proven optimal).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from portal.services.matching import circles  # noqa: E402
from portal.services.matching.synthetic import random_cohort  # noqa: E402

AIM_SECONDS = 10.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--facilitators", type=int, default=250)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    members, facilitators = random_cohort(args.members, args.facilitators, seed=args.seed)
    rng = random.Random(args.seed + 7)
    for person in facilitators:
        person.profile["circle_capacity"] = rng.randint(4, 8)
    settings = circles.CircleSettings(min_size=3, max_size=8, max_per_department=1)
    started = time.perf_counter()
    problem, _ = circles.build_problem(members, facilitators, settings)
    built = time.perf_counter() - started
    proposal = circles.propose_circles(members, facilitators, settings)
    total = time.perf_counter() - started - built
    solution = proposal.solution
    fit_bound = solution.bound - problem.reward * solution.placed
    print(f"cohort: {args.members} members x {args.facilitators} facilitators")
    print(f"places: {int(problem.capacity.sum())}, eligible pairs: {int(problem.eligible.sum())}")
    print(f"score: {built:.2f} s; propose (score, solve, explain): {total:.2f} s")
    print(f"solve: {solution.seconds:.2f} s by {solution.method}, {solution.rounds} flow round(s)")
    print(f"circles: {len(proposal.circles)}, closed: {len(solution.closed)}")
    print(f"placed: {solution.placed} of {args.members}")
    print(f"total fit: {solution.fit / circles.FIT_SCALE:.3f} (of at most {fit_bound / 1000:.3f})")
    print(f"certified gap: {solution.gap / circles.FIT_SCALE:.3f} fit points", end=" ")
    print("(proven optimal)" if solution.gap == 0 else f"(over {solution.placed} placed)")
    print(f"aim: under {AIM_SECONDS:.0f} s: {'met' if total < AIM_SECONDS else 'MISSED'}")


if __name__ == "__main__":
    main()
