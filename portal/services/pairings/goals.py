"""Goals on a pairing: what, why, how we will know, and a dated history of progress."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload, selectinload

from portal.extensions import db
from portal.models import Pairing, User, utcnow
from portal.models.circles import Circle, GoalCircleAudience
from portal.models.journal import Visibility
from portal.models.kickoff import Goal, GoalPractice, GoalProgress, GoalRating
from portal.models.practice import CheckIn, Practice
from portal.services import access, sharing
from portal.services.pairings import KickoffError
from portal.services.sharing import CIRCLE_PREFIX, PRIVATE_PREFIX

TITLE_LIMIT = 200
TEXT_LIMIT = 2000
GOALS_PER_PERSON = 8


def goals_of(user: User, pairing: Pairing) -> list[Goal]:
    """The pairing's goals the user may read, the mentee's first, oldest first."""
    query = (
        access.visible_goals(user)
        .where(Goal.pairing_id == pairing.id)
        .options(joinedload(Goal.owner), selectinload(Goal.ratings))
        .order_by((Goal.owner_id == pairing.mentee_id).desc(), Goal.created_at, Goal.id)
    )
    return list(db.session.scalars(query))


def _clean(title: str, why: str, measure: str) -> tuple[str, str, str]:
    title = " ".join((title or "").split())
    if not title:
        raise KickoffError("Write the goal in a few words.", "title")
    if len(title) > TITLE_LIMIT:
        raise KickoffError(f"Keep the goal under {TITLE_LIMIT} characters.", "title")
    for name, text in (("why", why), ("measure", measure)):
        if len((text or "").strip()) > TEXT_LIMIT:
            raise KickoffError(f"Keep this under {TEXT_LIMIT:,} characters.", name)
    return title, (why or "").strip(), (measure or "").strip()


def add_goal(
    pairing: Pairing,
    owner: User,
    *,
    title: str,
    why: str,
    measure: str,
    visibility: str,
    today: date,
    circle: str = "",
) -> Goal:
    """A new goal, with its first point of history: not started, today. `circle` (a
    ``circle-<id>`` choice) also shares it with one of the owner's circles (docs/circles.md)."""
    title, why, measure = _clean(title, why, measure)
    choice = _circle_choice(owner, circle, visibility)
    count = db.session.scalar(
        select(db.func.count(Goal.id)).where(
            Goal.pairing_id == pairing.id, Goal.owner_id == owner.id
        )
    )
    if count >= GOALS_PER_PERSON:
        raise KickoffError(
            f"Keep to {GOALS_PER_PERSON} goals or fewer: a few goals are easier to work on.",
            "title",
        )
    goal = Goal(
        pairing_id=pairing.id,
        owner_id=owner.id,
        title=title,
        why=why,
        measure=measure,
        visibility=Visibility(visibility),
        progress=GoalProgress.not_started,
    )
    db.session.add(goal)
    db.session.flush()
    db.session.add(GoalRating(goal_id=goal.id, progress=GoalProgress.not_started, rated_on=today))
    _share_in_circle(goal, owner, choice)
    db.session.flush()
    return goal


def circle_choices(user: User) -> list[tuple[str, str]]:
    """Whom in a circle the person may share a goal with now, (value, label) for the goal
    forms: each circle they share in, then each person of it alone where the programme
    allows that (``sharing.private_options``)."""
    circles = db.session.scalars(access.sharable_circles(user).order_by(Circle.id))
    choices = [
        (f"{CIRCLE_PREFIX}{c.id}", f"The circle “{c.theme}” in {c.program.name}") for c in circles
    ]
    return choices + [(o.value, o.label) for o in sharing.private_options(user)]


# A goal form's circle choice: ("circle", circle id), ("person", (circle id, person id)), or
# None for no circle.
CircleChoice = tuple[str, object] | None


def _circle_choice(user: User, value: str, visibility: str) -> CircleChoice:
    """What a goal form's circle field asks for; a circle or person who is not among the
    person's choices now, or a private goal, is refused next to the field."""
    value = (value or "").strip()
    if not value:
        return None
    if value.startswith(PRIVATE_PREFIX):
        if visibility != Visibility.shared.value:
            raise KickoffError(
                "A goal shared with one person is shared: choose “Shared” above, or no circle.",
                "circle",
            )
        try:
            return ("person", sharing.resolve_private(user, value))
        except sharing.SharingError as error:
            raise KickoffError(str(error), "circle") from None
    if value not in dict(circle_choices(user)):
        raise KickoffError("Choose one of your circles, or no circle.", "circle")
    if visibility != Visibility.shared.value:
        raise KickoffError(
            "A goal shared with a circle is shared: choose “Shared” above, or no circle.",
            "circle",
        )
    return ("circle", int(value.removeprefix(CIRCLE_PREFIX)))


def _share_in_circle(goal: Goal, owner: User, choice: CircleChoice) -> None:
    """Share the goal with exactly this circle, or this one person of a circle, or neither,
    among the circles the owner shares in now; rows of circles the owner left, and of people
    who left, stay (they keep what was shared with them). Checked again under locks."""
    db.session.execute(select(Goal.id).where(Goal.id == goal.id).with_for_update())
    sharable = set(db.session.scalars(access.sharable_circles(owner).with_only_columns(Circle.id)))
    circle_id = choice[1] if choice and choice[0] == "circle" else None
    if circle_id is not None and circle_id not in sharable:
        raise KickoffError("Choose one of your circles, or no circle.", "circle")
    stale = sharable - {circle_id}
    if stale:
        db.session.execute(
            delete(GoalCircleAudience).where(
                GoalCircleAudience.goal_id == goal.id, GoalCircleAudience.circle_id.in_(stale)
            )
        )
    existing = set(
        db.session.scalars(
            select(GoalCircleAudience.circle_id).where(GoalCircleAudience.goal_id == goal.id)
        )
    )
    if circle_id is not None and circle_id not in existing:
        db.session.add(GoalCircleAudience(goal_id=goal.id, circle_id=circle_id))
    target = choice[1] if choice and choice[0] == "person" else None
    try:
        sharing.set_private_share(goal, owner, target)
    except sharing.SharingError as error:
        raise KickoffError(str(error), "circle") from None


def circle_choice_of(goal: Goal, user: User) -> str:
    """The goal form's circle value for the goal as it is shared now (edit form), or ""."""
    choices = dict(circle_choices(user))
    for circle_id, person_id in sorted(sharing.private_share_ids(goal)):
        if f"{PRIVATE_PREFIX}{circle_id}-{person_id}" in choices:
            return f"{PRIVATE_PREFIX}{circle_id}-{person_id}"
    for circle_id in db.session.scalars(
        select(GoalCircleAudience.circle_id).where(GoalCircleAudience.goal_id == goal.id)
    ):
        if f"{CIRCLE_PREFIX}{circle_id}" in choices:
            return f"{CIRCLE_PREFIX}{circle_id}"
    return ""


def circle_line(goal: Goal) -> str:
    """For the goal's owner: who besides the pairing reads it through a circle ("" if nobody)."""
    if not goal.is_shared:
        return ""
    circles = list(
        db.session.scalars(
            select(Circle)
            .join(GoalCircleAudience, GoalCircleAudience.circle_id == Circle.id)
            .where(GoalCircleAudience.goal_id == goal.id)
            .order_by(Circle.id)
        )
    )
    people = access.goal_private_readers(goal)
    if not circles and not people:
        return ""
    owner = db.session.get(User, goal.owner_id)
    listed = sharing.audience_sentence(owner, [], circles, people).split("; nobody else")[0]
    ending = "; nobody else in the circle." if people and not circles else "."
    return f"Also s{listed[1:]}{ending}"


def edit_goal(
    goal: Goal,
    *,
    title: str,
    why: str,
    measure: str,
    visibility: str,
    circle: str | None = None,
) -> Goal:
    """Rewrite the goal; ``circle`` (the edit form's choice, None leaves it) also says with
    which of the owner's circles, or which one person of a circle, it is shared now."""
    title, why, measure = _clean(title, why, measure)
    if circle is not None:
        owner = db.session.get(User, goal.owner_id)
        _share_in_circle(goal, owner, _circle_choice(owner, circle, visibility))
    goal.title, goal.why, goal.measure = title, why, measure
    goal.visibility = Visibility(visibility)
    goal.updated_at = utcnow()
    return goal


def rate_goal(goal: Goal, progress: str, note: str, today: date) -> GoalRating:
    """Record where the goal stands today; the goal keeps its newest rating."""
    try:
        value = GoalProgress(progress)
    except ValueError:
        raise KickoffError("Choose how far along the goal is.", "progress") from None
    note = (note or "").strip()
    if len(note) > TEXT_LIMIT:
        raise KickoffError(f"Keep the note under {TEXT_LIMIT:,} characters.", "note")
    rating = GoalRating(goal_id=goal.id, progress=value, note=note, rated_on=today)
    db.session.add(rating)
    goal.progress = value
    goal.updated_at = utcnow()
    db.session.flush()
    return rating


def linkable_practices(user: User, goal: Goal) -> list[Practice]:
    """The owner's own practices, which may serve this goal."""
    return list(
        db.session.scalars(
            select(Practice).where(Practice.owner_id == user.id).order_by(Practice.starts_on.desc())
        )
    )


def link_practice(goal: Goal, user: User, practice_id: int | None) -> None:
    """Say which goal one of your own practices serves (a practice serves one goal)."""
    practice = db.session.get(Practice, practice_id) if practice_id else None
    if practice is None or practice.owner_id != user.id:
        raise KickoffError("Choose one of your own practices.", "practice_id")
    link = db.session.get(GoalPractice, practice.id) or GoalPractice(practice_id=practice.id)
    link.goal_id = goal.id
    db.session.add(link)


def unlink_practice(goal: Goal, user: User, practice_id: int) -> None:
    link = db.session.get(GoalPractice, practice_id)
    practice = db.session.get(Practice, practice_id)
    if link is None or link.goal_id != goal.id or practice is None or practice.owner_id != user.id:
        raise PermissionError("not your practice on this goal")
    db.session.delete(link)


@dataclass
class GoalDetail:
    goal: Goal
    ratings: list[GoalRating]
    practices: list[Practice] = field(default_factory=list)
    check_ins: dict[int, list[CheckIn]] = field(default_factory=dict)


def goal_detail(user: User, goal: Goal) -> GoalDetail:
    """The goal, its history, and the practices serving it that the viewer may read."""
    ratings = list(
        db.session.scalars(
            access.visible_goal_ratings(user)
            .where(GoalRating.goal_id == goal.id)
            .order_by(GoalRating.rated_on, GoalRating.id)
        )
    )
    linked = select(GoalPractice.practice_id).where(GoalPractice.goal_id == goal.id)
    practices = list(
        db.session.scalars(
            access.visible_practices(user)
            .where(Practice.id.in_(linked))
            .options(joinedload(Practice.owner))
            .order_by(Practice.starts_on.desc())
        )
    )
    check_ins: dict[int, list[CheckIn]] = {p.id: [] for p in practices}
    if practices:
        rows = db.session.scalars(
            access.visible_check_ins(user)
            .where(CheckIn.practice_id.in_(list(check_ins)))
            .order_by(CheckIn.day.desc(), CheckIn.id.desc())
        )
        for row in rows:
            check_ins[row.practice_id].append(row)
    return GoalDetail(goal, ratings, practices, check_ins)


@dataclass
class GoalSince:
    """A goal on the prep page: where it stood at the last meeting and where it stands now."""

    goal: Goal
    then: GoalProgress | None
    now: GoalProgress

    @property
    def moved(self) -> int:
        return self.now.step - (self.then.step if self.then else 0)


def goals_since(user: User, pairing: Pairing, since: date | None) -> list[GoalSince]:
    """The pair's shared goals with their progress since the last meeting (never private ones)."""
    goals = [g for g in goals_of(user, pairing) if g.is_shared]
    result = []
    for goal in goals:
        before = [r for r in goal.ratings if since is not None and r.rated_on <= since]
        result.append(GoalSince(goal, before[-1].progress if before else None, goal.progress))
    return result


# The smallest horizontal gap between two points of the progress line, so two ratings of one
# day (or of days close together) show as two points, in order, never stacked on one line.
MIN_GAP = 14


def progress_points(ratings: list[GoalRating], width: int = 560, height: int = 120) -> list[tuple]:
    """(x, y, rating) points of the progress line, scaled to the chart's drawing area.

    x follows the date; a rating on the same day as the one before (or too close to it) moves
    right by MIN_GAP, and the whole line is squeezed back into the drawing area if needed.
    """
    if not ratings:
        return []
    left, right = 30, width - 10
    first, last = ratings[0].rated_on, ratings[-1].rated_on
    span = max((last - first).days, 1)
    xs: list[float] = []
    for rating in ratings:
        x = left + (right - left) * (rating.rated_on - first).days / span
        xs.append(max(x, xs[-1] + MIN_GAP) if xs else x)
    if xs[-1] > right:  # squeeze: keep the order and the gaps' proportions
        xs = [left + (x - left) * (right - left) / (xs[-1] - left) for x in xs]
    points = []
    for x, rating in zip(xs, ratings, strict=True):
        y = height - 20 - (height - 40) * rating.progress.step / 4
        points.append((round(x, 1), round(y, 1), rating))
    return points
