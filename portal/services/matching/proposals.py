"""Matching a programme's cohort from the database: propose, check, approve, end.

Proposed pairings are stored as `Pairing` rows with status "proposed": nobody but an admin
sees them (see services/access.py) until an admin approves them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

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
from portal.models.choosing import CloseReason, MentorRequest
from portal.services import access
from portal.services.choosing.closing import close_for_pairing
from portal.services.choosing.locks import lock_pair
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
from portal.services.pairings.schedule import close_schedule
from portal.services.platform import audit
from portal.services.platform.links import path_for
from portal.services.platform.notifications import held_until, notify
from portal.services.programmes.holds import ALREADY_DECIDED, new_undo_key
from portal.services.reminders import news

END_REASON_MAX = 500


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
            Membership.active_in(program.id, role),
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


def capacity_from_profile(profile: dict | None) -> int:
    """A mentor's places (0-5) from their profile; the one home of this rule (discovery and
    choosing use it too). A capacity that is not a number counts as 1, never a 500."""
    try:
        return max(0, min(5, int((profile or {}).get("capacity") or 1)))
    except (TypeError, ValueError):
        return 1


def mentor_capacity(member: Membership) -> int:
    return capacity_from_profile(member.profile)


def _request_born():
    """Proposed pairings born from a mentee's accepted request (services/choosing): a cohort
    run neither replaces them nor gives their places away twice."""
    return exists(select(MentorRequest.id).where(MentorRequest.pairing_id == Pairing.id))


def load_cohort(program: Program) -> CohortData:
    """Mentees still without a mentor, and mentors with the places they have left."""
    active = select(Pairing.mentor_id, Pairing.mentee_id).where(
        Pairing.program_id == program.id,
        (Pairing.status == PairingStatus.active)
        | ((Pairing.status == PairingStatus.proposed) & _request_born()),
    )
    taken = db.session.execute(active).all()
    paired_mentees = {mentee for _, mentee in taken}
    load: dict[int, int] = {}
    for mentor_id, _ in taken:
        load[mentor_id] = load.get(mentor_id, 0) + 1
    # The people who run the programme are never candidates (access.partner_refusal).
    staff = access.program_staff_ids(program.id)
    mentees = [
        _person(m)
        for m in active_members(program, Role.mentee)
        if m.user_id not in paired_mentees and m.user_id not in staff
    ]
    mentors = [
        _person(m, max(mentor_capacity(m) - load.get(m.user_id, 0), 0))
        for m in active_members(program, Role.mentor)
        if m.user_id not in staff
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
        delete(Pairing)
        .where(
            Pairing.program_id == program.id,
            Pairing.status == PairingStatus.proposed,
            ~_request_born(),
        )
        .execution_options(synchronize_session=False)
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


def staff_problem(program: Program, *people: User) -> str | None:
    """The first of these people who runs the programme and so may not be paired in it."""
    for person in people:
        refusal = access.partner_refusal(person, program)
        if refusal:
            return refusal
    return None


def _hard_rule_problem(program, cohort, matrix, mentee_m, mentor_m, replacing) -> str | None:
    names = (mentee_m.user.name, mentor_m.user.name)
    staff = staff_problem(program, mentee_m.user, mentor_m.user)
    if staff:
        return staff
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
    """Propose a pair the admin chose; refused with the reason when it breaks a hard rule.

    Counted under the same membership locks as a mentee's accepted request (mentee, then
    mentor), so a hand pair racing an accept never exceeds the mentor's places."""
    lock_pair(program.id, mentee_id, mentor_id)
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


def approve(
    pairing: Pairing,
    actor: User,
    commit: bool = True,
    undo_key: str | None = None,
    close_reason: CloseReason = CloseReason.team,
) -> str:
    """Make a proposed pairing active; both partners are told after the undo window.

    The mentee's open requests close (`close_reason`: the team stepped in, or the mentee
    was matched by an accepted request) and their mentors are told after the window too;
    the audit event names those requests, so an undo reopens them (holds._revert).

    The approval is claimed by a conditional UPDATE (proposed -> active): of two approvals at
    once, the second changes no row and records nothing, so no second notice is held under a
    key the admin never sees.
    """
    if pairing.status is not PairingStatus.proposed:
        raise MatchingError(ALREADY_DECIDED)
    lock_pair(pairing.program_id, pairing.mentee_id, pairing.mentor_id)
    # Someone may have become a lead (or an admin) since the pair was proposed.
    staff = staff_problem(pairing.program, pairing.mentee, pairing.mentor)
    if staff:
        raise MatchingError(staff)
    approved_at = utcnow()
    # The partners are told after the undo window; until then neither sees the pairing.
    opens_at = held_until(approved_at)
    try:
        with db.session.begin_nested():
            claimed = db.session.execute(
                update(Pairing)
                .where(Pairing.id == pairing.id, Pairing.status == PairingStatus.proposed)
                .values(status=PairingStatus.active, approved_at=approved_at, opens_at=opens_at)
                .execution_options(synchronize_session=False)
            )
    except IntegrityError as error:  # another pairing of this mentee became active meanwhile
        raise MatchingError(
            f"{pairing.mentee.name} already has a mentor in this programme (one mentor per mentee)."
        ) from error
    if claimed.rowcount != 1:
        db.session.refresh(pairing)
        raise MatchingError(ALREADY_DECIDED)
    set_committed_value(pairing, "status", PairingStatus.active)
    set_committed_value(pairing, "approved_at", approved_at)
    set_committed_value(pairing, "opens_at", opens_at)
    undo_key = undo_key or new_undo_key()
    program = pairing.program
    closed = close_for_pairing(
        pairing.program_id, program.name, pairing.mentee_id, close_reason, approved_at, undo_key
    )
    notify(
        pairing.mentee,
        "pairing",
        f"You are paired with {pairing.mentor.name} in {program.name}.",
        path_for("dashboard.index"),
        hold=undo_key,
    )
    notify(
        pairing.mentor,
        "pairing",
        f"You are mentoring {pairing.mentee.name} in {program.name}.",
        path_for("dashboard.index"),
        hold=undo_key,
    )
    # By e-mail too, held under the same key: both partners hear of it at the same moment, once
    # the undo window closes, or (undone) neither does.
    for person, partner, role in (
        (pairing.mentee, pairing.mentor, "mentor"),
        (pairing.mentor, pairing.mentee, "mentee"),
    ):
        news.tell(
            person,
            "paired",
            f"{pairing.id}:{undo_key}",
            program=program,
            endpoint="pairings.detail",
            values={"pairing_id": pairing.id},
            context={"partner": partner, "partner_role": role},
            hold=undo_key,
            pairing_id=pairing.id,
        )
    audit.record(
        actor,
        "pairing.approved",
        f"Approved {pairing.mentee.name} with {pairing.mentor.name}",
        program,
        pairing_id=pairing.id,
        undo=undo_key,
        closed_requests=closed,
    )
    if commit:
        db.session.commit()
    return undo_key


def approve_all(program: Program, actor: User) -> int:
    """Approve every proposed pair as one decision, undone together."""
    pairings = proposed_pairings(program)
    for pairing in pairings:  # refuse the whole decision before changing anything
        staff = staff_problem(program, pairing.mentee, pairing.mentor)
        if staff:
            raise MatchingError(f"{staff} Reject or change their proposed pair first.")
    undo_key = new_undo_key()
    approved = 0
    for pairing in pairings:
        try:
            approve(pairing, actor, commit=False, undo_key=undo_key)
            approved += 1
        except MatchingError:  # decided meanwhile by someone else: theirs stands
            continue
    db.session.commit()
    return approved


def reject(pairing: Pairing, actor: User) -> None:
    """Drop a proposed pair; the mentee waits for the next proposal."""
    if pairing.status is not PairingStatus.proposed:
        raise MatchingError(ALREADY_DECIDED)
    summary = f"Rejected {pairing.mentee.name} with {pairing.mentor.name}"
    program = pairing.program
    # A conditional DELETE: an approval that won the race keeps its (now active) pairing.
    dropped = db.session.execute(
        delete(Pairing)
        .where(Pairing.id == pairing.id, Pairing.status == PairingStatus.proposed)
        .execution_options(synchronize_session=False)
    )
    if dropped.rowcount != 1:
        db.session.rollback()
        raise MatchingError(ALREADY_DECIDED)
    db.session.expunge(pairing)
    audit.record(actor, "pairing.rejected", summary, program)
    db.session.commit()


def end_pairing(
    pairing: Pairing, reason: str, actor: User, commit: bool = True, *, email: bool = True
) -> int:
    """End an active pairing early; the mentee can then be matched again.

    Taken under a row lock, so two admins ending at once end it once. Future planned
    meetings are called off (an .ics CANCEL goes to each partner for agreed ones), both
    partners are told that it ended (never why), and the reason goes to the audit log.
    Returns how many meetings were called off.
    """
    reason = (reason or "").replace("\x00", "").strip()
    if not reason:
        raise MatchingError("Say why the pairing ends.")
    if len(reason) > END_REASON_MAX:
        raise MatchingError(f"Keep the reason under {END_REASON_MAX} characters.")
    if pairing.opens_at is not None and pairing.opens_at > utcnow():
        # Its partners have not been told they are paired: ending now would tell them of a
        # pairing that never opened. The undo takes the approval back without a word.
        raise MatchingError("Nobody has been told of this pairing yet: undo the approval instead.")
    # Claimed by a conditional UPDATE (on both databases): of two ends at once, one ends it.
    claimed = db.session.execute(
        update(Pairing)
        .where(Pairing.id == pairing.id, Pairing.status == PairingStatus.active)
        .values(status=PairingStatus.ended, ended_at=utcnow(), end_reason=reason)
        .execution_options(synchronize_session=False)
    )
    locked = db.session.get(Pairing, pairing.id, populate_existing=True)
    if claimed.rowcount != 1:
        raise MatchingError("Only an active pairing can be ended.")
    called_off = close_schedule(locked, actor)
    message = f"Your pairing in {locked.program.name} has ended."
    notify(locked.mentee, "pairing", message, path_for("dashboard.index"))
    notify(locked.mentor, "pairing", message, path_for("dashboard.index"))
    if email:  # a deactivation tells the partner in its own words instead
        for person in (locked.mentee, locked.mentor):
            news.tell(
                person,
                "pairing_ended",
                str(locked.id),
                program=locked.program,
                endpoint="dashboard.index",
                context={"partner": locked.partner_of(person)},
                pairing_id=locked.id,
            )
    audit.record(
        actor,
        "pairing.ended",
        f"Ended {locked.mentee.name} with {locked.mentor.name} early",
        locked.program,
        pairing_id=locked.id,
        reason=reason,
        meetings_called_off=called_off,
    )
    if commit:
        db.session.commit()
    return called_off


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
