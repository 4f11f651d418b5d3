"""Matching a programme's cohort from the database: propose, check, approve, end.

Proposed pairings are stored as `Pairing` rows with status "proposed": nobody but an admin
sees them (see services/access.py) until an admin approves them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import (
    Membership,
    MembershipStatus,
    Pairing,
    PairingStatus,
    Program,
    Role,
    User,
)
from portal.services import audit
from portal.services.matching.cohort import Cohort, Person, build_cohort
from portal.services.matching.explain import (
    ProposedPair,
    Unmatched,
    explain,
    ranked_factors,
)
from portal.services.matching.scoring import pair_factors, score_cohort
from portal.services.matching.settings import MatchingSettings
from portal.services.matching.solver import Mode, solve
from portal.services.notifications import notify
from portal.services.programme_admin.holds import new_undo_key


class MatchingError(ValueError):
    """A hand-made or changed pair that would break a hard rule; the message says which."""


@dataclass
class Proposal:
    program: Program
    mode: Mode
    pairs: list[ProposedPair] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)
    seconds_to_score: float = 0.0
    seconds_to_solve: float = 0.0

    @property
    def total(self) -> float:
        return sum(p.score for p in self.pairs)


@dataclass
class CohortData:
    cohort: Cohort
    mentees: list[Person]
    mentors: list[Person]


def active_members(program: Program, role: Role) -> list[Membership]:
    query = (
        select(Membership)
        .options(joinedload(Membership.user))
        .where(
            Membership.program_id == program.id,
            Membership.role == role,
            Membership.status == MembershipStatus.active,
        )
        .order_by(Membership.id)
    )
    return list(db.session.scalars(query))


def _person(member: Membership, capacity: int = 1) -> Person:
    return Person(
        user_id=member.user_id,
        name=member.user.name,
        email=member.user.email,
        profile=member.profile or {},
        capacity=capacity,
    )


def mentor_capacity(member: Membership) -> int:
    try:
        return max(0, min(5, int((member.profile or {}).get("capacity") or 1)))
    except (TypeError, ValueError):
        return 1


def load_cohort(program: Program) -> CohortData:
    """Mentees still without a mentor, and mentors with the places they have left."""
    active = select(Pairing.mentor_id, Pairing.mentee_id).where(
        Pairing.program_id == program.id, Pairing.status == PairingStatus.active
    )
    taken = db.session.execute(active).all()
    paired_mentees = {mentee for _, mentee in taken}
    load: dict[int, int] = {}
    for mentor_id, _ in taken:
        load[mentor_id] = load.get(mentor_id, 0) + 1
    mentees = [
        _person(m) for m in active_members(program, Role.mentee) if m.user_id not in paired_mentees
    ]
    mentors = [
        _person(m, max(mentor_capacity(m) - load.get(m.user_id, 0), 0))
        for m in active_members(program, Role.mentor)
    ]
    ended = db.session.execute(
        select(Pairing.mentor_id, Pairing.mentee_id).where(
            Pairing.program_id == program.id, Pairing.status == PairingStatus.ended
        )
    ).all()
    cohort = build_cohort(mentees, mentors, excluded_pairs=[tuple(row) for row in ended])
    return CohortData(cohort, mentees, mentors)


def propose(program: Program, mode: Mode | None = None) -> Proposal:
    """The optimal proposal for everyone in the programme who still needs a mentor."""
    settings = MatchingSettings.from_json(program.matching)
    mode = mode or settings.mode
    weights = settings.effective_weights()
    started = time.perf_counter()
    data = load_cohort(program)
    matrix = score_cohort(data.cohort, weights)
    scored = time.perf_counter()
    capacity = data.cohort.mentors.capacity
    solution = solve(matrix, capacity, mode, settings.min_score / 100)
    solved = time.perf_counter()
    pairs, unmatched = explain(
        data.cohort, matrix, solution, capacity, mode, settings.min_score / 100, weights
    )
    return Proposal(program, mode, pairs, unmatched, scored - started, solved - scored)


def save_proposal(program: Program, proposal: Proposal, actor: User | None) -> list[Pairing]:
    """Replace the programme's proposed pairings with this proposal (nothing is approved)."""
    db.session.execute(
        delete(Pairing).where(
            Pairing.program_id == program.id, Pairing.status == PairingStatus.proposed
        )
    )
    pairings = [
        Pairing(
            program_id=program.id,
            mentor_id=pair.mentor.user_id,
            mentee_id=pair.mentee.user_id,
            status=PairingStatus.proposed,
            score=round(pair.score, 2),
            explanation=pair.explanation(),
        )
        for pair in proposal.pairs
    ]
    db.session.add_all(pairings)
    audit.record(
        actor,
        "matching.proposed",
        f"Proposed {len(pairings)} pairs ({proposal.mode.label.lower()}), "
        f"{len(proposal.unmatched)} mentees unmatched",
        program,
        total=round(proposal.total, 2),
        unmatched=[
            {"user_id": u.mentee.user_id, "name": u.mentee.name, "reason": u.reason}
            for u in proposal.unmatched
        ],
    )
    db.session.commit()
    return pairings


# --- one pair at a time: hand pairing, swaps and their live score ------------------------


@dataclass
class PairCheck:
    mentee: User
    mentor: User
    score: float | None = None
    factors: list = field(default_factory=list)
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _membership(program: Program, user_id: int, role: Role) -> Membership | None:
    return db.session.scalar(
        select(Membership)
        .options(joinedload(Membership.user))
        .where(
            Membership.program_id == program.id,
            Membership.user_id == user_id,
            Membership.role == role,
            Membership.status == MembershipStatus.active,
        )
    )


def check_pair(
    program: Program,
    mentee_id: int,
    mentor_id: int,
    replacing: Pairing | list[Pairing] | None = None,
) -> PairCheck:
    """Score one pair and name the first hard rule it would break, if any."""
    mentee_m = _membership(program, mentee_id, Role.mentee)
    mentor_m = _membership(program, mentor_id, Role.mentor)
    if mentee_id == mentor_id:
        raise MatchingError("Nobody can mentor themselves.")
    if mentee_m is None or mentor_m is None:
        raise MatchingError("Both people must be approved in this programme, as mentee and mentor.")
    check = PairCheck(mentee=mentee_m.user, mentor=mentor_m.user)
    settings = MatchingSettings.from_json(program.matching)
    mentee, mentor = _person(mentee_m), _person(mentor_m, mentor_capacity(mentor_m))
    ended = db.session.execute(
        select(Pairing.mentor_id, Pairing.mentee_id).where(
            Pairing.program_id == program.id,
            Pairing.status == PairingStatus.ended,
            Pairing.mentor_id == mentor_id,
            Pairing.mentee_id == mentee_id,
        )
    ).all()
    cohort = build_cohort([mentee], [mentor], excluded_pairs=[tuple(r) for r in ended])
    matrix = score_cohort(cohort, settings.effective_weights())
    zero = np.zeros(1, dtype=np.int64)
    check.score = float(matrix.score[0, 0]) * 100
    check.factors = ranked_factors(
        pair_factors(cohort, zero, zero, settings.effective_weights()), 0
    )
    check.problem = _hard_rule_problem(program, cohort, matrix, mentee_m, mentor_m, replacing)
    return check


def _hard_rule_problem(program, cohort, matrix, mentee_m, mentor_m, replacing) -> str | None:
    names = (mentee_m.user.name, mentor_m.user.name)
    rules = {rule for rule, (rows, _) in cohort.forbidden.items() if len(rows)}
    if "manager" in rules:
        return f"{names[1]} is {names[0]}'s manager: nobody is paired with their own manager."
    if "avoid" in rules:
        return "One of them asked not to be paired with the other (avoid list)."
    if "ended" in rules:
        return "Their earlier pairing in this programme was ended."
    others = select(func.count(Pairing.id)).where(
        Pairing.program_id == program.id,
        Pairing.status.in_([PairingStatus.active, PairingStatus.proposed]),
    )
    # Pairings this change gives up (one for a swap, both for an exchange) do not count.
    replaced = replacing if isinstance(replacing, list) else [replacing]
    replaced_ids = [p.id for p in replaced if p is not None]
    if replaced_ids:
        others = others.where(Pairing.id.not_in(replaced_ids))
    has_mentor = db.session.scalar(others.where(Pairing.mentee_id == mentee_m.user_id)) or 0
    if has_mentor:
        return f"{names[0]} already has a mentor in this programme (one mentor per mentee)."
    load = db.session.scalar(others.where(Pairing.mentor_id == mentor_m.user_id)) or 0
    capacity = mentor_capacity(mentor_m)
    if load >= capacity:
        return f"{names[1]} has no free place (capacity {capacity}, {load} taken)."
    if not matrix.eligible[0, 0]:
        return "They share no working hours: their time zones are too far apart."
    return None


def hand_pair(program: Program, mentee_id: int, mentor_id: int, actor: User) -> Pairing:
    """Propose a pair the admin chose; refused with the reason when it breaks a hard rule."""
    check = check_pair(program, mentee_id, mentor_id)
    if not check.ok:
        raise MatchingError(check.problem)
    pairing = Pairing(
        program_id=program.id,
        mentor_id=mentor_id,
        mentee_id=mentee_id,
        status=PairingStatus.proposed,
        score=round(check.score, 2),
        explanation={
            "factors": [f.to_json() for f in check.factors[:3]],
            "near_misses": [],
            "by_hand": True,
        },
    )
    db.session.add(pairing)
    audit.record(
        actor,
        "pairing.hand_made",
        f"Paired {check.mentee.name} with {check.mentor.name} by hand",
        program,
    )
    db.session.commit()
    return pairing


def swap_mentor(pairing: Pairing, mentor_id: int, actor: User) -> Pairing:
    """Give a proposed pair another mentor, if no hard rule breaks."""
    if pairing.status is not PairingStatus.proposed:
        raise MatchingError("Only a proposed pairing can change its mentor.")
    check = check_pair(pairing.program, pairing.mentee_id, mentor_id, replacing=pairing)
    if not check.ok:
        raise MatchingError(check.problem)
    before = pairing.mentor.name
    pairing.mentor_id = mentor_id
    pairing.score = round(check.score, 2)
    pairing.explanation = {
        "factors": [f.to_json() for f in check.factors[:3]],
        "near_misses": [],
        "swapped_from": before,
    }
    audit.record(
        actor,
        "pairing.swapped",
        f"Swapped {check.mentee.name}'s mentor from {before} to {check.mentor.name}",
        pairing.program,
    )
    db.session.commit()
    db.session.refresh(pairing)
    return pairing


# --- decisions -------------------------------------------------------------------------


def approve(pairing: Pairing, actor: User, commit: bool = True, undo_key: str | None = None) -> str:
    """Make a proposed pairing active; both partners are told after the undo window."""
    if pairing.status is not PairingStatus.proposed:
        raise MatchingError("Only a proposed pairing can be approved.")
    undo_key = undo_key or new_undo_key()
    pairing.activate()
    # The partners are told after the undo window; until then neither sees the pairing.
    window = timedelta(seconds=current_app.config["UNDO_WINDOW_SECONDS"])
    pairing.opens_at = pairing.approved_at + window
    program = pairing.program
    notify(
        pairing.mentee,
        "pairing",
        f"You are paired with {pairing.mentor.name} in {program.name}.",
        "/dashboard/",
        hold=undo_key,
    )
    notify(
        pairing.mentor,
        "pairing",
        f"You are mentoring {pairing.mentee.name} in {program.name}.",
        "/dashboard/",
        hold=undo_key,
    )
    audit.record(
        actor,
        "pairing.approved",
        f"Approved {pairing.mentee.name} with {pairing.mentor.name}",
        program,
        pairing_id=pairing.id,
        undo=undo_key,
    )
    if commit:
        db.session.commit()
    return undo_key


def approve_all(program: Program, actor: User) -> int:
    """Approve every proposed pair as one decision, undone together."""
    pairings = proposed_pairings(program)
    undo_key = new_undo_key()
    for pairing in pairings:
        approve(pairing, actor, commit=False, undo_key=undo_key)
    db.session.commit()
    return len(pairings)


def reject(pairing: Pairing, actor: User) -> None:
    """Drop a proposed pair; the mentee waits for the next proposal."""
    if pairing.status is not PairingStatus.proposed:
        raise MatchingError("Only a proposed pairing can be rejected.")
    audit.record(
        actor,
        "pairing.rejected",
        f"Rejected {pairing.mentee.name} with {pairing.mentor.name}",
        pairing.program,
    )
    db.session.delete(pairing)
    db.session.commit()


def end_pairing(pairing: Pairing, reason: str, actor: User) -> None:
    """End an active pairing early; the mentee can then be matched again."""
    if pairing.status is not PairingStatus.active:
        raise MatchingError("Only an active pairing can be ended.")
    reason = reason.strip()
    if not reason:
        raise MatchingError("Say why the pairing ends.")
    pairing.end(reason)
    message = f"Your pairing in {pairing.program.name} has ended."
    notify(pairing.mentee, "pairing", message, "/dashboard/")
    notify(pairing.mentor, "pairing", message, "/dashboard/")
    audit.record(
        actor,
        "pairing.ended",
        f"Ended {pairing.mentee.name} with {pairing.mentor.name} early",
        pairing.program,
        reason=reason[:500],
    )
    db.session.commit()


def proposed_count(program: Program) -> int:
    return db.session.scalar(
        select(func.count(Pairing.id)).where(
            Pairing.program_id == program.id, Pairing.status == PairingStatus.proposed
        )
    )


def proposed_pairings(program: Program) -> list[Pairing]:
    return _pairings(program, PairingStatus.proposed, Pairing.score.desc())


def active_pairings(program: Program) -> list[Pairing]:
    return _pairings(program, PairingStatus.active, Pairing.approved_at.desc())


def _pairings(program: Program, status: PairingStatus, order) -> list[Pairing]:
    query = (
        select(Pairing)
        .options(
            joinedload(Pairing.mentor), joinedload(Pairing.mentee), joinedload(Pairing.program)
        )
        .where(Pairing.program_id == program.id, Pairing.status == status)
        .order_by(order, Pairing.id)
    )
    return list(db.session.scalars(query))
