"""Changing mentors on the board: find compatible mentors for one mentee, exchange two pairs.

The board never lists every mentor: an admin searches, and only mentors who keep every hard
rule for this mentee are offered. A mentor without a free place is offered as an exchange
with one of their proposed pairs, when that swap keeps the rules for both pairs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import (
    Membership,
    Pairing,
    PairingStatus,
    Program,
    Role,
    User,
)
from portal.services import access
from portal.services.matching.cohort import build_cohort
from portal.services.matching.proposals import (
    MatchingError,
    PairCheck,
    _membership,
    _person,
    check_pair,
    mentor_capacity,
)
from portal.services.matching.scoring import score_cohort
from portal.services.matching.settings import MatchingSettings
from portal.services.platform import audit
from portal.services.platform.paging import clean_text

# How many mentors a search looks at, and how many compatible ones it lists.
SEARCH_WINDOW = 300
CHOICES_SHOWN = 20
BUSY = (PairingStatus.active, PairingStatus.proposed)


@dataclass
class Exchange:
    """Two proposed pairs that would trade mentors, with both new scores and any problem."""

    first: Pairing
    second: Pairing
    first_check: PairCheck  # first's mentee with second's mentor
    second_check: PairCheck  # second's mentee with first's mentor

    @property
    def problem(self) -> str | None:
        return self.first_check.problem or self.second_check.problem

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def first_delta(self) -> float:
        return (self.first_check.score or 0) - (self.first.score or 0)

    @property
    def second_delta(self) -> float:
        return (self.second_check.score or 0) - (self.second.score or 0)

    @property
    def net(self) -> float:
        return self.first_delta + self.second_delta


def _proposed_pair(program: Program, pairing_id: int) -> Pairing:
    pairing = db.session.scalar(
        select(Pairing).where(
            Pairing.id == pairing_id,
            Pairing.program_id == program.id,
            Pairing.status == PairingStatus.proposed,
        )
    )
    if pairing is None:
        raise MatchingError("That pair is no longer proposed; reload the board.")
    return pairing


def exchange_check(first: Pairing, second_id: int) -> Exchange:
    """What exchanging the mentors of two proposed pairs would give, checked for both."""
    if first.status is not PairingStatus.proposed:
        raise MatchingError("Only proposed pairings can exchange mentors.")
    second = _proposed_pair(first.program, second_id)
    if second.id == first.id or second.mentor_id == first.mentor_id:
        raise MatchingError("Choose a pair with another mentor to exchange with.")
    both = [first, second]
    return Exchange(
        first,
        second,
        check_pair(first.program, first.mentee_id, second.mentor_id, replacing=both),
        check_pair(first.program, second.mentee_id, first.mentor_id, replacing=both),
    )


def exchange_mentors(first: Pairing, second_id: int, actor: User) -> Exchange:
    """Swap the mentors of two proposed pairs in one step, if both new pairs keep the rules."""
    exchange = exchange_check(first, second_id)
    if not exchange.ok:
        raise MatchingError(exchange.problem)
    second = exchange.second
    for pairing, check, before in (
        (first, exchange.first_check, first.mentor.name),
        (second, exchange.second_check, second.mentor.name),
    ):
        pairing.mentor_id = check.mentor.id
        pairing.score = round(check.score or 0, 2)
        pairing.explanation = {
            "factors": [f.to_json() for f in check.factors[:3]],
            "near_misses": [],
            "swapped_from": before,
        }
    audit.record(
        actor,
        "pairing.exchanged",
        f"Exchanged mentors: {exchange.first_check.mentee.name} now with "
        f"{exchange.first_check.mentor.name}, {exchange.second_check.mentee.name} now with "
        f"{exchange.second_check.mentor.name}",
        first.program,
    )
    db.session.commit()
    return exchange


# --- finding a mentor for one mentee -----------------------------------------------------


@dataclass
class MentorChoice:
    mentor: User
    score: float  # 0-100, this mentee with this mentor
    free: int
    exchange_with: Pairing | None = None  # the mentor is full: trade with this pair
    exchange_score: float | None = None  # that pair's mentee with our current mentor
    gain: float = 0.0  # change of the total score (both pairs for an exchange)

    @property
    def exchange_delta(self) -> float:
        """How the other pair's score changes in an exchange."""
        if self.exchange_with is None:
            return 0.0
        return (self.exchange_score or 0) - (self.exchange_with.score or 0)


@dataclass
class MentorChoices:
    program: Program
    mentee: User
    pairing: Pairing | None  # the mentee's proposed pair (a swap) or None (pair by hand)
    query: str
    choices: list[MentorChoice] = field(default_factory=list)
    looked_at: int = 0  # mentors that matched the search
    left_out: int = 0  # of those, how many break a hard rule or have no place to trade

    @property
    def current_score(self) -> float:
        return (self.pairing.score or 0) if self.pairing else 0.0


def _candidates(program: Program, query: str, exclude: set[int]) -> list[Membership]:
    select_mentors = (
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .options(joinedload(Membership.user))
        .where(
            Membership.active_in(program.id, Role.mentor),
            Membership.user_id.not_in(exclude),
        )
        .order_by(func.lower(User.name), User.id)
        .limit(SEARCH_WINDOW)
    )
    if query:
        select_mentors = select_mentors.where(
            or_(
                User.name.icontains(query, autoescape=True),
                User.email.icontains(query, autoescape=True),
            )
        )
    return list(db.session.scalars(select_mentors))


def mentor_choices(
    program: Program, mentee_id: int, query: str = "", limit: int = CHOICES_SHOWN
) -> MentorChoices:
    """Mentors this mentee could have, best first; only pairs that keep every hard rule."""
    mentee_m = _membership(program, mentee_id, Role.mentee)
    if mentee_m is None:
        raise MatchingError("This person is not an approved mentee of the programme.")
    pairing = db.session.scalar(
        select(Pairing)
        .options(joinedload(Pairing.mentor))
        .where(
            Pairing.program_id == program.id,
            Pairing.mentee_id == mentee_id,
            Pairing.status.in_(BUSY),
        )
    )
    if pairing is not None and pairing.status is PairingStatus.active:
        raise MatchingError("This mentee's pairing is approved; end it before changing mentors.")
    staff = access.program_staff_ids(program.id)
    if mentee_id in staff:
        raise MatchingError(access.partner_refusal(mentee_m.user, program) or "")
    query = clean_text(query)
    result = MentorChoices(program, mentee_m.user, pairing, query)
    # Nobody who runs the programme is offered as a mentor (access.partner_refusal).
    exclude = {mentee_id} | ({pairing.mentor_id} if pairing else set()) | staff
    members = _candidates(program, query, exclude)
    result.looked_at = len(members)
    if not members:
        return result
    ids = [m.user_id for m in members]
    load = dict(
        db.session.execute(
            select(Pairing.mentor_id, func.count(Pairing.id))
            .where(
                Pairing.program_id == program.id,
                Pairing.status.in_(BUSY),
                Pairing.mentor_id.in_(ids),
            )
            .group_by(Pairing.mentor_id)
        ).all()
    )
    weights = MatchingSettings.from_json(program.matching).effective_weights()
    ended = _ended_pairs(program, mentee_ids=[mentee_id])
    mentors = [_person(m, mentor_capacity(m)) for m in members]
    cohort = build_cohort([_person(mentee_m)], mentors, excluded_pairs=ended)
    matrix = score_cohort(cohort, weights)
    full: list[int] = []
    for j, member in enumerate(members):
        if not matrix.eligible[0, j]:
            continue
        free = mentor_capacity(member) - load.get(member.user_id, 0)
        score = float(matrix.score[0, j]) * 100
        if free > 0:
            gain = score - result.current_score
            result.choices.append(MentorChoice(member.user, score, free, gain=gain))
        elif pairing is not None:
            full.append(j)
    if full:
        scores = {members[j].user_id: float(matrix.score[0, j]) * 100 for j in full}
        result.choices += _exchange_choices(program, pairing, scores)
    result.left_out = result.looked_at - len(result.choices)
    result.choices.sort(key=lambda c: (-c.gain, c.mentor.name.lower()))
    del result.choices[limit:]
    return result


def _ended_pairs(program: Program, mentee_ids: list[int]) -> list[tuple[int, int]]:
    rows = db.session.execute(
        select(Pairing.mentor_id, Pairing.mentee_id).where(
            Pairing.program_id == program.id,
            Pairing.status == PairingStatus.ended,
            Pairing.mentee_id.in_(mentee_ids),
        )
    ).all()
    return [tuple(row) for row in rows]


def _exchange_choices(
    program: Program, pairing: Pairing, scores: dict[int, float]
) -> list[MentorChoice]:
    """For each full mentor, the best of their proposed pairs that could take our mentor.

    `scores` holds our mentee's score with each full mentor, by the mentor's user id.
    """
    theirs = list(
        db.session.scalars(
            select(Pairing)
            .options(joinedload(Pairing.mentee), joinedload(Pairing.mentor))
            .where(
                Pairing.program_id == program.id,
                Pairing.status == PairingStatus.proposed,
                Pairing.mentor_id.in_(list(scores)),
            )
        )
    )
    if not theirs:
        return []
    members = {
        m.user_id: m
        for m in db.session.scalars(
            select(Membership)
            .options(joinedload(Membership.user))
            .where(
                Membership.program_id == program.id,
                Membership.role == Role.mentee,
                Membership.user_id.in_([p.mentee_id for p in theirs]),
            )
        )
    }
    our_mentor = _membership(program, pairing.mentor_id, Role.mentor)
    theirs = [p for p in theirs if p.mentee_id in members]
    if our_mentor is None or not theirs:
        return []
    ended = _ended_pairs(program, [p.mentee_id for p in theirs])
    cohort = build_cohort(
        [_person(members[p.mentee_id]) for p in theirs],
        [_person(our_mentor, mentor_capacity(our_mentor))],
        excluded_pairs=ended,
    )
    weights = MatchingSettings.from_json(program.matching).effective_weights()
    back = score_cohort(cohort, weights)
    best: dict[int, MentorChoice] = {}
    for i, other in enumerate(theirs):
        if not back.eligible[i, 0]:
            continue
        mentor = other.mentor
        choice = MentorChoice(
            mentor,
            scores[mentor.id],
            0,
            exchange_with=other,
            exchange_score=float(back.score[i, 0]) * 100,
        )
        choice.gain = choice.score - (pairing.score or 0) + choice.exchange_delta
        current = best.get(mentor.id)
        if current is None or choice.gain > current.gain:
            best[mentor.id] = choice
    return list(best.values())
