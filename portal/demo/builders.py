"""Builders of valid rows, shared by the demo seeders and the test factories (tests/factories.py).

Each adds its row to the session and returns it; the caller decides when to commit (a test
factory commits at once, a seeder once at the end).
"""

from __future__ import annotations

from typing import Any

from portal.extensions import db
from portal.models import (
    Membership,
    MembershipStatus,
    Pairing,
    PairingStatus,
    Program,
    Role,
    User,
    utcnow,
)


def new_user(
    email: str, name: str, *, password_hash: str, timezone: str = "UTC", **values: Any
) -> User:
    """A person who can sign in with the password behind `password_hash`."""
    user = User(email=email, name=name, timezone=timezone, **values)
    user.password_hash = password_hash
    db.session.add(user)
    return user


def new_membership(
    user: User, program: Program, role: Role, status=MembershipStatus.active, **values: Any
) -> Membership:
    """A membership in a role; an active one is decided (now, unless told when)."""
    if status is MembershipStatus.active:
        values.setdefault("decided_at", utcnow())
    values.setdefault("profile", {})
    membership = Membership(user=user, program=program, role=role, status=status, **values)
    db.session.add(membership)
    return membership


def new_pairing(program: Program, mentor: User, mentee: User, **values: Any) -> Pairing:
    """An approved, active pairing by default. An approved pairing opens when it was approved
    (both were told long ago) unless `opens_at` says otherwise; a proposal never opens."""
    values.setdefault("status", PairingStatus.active)
    values.setdefault("approved_at", utcnow())
    if "opens_at" not in values and values["status"] != PairingStatus.proposed:
        values["opens_at"] = values["approved_at"]
    pairing = Pairing(program=program, mentor=mentor, mentee=mentee, **values)
    db.session.add(pairing)
    return pairing


# Cities of the demo's European time zones that the synthetic cohort's locations lack.
MORE_CITIES = {"Europe/Paris": "Paris", "Europe/Madrid": "Madrid"}


def fit_profile(profile: dict[str, Any], user: User) -> dict[str, Any]:
    """A demo application that agrees with its person: their time zone, and a city in it."""
    from portal.services.matching.synthetic import LOCATIONS

    cities = {zone: city for city, zone in LOCATIONS} | MORE_CITIES
    profile["timezone"] = user.timezone
    profile["location"] = cities.get(user.timezone, profile.get("location", ""))
    return profile


def new_participant(
    user: User,
    program: Program,
    role: Role,
    rng: Any,
    status=MembershipStatus.active,
    *,
    max_capacity: int = 5,
    answers: dict[str, Any] | None = None,
    **values: Any,
) -> Membership:
    """A demo person's membership whose application is drawn at random from ``rng``, made to fit
    them (their time zone and its city), with any fixed ``answers`` written over it."""
    from portal.services.matching.synthetic import random_profile

    profile = fit_profile(random_profile(rng, role.value, max_capacity), user)
    profile.update(answers or {})
    return new_membership(user, program, role, status, profile=profile, **values)


def demo_mentor_and_mentee() -> tuple[User, User]:
    """The demo's mentor and mentee logins (seeded first), whom the demo programmes feature."""
    mentor, mentee = (
        db.session.scalar(db.select(User).where(User.email == email))
        for email in ("mentor@example.org", "mentee@example.org")
    )
    return mentor, mentee


def _membership_of(user: User, program: Program, role: Role) -> Membership:
    """The person's membership in the programme, made active in ``role`` if they have none."""
    db.session.flush()
    found = db.session.query(Membership).filter_by(user_id=user.id, program_id=program.id).first()
    return found or new_membership(user, program, role)


def new_circle(program: Program, facilitator: User, members: list[User], **values: Any) -> Any:
    """An approved, active circle by default, open since its approval, with a current stint
    per member (each joined at the approval unless the stint says otherwise)."""
    from portal.models.circles import Circle, CircleMember, CircleStatus

    values.setdefault("status", CircleStatus.active)
    values.setdefault("approved_at", utcnow())
    values.setdefault("theme", "Leading through change")
    if "opens_at" not in values and values["status"] != CircleStatus.proposed:
        values["opens_at"] = values["approved_at"]
    membership = _membership_of(facilitator, program, Role.mentor)
    circle = Circle(
        program=program,
        facilitator=facilitator,
        facilitator_membership=membership,
        **values,
    )
    db.session.add(circle)
    for member in members:
        joined = values["approved_at"] or utcnow()
        circle.stints.append(
            CircleMember(
                user=member,
                membership=_membership_of(member, program, Role.mentee),
                joined_at=joined,
            )
        )
    return circle
