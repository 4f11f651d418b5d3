"""Realistic random cohorts, for the benchmark, the property tests and the demo."""

from __future__ import annotations

import random

from portal.services.matching.cohort import FORMATS, STYLE_QUESTIONS, Person

DEPARTMENTS = ["Engineering", "Product", "Sales", "Finance", "People", "Operations", "Design"]
LOCATIONS = [
    ("Berlin", "Europe/Berlin"),
    ("London", "Europe/London"),
    ("New York", "America/New_York"),
    ("Toronto", "America/Toronto"),
    ("Singapore", "Asia/Singapore"),
    ("Lisbon", "Europe/Lisbon"),
    ("San Francisco", "America/Los_Angeles"),
    ("Bangalore", "Asia/Kolkata"),
]
SKILLS = [
    "leadership",
    "public speaking",
    "stakeholder management",
    "career planning",
    "negotiation",
    "people management",
    "product strategy",
    "data analysis",
    "giving feedback",
    "work-life balance",
    "strategic thinking",
    "coaching",
    "hiring",
    "budgeting",
    "change management",
    "writing",
]
VALUES = ["growth", "candour", "craft", "balance", "impact", "curiosity", "fairness", "calm"]


def random_profile(rng: random.Random, role: str, max_capacity: int = 5) -> dict:
    """One application's answers, drawn like a real cohort's."""
    location, zone = rng.choice(LOCATIONS)
    profile = {
        "department": rng.choice(DEPARTMENTS),
        "seniority": rng.randint(1, 3) if role == "mentee" else rng.randint(3, 6),
        "location": location,
        "timezone": zone,
        "format": rng.choice(FORMATS),
        "values": rng.sample(VALUES, 3),
        "style": {q: rng.choice(options) for q, options in STYLE_QUESTIONS.items()},
        "avoid": [],
    }
    if role == "mentee":
        profile["goals"] = rng.sample(SKILLS, 2)
        profile["develop"] = rng.sample(SKILLS, 2)
    else:
        profile["strengths"] = rng.sample(SKILLS, 4)
        profile["capacity"] = rng.randint(1, max_capacity)
    return profile


MAX_CAPACITY = 5


def spread_places(rng: random.Random, n_mentors: int, places: int) -> list[int]:
    """Capacities of 1..5 that add up to exactly ``places``, spread at random."""
    if not n_mentors <= places <= MAX_CAPACITY * n_mentors:
        raise ValueError(f"{places} places do not fit {n_mentors} mentors of capacity 1-5")
    capacity = [1] * n_mentors
    open_ = list(range(n_mentors))
    for _ in range(places - n_mentors):
        at = rng.randrange(len(open_))
        capacity[open_[at]] += 1
        if capacity[open_[at]] == MAX_CAPACITY:
            open_[at] = open_[-1]
            open_.pop()
    return capacity


def random_cohort(
    n_mentees: int,
    n_mentors: int,
    seed: int = 0,
    avoid_rate: float = 0.02,
    places: int | None = None,
) -> tuple[list[Person], list[Person]]:
    """Mentees and mentors with profiles; a few avoid someone or report to a mentor.

    Mentors take 1-5 mentees at random; with ``places`` their capacities add up to exactly
    that many (``places=n_mentors`` gives capacity 1 only). The rest of the cohort is the same.
    """
    rng = random.Random(seed)
    # A separate stream, so that setting the places changes nothing else in the cohort.
    capacities = spread_places(random.Random(seed + 1), n_mentors, places) if places else None
    mentors = []
    for j in range(n_mentors):
        profile = random_profile(rng, "mentor")
        if capacities:
            profile["capacity"] = capacities[j]
        mentors.append(
            Person(
                user_id=1_000_000 + j,
                name=f"Mentor {j}",
                profile=profile,
                capacity=profile["capacity"],
            )
        )
    mentees = []
    for i in range(n_mentees):
        profile = random_profile(rng, "mentee")
        if mentors and rng.random() < avoid_rate:
            profile["avoid"] = [rng.choice(mentors).user_id]
        if mentors and rng.random() < avoid_rate:
            profile["manager"] = rng.choice(mentors).user_id
        mentees.append(Person(user_id=i + 1, name=f"Mentee {i}", profile=profile))
    return mentees, mentors
