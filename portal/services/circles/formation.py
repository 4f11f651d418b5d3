"""The programme team forms circles: by hand, or proposed for the whole cohort; moves a member
between proposed circles (the fit change is shown), and approves with the undo window of pairs.

Members are the programme's active mentees, facilitators its active mentors. A person is in
at most one live (proposed or active) circle of a programme, as a member or as its facilitator;
every decision that two people could take at once locks the memberships it concerns first.
Staff (portal admins, the programme's leads) are never placed (``access.circle_refusal``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from portal.extensions import db
from portal.models import Membership, Program, Role, User, utcnow
from portal.models.circles import (
    LARGEST_CIRCLE,
    SMALLEST_CIRCLE,
    Circle,
    CircleMember,
    CircleStatus,
)
from portal.services import access
from portal.services.matching import circles as matcher
from portal.services.matching.cohort import Person
from portal.services.platform import audit
from portal.services.platform.links import path_for
from portal.services.platform.notifications import held_until, notify
from portal.services.programmes.holds import ALREADY_DECIDED, new_undo_key

LIVE = (CircleStatus.proposed, CircleStatus.active)


class CircleError(ValueError):
    """The circle decision cannot be taken; the message says why (shown to the team)."""


def settings_of(program: Program) -> matcher.CircleSettings:
    """The programme's circle settings (``program.matching["circles"]``), within bounds."""
    raw = (program.matching or {}).get("circles") or {}

    def number(key: str, default: int, low: int, high: int) -> int:
        try:
            return max(low, min(high, int(raw.get(key, default))))
        except (TypeError, ValueError):
            return default

    min_size = number("min_size", 3, SMALLEST_CIRCLE, LARGEST_CIRCLE)
    max_size = max(min_size, number("max_size", 8, SMALLEST_CIRCLE, LARGEST_CIRCLE))
    per_department = number("max_per_department", 1, 0, LARGEST_CIRCLE)
    return matcher.CircleSettings(min_size, max_size, per_department, None)


def _live_user_ids(program: Program) -> set[int]:
    """Everyone in a live circle of the programme, as member or facilitator."""
    live = select(Circle.id).where(Circle.program_id == program.id, Circle.status.in_(LIVE))
    members = select(CircleMember.user_id).where(
        CircleMember.circle_id.in_(live), CircleMember.left_at.is_(None)
    )
    facilitators = select(Circle.facilitator_id).where(
        Circle.program_id == program.id, Circle.status.in_(LIVE)
    )
    return set(db.session.scalars(members)) | set(db.session.scalars(facilitators))


def _active(program: Program, role: Role) -> list[Membership]:
    query = (
        select(Membership)
        .options(joinedload(Membership.user))
        .where(Membership.active_in(program.id, role))
        .order_by(Membership.id)
    )
    return list(db.session.scalars(query))


def _person(membership: Membership) -> Person:
    user = membership.user
    return Person(user.id, user.name, membership.profile or {}, user.email)


def _lock_memberships(program: Program, user_ids: list[int]) -> dict[int, Membership]:
    """The active memberships of these people in the programme, locked in id order."""
    query = (
        select(Membership)
        .where(
            Membership.program_id == program.id,
            Membership.user_id.in_(sorted(set(user_ids))),
            Membership.status == "active",
        )
        .order_by(Membership.id)
        .with_for_update()
    )
    return {m.user_id: m for m in db.session.scalars(query)}


def _refuse_staff(program: Program, users: list[User]) -> None:
    for user in users:
        refusal = access.circle_refusal(user, program)
        if refusal:
            raise CircleError(refusal)


def form_circle(
    program: Program,
    facilitator_id: int,
    member_ids: list[int],
    theme: str,
    actor: User,
) -> Circle:
    """A proposed circle formed by hand; nobody is told until it is approved."""
    settings = settings_of(program)
    theme = (theme or "").replace("\x00", "").strip()[:200]
    if not theme:
        raise CircleError("Give the circle a theme.")
    member_ids = sorted(set(member_ids) - {facilitator_id})
    if not member_ids:
        raise CircleError("Choose at least one member.")
    if len(member_ids) > settings.max_size:
        raise CircleError(f"A circle has at most {settings.max_size} members.")
    memberships = _lock_memberships(program, [facilitator_id, *member_ids])
    facilitator = memberships.get(facilitator_id)
    if facilitator is None or facilitator.role is not Role.mentor:
        raise CircleError("The facilitator must be an active mentor of this programme.")
    missing = [i for i in member_ids if i not in memberships]
    if missing:
        raise CircleError("Every member must be an active participant of this programme.")
    _refuse_staff(program, [m.user for m in memberships.values()])
    taken = _live_user_ids(program) & {facilitator_id, *member_ids}
    if taken:
        names = ", ".join(sorted(memberships[i].user.name for i in taken))
        raise CircleError(f"Already in a circle of this programme: {names}.")
    circle = Circle(
        program=program,
        facilitator_id=facilitator_id,
        facilitator_membership=facilitator,
        theme=theme,
        cadence=program.cadence,
        min_size=settings.min_size,
        max_size=settings.max_size,
    )
    db.session.add(circle)
    for user_id in member_ids:
        circle.stints.append(
            CircleMember(user_id=user_id, membership=memberships[user_id], joined_at=utcnow())
        )
    db.session.flush()
    audit.record(actor, "circle.formed", f"Formed a circle: {theme}", program, circle_id=circle.id)
    db.session.commit()
    return circle


@dataclass
class CohortProposal:
    circles: list[Circle]
    unplaced: list[tuple[str, str]]
    solution: matcher.CircleSolution


def propose_for_cohort(program: Program, actor: User, theme: str = "") -> CohortProposal:
    """Replace the programme's proposed circles by the matcher's, for everyone not yet in an
    active circle. Nobody is told until the team approves."""
    settings = settings_of(program)
    db.session.execute(
        delete(Circle).where(
            Circle.program_id == program.id, Circle.status == CircleStatus.proposed
        )
    )
    taken = _live_user_ids(program)
    staff = access.program_staff_ids(program.id)
    members = [m for m in _active(program, Role.mentee) if m.user_id not in taken | staff]
    facilitators = [m for m in _active(program, Role.mentor) if m.user_id not in taken | staff]
    proposal = matcher.propose_circles(
        [_person(m) for m in members], [_person(m) for m in facilitators], settings
    )
    by_user = {m.user_id: m for m in [*members, *facilitators]}
    saved = []
    for proposed in proposal.circles:
        facilitator = by_user[proposed.facilitator.user_id]
        circle = Circle(
            program=program,
            facilitator_id=facilitator.user_id,
            facilitator_membership=facilitator,
            theme=(theme or f"Circle with {facilitator.user.name}")[:200],
            cadence=program.cadence,
            min_size=settings.min_size,
            max_size=settings.max_size,
            score=round(proposed.score, 1),
            explanation={"meeting_hour_utc": proposed.meeting_hour_utc},
        )
        for member in proposed.members:
            circle.stints.append(
                CircleMember(
                    user_id=member.member.user_id,
                    membership=by_user[member.member.user_id],
                    joined_at=utcnow(),
                    score=round(member.score, 1),
                    explanation=member.explanation(),
                )
            )
        db.session.add(circle)
        saved.append(circle)
    solution = proposal.solution
    audit.record(
        actor,
        "circle.proposed",
        f"Proposed {len(saved)} circles ({solution.placed} placed)",
        program,
        gap=solution.gap,
    )
    db.session.commit()
    unplaced = [(person.name, reason) for person, reason in proposal.unplaced]
    return CohortProposal(saved, unplaced, solution)


def proposed_circle(program: Program, circle_id: int) -> Circle:
    """A circle of the programme (any status), or CircleError."""
    circle = db.session.scalar(
        select(Circle).where(Circle.id == circle_id, Circle.program_id == program.id)
    )
    if circle is None:
        raise CircleError("That circle is not in this programme.")
    return circle


def fit_of(program: Program, member_id: int, facilitator_ids: list[int]) -> list[float]:
    """A member's fit (0-100) with each of these facilitators, by the matcher's FACTORS."""
    people = {
        m.user_id: m
        for m in _active(program, Role.mentee) + _active(program, Role.mentor)
        if m.user_id in {member_id, *facilitator_ids}
    }
    if member_id not in people or any(f not in people for f in facilitator_ids):
        return [0.0 for _ in facilitator_ids]
    problem, _ = matcher.build_problem(
        [_person(people[member_id])],
        [_person(people[f]) for f in facilitator_ids],
        settings_of(program),
    )
    return [float(problem.fit[0, j]) / matcher.FIT_SCALE * 100 for j in range(len(facilitator_ids))]


@dataclass
class Move:
    name: str
    before: float
    after: float

    @property
    def change(self) -> float:
        return round(self.after - self.before, 1)


def move_member(program: Program, stint_id: int, to_circle_id: int, actor: User) -> Move:
    """Move a member of a proposed circle to another proposed circle of the programme."""
    stint = db.session.get(CircleMember, stint_id)
    if stint is None or stint.circle.program_id != program.id or stint.left_at is not None:
        raise CircleError("That member is not in a circle of this programme.")
    source = db.session.scalar(select(Circle).where(Circle.id == stint.circle_id).with_for_update())
    target = db.session.scalar(
        select(Circle)
        .where(Circle.id == to_circle_id, Circle.program_id == program.id)
        .with_for_update()
    )
    if target is None or source is None:
        raise CircleError("Choose a circle of this programme.")
    if CircleStatus.proposed not in (source.status, target.status) or (
        source.status is not target.status
    ):
        raise CircleError("Members move only between proposed circles (approve afterwards).")
    if target.id == source.id:
        raise CircleError("The member is already in that circle.")
    if len(target.current_stints) >= target.max_size:
        raise CircleError(f"That circle is full ({target.max_size} members).")
    settings = settings_of(program)
    if settings.max_per_department:
        department = (stint.membership.profile or {}).get("department")
        same = [
            s
            for s in target.current_stints
            if department and (s.membership.profile or {}).get("department") == department
        ]
        if len(same) >= settings.max_per_department:
            raise CircleError("That circle already has a member of the same department.")
    before, after = fit_of(program, stint.user_id, [source.facilitator_id, target.facilitator_id])
    stint.circle = target
    stint.score = round(after, 1)
    stint.explanation = None
    audit.record(
        actor,
        "circle.moved",
        f"Moved {stint.user.name} to the circle with {target.facilitator.name}",
        program,
        circle_id=target.id,
    )
    db.session.commit()
    return Move(stint.user.name, before, after)


def approve(circle: Circle, actor: User, undo_key: str | None = None) -> str:
    """Approve a proposed circle: its facilitator and members are told after the undo window,
    and only then see it. Claimed by a conditional UPDATE (proposed -> active)."""
    if circle.status is not CircleStatus.proposed:
        raise CircleError(ALREADY_DECIDED)
    program = circle.program
    stints = circle.current_stints
    if not circle.min_size <= len(stints) <= circle.max_size:
        raise CircleError(
            f"A circle has {circle.min_size} to {circle.max_size} members; this one has "
            f"{len(stints)}."
        )
    _lock_memberships(program, [circle.facilitator_id, *(s.user_id for s in stints)])
    _refuse_staff(program, [circle.facilitator, *(s.user for s in stints)])
    approved_at = utcnow()
    opens_at = held_until(approved_at)
    claimed = db.session.execute(
        update(Circle)
        .where(Circle.id == circle.id, Circle.status == CircleStatus.proposed)
        .values(status=CircleStatus.active, approved_at=approved_at, opens_at=opens_at)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.refresh(circle)
        raise CircleError(ALREADY_DECIDED)
    set_committed_value(circle, "status", CircleStatus.active)
    set_committed_value(circle, "approved_at", approved_at)
    set_committed_value(circle, "opens_at", opens_at)
    for stint in stints:
        stint.joined_at = approved_at
    undo_key = undo_key or new_undo_key()
    link = path_for("circles.circle", circle_id=circle.id)
    notify(
        circle.facilitator,
        "circle",
        f"You facilitate a circle in {program.name}.",
        link,
        hold=undo_key,
    )
    for stint in stints:
        notify(stint.user, "circle", f"You joined a circle in {program.name}.", link, hold=undo_key)
    audit.record(
        actor,
        "circle.approved",
        f"Approved the circle with {circle.facilitator.name} ({len(stints)} members)",
        program,
        circle_id=circle.id,
        undo=undo_key,
    )
    db.session.commit()
    return undo_key


def circles_of(program: Program) -> list[Circle]:
    """The programme's circles for the team's page: live first, newest first."""
    query = (
        select(Circle)
        .options(
            selectinload(Circle.stints).joinedload(CircleMember.user),
            joinedload(Circle.facilitator),
        )
        .where(Circle.program_id == program.id)
        .order_by(Circle.status, Circle.id.desc())
    )
    return list(db.session.scalars(query))


def candidates(program: Program) -> tuple[list[Membership], list[Membership]]:
    """Who may still be placed by hand: (members, facilitators) not in a live circle."""
    taken = _live_user_ids(program) | access.program_staff_ids(program.id)
    members = [m for m in _active(program, Role.mentee) if m.user_id not in taken]
    facilitators = [m for m in _active(program, Role.mentor) if m.user_id not in taken]
    return members, facilitators
