"""Demo data for programme insights: a believable year so far, with a health mix and outcomes.

The running demo programme gets more pairs with meetings, practice check-ins, shared
entries, comments and agenda points; one pair needs a check-in, one is at risk, two are too
new to tell; both partners rate their meetings (the guide's "how useful was it?"), which feeds
the survey figure; HR outcomes feed the ROI page. The programme has not reached its midpoint, so
no pulse survey has opened yet.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from portal.demo.builders import new_pairing, new_participant, new_user
from portal.demo.sharing import share_in
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
from portal.models.guide import MeetingRating
from portal.models.insights import OutcomeGroup, OutcomeRecord
from portal.models.journal import EntryComment, JournalEntry, Visibility
from portal.models.kickoff import Goal, GoalProgress
from portal.models.meetings import AgendaPoint, Meeting
from portal.models.practice import CheckIn, Practice, PracticeStatus, PracticeTemplate
from portal.services.matching.synthetic import LOCATIONS
from portal.services.pairings.agreement import start_agreement

EXTRA_PAIRS = 22
NEW_PAIRS = 2
FIRST = "Ada Bea Cyd Dov Eda Fin Gil Hal Ines Jon Kai Liv Max Nia Oto Pam Rui Sol Teo Ulla Vi Wim"
LAST = "Amsel Berg Cruz Dahl Engel Falk Gray Holm Iver Jung Kern Lind Moss Nash Ortiz Park"
TITLES = [
    "What I noticed in the team meeting",
    "A failure I learned from",
    "Before our next conversation",
    "Trying the listening practice",
    "Where I want to be in a year",
]


def _at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour))


def _people(rng: random.Random, program: Program, password_hash: str) -> list[tuple[User, User]]:
    """New mentor and mentee accounts with memberships in the running programme."""
    firsts, lasts = FIRST.split(), LAST.split()
    pairs = []
    for i in range(EXTRA_PAIRS + NEW_PAIRS):
        made = []
        for role in (Role.mentor, Role.mentee):
            last = lasts[(i + 7 * (role is Role.mentee)) % len(lasts)]
            name = f"{firsts[(i * 2 + (role is Role.mentee)) % len(firsts)]} {last}"
            email = f"{role.value}.{i + 10}@example.org"
            zone = rng.choice(LOCATIONS)[1]
            user = new_user(email, name, password_hash=password_hash, timezone=zone)
            new_participant(user, program, role, rng, max_capacity=2)
            made.append(user)
        pairs.append((made[0], made[1]))
    return pairs


def _kickoff(pairing: Pairing, approved: date) -> None:
    """A signed agreement and one goal, as a settled pair has."""
    agreement = start_agreement(pairing)
    version = agreement.versions[0]
    version.mentor_signed_at = _at(approved + timedelta(days=6), 10)
    version.mentee_signed_at = _at(approved + timedelta(days=7), 9)
    db.session.add(
        Goal(
            pairing_id=pairing.id,
            owner_id=pairing.mentee_id,
            title="Lead my first project retrospective",
            progress=GoalProgress.started,
            created_at=_at(approved + timedelta(days=8)),
        )
    )


def _activity(
    rng: random.Random,
    pairing: Pairing,
    start: date,
    last_day: date,
    templates: list[PracticeTemplate],
) -> None:
    """Check-ins, shared entries, comments and agenda points from `start` to `last_day`."""
    for person, partner in ((pairing.mentee, pairing.mentor), (pairing.mentor, pairing.mentee)):
        template = rng.choice(templates) if templates else None
        practice = Practice(
            owner=person,
            title=template.title if template else "Practise active listening",
            action=template.action if template else "",
            template_id=template.id if template else None,
            starts_on=start,
            ends_on=max(last_day, start),
            per_week=3,
            visibility=Visibility.shared,
            status=rng.choice([PracticeStatus.open, PracticeStatus.done, PracticeStatus.done]),
        )
        db.session.add(practice)
        shared = [practice]
        day = start
        while day <= last_day:
            if rng.random() < 0.3:
                practice.check_ins.append(CheckIn(day=day, note="Noticed how it went."))
            if rng.random() < 0.08:
                entry = JournalEntry(
                    author=person,
                    title=rng.choice(TITLES),
                    body="A demo entry.",
                    visibility=Visibility.shared,
                    created_at=_at(day, 18),
                    updated_at=_at(day, 18),
                    published_at=_at(day, 18),
                )
                db.session.add(entry)
                shared.append(entry)
                if rng.random() < 0.6:
                    entry.comments.append(
                        EntryComment(
                            author=partner,
                            body="Thank you for this.",
                            created_at=_at(day, 20),
                            pairing_id=pairing.id,  # written in their relationship
                        )
                    )
            if rng.random() < 0.03:
                db.session.add(
                    AgendaPoint(
                        pairing_id=pairing.id,
                        author_id=person.id,
                        text="Talk about what I noticed",
                        created_at=_at(day, 8),
                    )
                )
            day += timedelta(days=1)
        share_in(pairing, *shared)


def _meetings(
    rng: random.Random, pairing: Pairing, approved: date, last_met: date
) -> list[Meeting]:
    """Meetings about every four weeks from approval up to `last_met`."""
    day = approved + timedelta(days=rng.randint(5, 20))
    held = []
    while day < last_met - timedelta(days=10):
        held.append(day)
        day += timedelta(days=rng.randint(21, 33))
    held.append(last_met)
    meetings = [Meeting(pairing_id=pairing.id, held_on=on, happened=True, notes="") for on in held]
    db.session.add_all(meetings)
    return meetings


def _ratings(rng: random.Random, pairing: Pairing, meetings: list[Meeting]) -> None:
    """Most meetings rated by each partner the day after, mostly useful (3 to 5 of 5)."""
    db.session.flush()
    for meeting in meetings:
        for person_id in (pairing.mentor_id, pairing.mentee_id):
            if rng.random() < 0.8:
                db.session.add(
                    MeetingRating(
                        meeting_id=meeting.id,
                        user_id=person_id,
                        rating=rng.choice([3, 4, 4, 5, 5]),
                        created_at=_at(meeting.held_on + timedelta(days=1), 9),
                    )
                )


def seed_insights_demo(today: date, password_hash: str) -> None:
    """More pairs with a season of activity, ratings and HR outcomes for the demo programme."""
    rng = random.Random(13)
    program = db.session.scalar(select(Program).where(Program.slug == "leadership-2026"))
    if program is None:
        return
    templates = list(db.session.scalars(select(PracticeTemplate).order_by(PracticeTemplate.id)))
    approved_on = today - timedelta(days=110)
    # The demo's first pairs: pair 1 (the demo mentor and mentee) keeps its own data.
    existing = list(
        db.session.scalars(
            select(Pairing)
            .where(Pairing.program_id == program.id, Pairing.status == PairingStatus.active)
            .order_by(Pairing.id)
        )
    )
    for pairing in existing:
        pairing.score = round(rng.uniform(62, 88), 1)
    plans = {}
    if len(existing) >= 4:
        # One needs a check-in (no meeting for 40 days), one is at risk (75 days, quiet).
        plans[existing[1].id] = ("check_in", 40)
        plans[existing[2].id] = ("at_risk", 75)
        plans[existing[3].id] = ("thriving", 12)
    new_people = _people(rng, program, password_hash)
    db.session.flush()
    pairs = list(existing[1:])
    for i, (mentor, mentee) in enumerate(new_people):
        fresh = i >= EXTRA_PAIRS
        approved = today - timedelta(days=8) if fresh else approved_on
        approved_at = _at(approved, 9)
        score = round(rng.uniform(48, 92), 1)
        pairing = new_pairing(
            program, mentor, mentee, created_at=approved_at, approved_at=approved_at, score=score
        )
        db.session.flush()
        pairs.append(pairing)
        plans[pairing.id] = ("new", 0) if fresh else ("thriving", rng.randint(3, 27))
    for pairing in pairs:
        kind, days = plans.get(pairing.id, ("thriving", 14))
        approved = pairing.approved_at.date()
        if kind == "new":
            continue
        _kickoff(pairing, approved)
        meetings = _meetings(rng, pairing, approved, today - timedelta(days=days))
        quiet_from = today - timedelta(days=45) if kind == "at_risk" else today
        _activity(rng, pairing, approved + timedelta(days=3), quiet_from, templates)
        if kind == "check_in":
            # Active partners who have not met for a while.
            pairing.score = 58.0
        if kind == "at_risk":
            pairing.score = 51.0
        if kind != "at_risk":
            # The quiet pair stopped answering as well as meeting.
            _ratings(rng, pairing, meetings)
    _outcomes(rng, program, today)


def _outcomes(rng: random.Random, program: Program, today: date) -> None:
    """HR dates for every participant and a comparison group of 180 colleagues."""
    start = program.starts_on
    emails = db.session.scalars(
        select(User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.program_id == program.id, Membership.status == MembershipStatus.active)
    ).all()
    people = [(e, OutcomeGroup.participant, 0.03, 0.12) for e in emails]
    people += [
        (f"colleague{i}@example.org", OutcomeGroup.comparison, 0.09, 0.05) for i in range(180)
    ]
    span = max((today - start).days, 1)
    for email, group, leave, promote in people:
        left = start + timedelta(days=rng.randint(1, span)) if rng.random() < leave else None
        promoted = start + timedelta(days=rng.randint(1, span)) if rng.random() < promote else None
        db.session.add(
            OutcomeRecord(
                program_id=program.id,
                email=email,
                group=group,
                hired_on=start - timedelta(days=rng.randint(200, 3000)),
                promoted_on=promoted,
                left_on=left,
            )
        )
