"""Demo data: a running programme with live pairings, and a cohort waiting to be matched."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, select

from portal.demo.builders import new_membership, new_pairing, new_participant, new_user
from portal.demo.choosing import FIXED_NAMES, seed_choosing_demo
from portal.demo.circles import CIRCLE_NAMES, seed_circles_demo
from portal.demo.guide import seed_guide_demo
from portal.demo.insights import seed_insights_demo
from portal.demo.journal import seed_journal_demo
from portal.demo.kickoff import seed_kickoff_demo
from portal.demo.practice import seed_practice_demo
from portal.extensions import db
from portal.models import (
    Cadence,
    MembershipStatus,
    Program,
    ProgramStatus,
    Role,
    User,
    utcnow,
)
from portal.models.leads import ProgramLead
from portal.models.users import password_hasher
from portal.services.accounts.demo_logins import DEMO_ACCOUNTS
from portal.services.matching.synthetic import LOCATIONS, random_profile
from portal.services.platform.notifications import notify

DEMO_PASSWORD = "horizon-demo"  # noqa: S105 (published on the login page on purpose)

FIRST = [
    "Ana",
    "Ben",
    "Chen",
    "Dara",
    "Eli",
    "Fatima",
    "Gus",
    "Hana",
    "Ivo",
    "Jules",
    "Kofi",
    "Lea",
    "Mina",
    "Noah",
    "Omar",
    "Pia",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Uma",
    "Viktor",
    "Wen",
    "Yara",
    "Zeno",
]
LAST = [
    "Adler",
    "Brooks",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Mensah",
    "Novak",
    "Okoro",
    "Petrov",
    "Quist",
    "Rossi",
]


def database_is_empty() -> bool:
    return (db.session.scalar(select(func.count(User.id))) or 0) == 0


COHORT_MENTORS = 6
COHORT_MENTEES = 16  # the last COHORT_APPLIED of them still wait for review
COHORT_APPLIED = 4


def seed_cohort(rng: random.Random, cohort: Program, person, names) -> int:
    """The spring cohort: mentors and mentees with full application answers.

    One mentee reports to a cohort mentor (the matcher never pairs them) and one asked to
    avoid another mentor, so the demo shows the hard rules at work.
    """
    mentors = []
    for i in range(COHORT_MENTORS):
        profile = random_profile(rng, "mentor", max_capacity=3)
        profile["capacity"] = 2 + i % 2  # fifteen places for the twelve approved mentees
        user = person(f"cohort.mentor{i + 1}@example.org", next(names), profile["timezone"])
        mentors.append(user)
        new_membership(user, cohort, Role.mentor, profile=profile)
    for i in range(COHORT_MENTEES):
        applied = i >= COHORT_MENTEES - COHORT_APPLIED
        profile = random_profile(rng, "mentee")
        if i == 0:
            profile["manager"] = "cohort.mentor1@example.org"
        if i == 1:
            profile["avoid"] = ["cohort.mentor2@example.org"]
        user = person(f"cohort.mentee{i + 1}@example.org", next(names), profile["timezone"])
        status = MembershipStatus.applied if applied else MembershipStatus.active
        new_membership(user, cohort, Role.mentee, status, profile=profile)
    return COHORT_MENTORS + COHORT_MENTEES


def seed_demo(today: date | None = None) -> dict[str, int]:
    """Fill an empty database with the demo programmes; returns what it made."""
    rng = random.Random(2026)
    today = today or date.today()
    password_hash = password_hasher().hash(DEMO_PASSWORD)  # one hash serves every demo login
    # Every name once: demo people never share a name (nor take a demo login's name).
    taken = {name for name, _ in DEMO_ACCOUNTS.values()} | FIXED_NAMES | CIRCLE_NAMES
    pool = [f"{first} {last}" for first in FIRST for last in LAST]
    rng.shuffle(pool)
    names = iter(name for name in pool if name not in taken)

    def person(email: str, name: str, tz: str = "Europe/Berlin", admin: bool = False) -> User:
        return new_user(
            email, name, password_hash=password_hash, timezone=tz, is_portal_admin=admin
        )

    admin = person("admin@example.org", DEMO_ACCOUNTS["admin@example.org"][0], admin=True)
    mentor = person("mentor@example.org", DEMO_ACCOUNTS["mentor@example.org"][0])
    mentee = person("mentee@example.org", DEMO_ACCOUNTS["mentee@example.org"][0])

    running = Program(
        name="Horizon Leadership 2026",
        slug="leadership-2026",
        description=(
            "A year of monthly conversations for people stepping into leadership. "
            "Share honestly, learn in your own way, and work one idea at a time."
        ),
        starts_on=today - timedelta(days=120),
        ends_on=Program.default_end(today - timedelta(days=120)),
        cadence=Cadence.monthly,
        status=ProgramStatus.running,
    )
    cohort = Program(
        name="Spring 2027 Cohort",
        slug="spring-2027",
        description="Our next cohort: applications are open for mentors and mentees.",
        starts_on=today + timedelta(days=45),
        ends_on=Program.default_end(today + timedelta(days=45)),
        cadence=Cadence.biweekly,
        status=ProgramStatus.enrolling,
        enrollment_opens_on=today - timedelta(days=14),
        enrollment_closes_on=today + timedelta(days=30),
    )
    db.session.add_all([running, cohort])
    # A co-lead runs enrollment and matching for the new cohort only.
    co_lead = person("lead@example.org", DEMO_ACCOUNTS["lead@example.org"][0])
    db.session.add(ProgramLead(program=cohort, user=co_lead))

    # The running programme: four pairs, the demo mentor and mentee among them.
    pairs = [(mentor, mentee)]
    for i in range(3):
        m = person(f"mentor{i + 1}@example.org", next(names), rng.choice(LOCATIONS)[1])
        e = person(f"mentee{i + 1}@example.org", next(names), rng.choice(LOCATIONS)[1])
        pairs.append((m, e))
    approved = utcnow() - timedelta(days=110)
    for m, e in pairs:
        new_participant(m, running, Role.mentor, rng, max_capacity=3)
        new_participant(e, running, Role.mentee, rng, max_capacity=3)
        new_pairing(running, m, e, created_at=approved, approved_at=approved)

    # The next cohort: approved applicants waiting to be matched, and a few still to review.
    cohort_people = seed_cohort(rng, cohort, person, names)
    db.session.flush()
    notify(
        mentee, "welcome", f"You are paired with {mentor.name} in {running.name}.", "/dashboard/"
    )
    notify(mentor, "welcome", f"You are mentoring {mentee.name} in {running.name}.", "/dashboard/")
    notify(admin, "cohort", f"{cohort.name}: 4 applications wait for review.", "/admin/enrollment")
    seed_journal_demo()
    seed_practice_demo(today)
    seed_kickoff_demo(today)
    seed_guide_demo(today, person, password_hash)
    seed_insights_demo(today, password_hash)
    seed_choosing_demo(today, person, password_hash)
    seed_circles_demo(today, person, random.Random(2028))
    db.session.commit()
    programs = db.session.scalar(select(func.count(Program.id))) or 0
    return {"programs": programs, "pairings": len(pairs), "applicants": cohort_people}
