"""Demo data for the guide: a programme at its midpoint with survey answers, a completed
pair with its year in review, and a pair whose meeting is tomorrow in a zone where it is
morning now, so a freshly started worker sends a reminder e-mail at once.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from portal.demo.builders import new_membership, new_pairing
from portal.demo.sharing import share_in
from portal.extensions import db
from portal.models import (
    Cadence,
    PairingStatus,
    Program,
    ProgramStatus,
    Role,
    User,
    utcnow,
)
from portal.models.guide import ClosingReflection, MeetingRating, SurveyResponse, SurveyRound
from portal.models.journal import EntryStatus, JournalEntry, Visibility
from portal.models.kickoff import Goal, GoalProgress, GoalRating, MeetingStatus, PlannedMeeting
from portal.models.meetings import Meeting
from portal.models.practice import CheckIn, Practice, PracticeStatus
from portal.services.accounts.demo_logins import DEMO_ACCOUNTS
from portal.services.reminders.settings import DEFAULT_QUESTIONS

# Zones from UTC-10 to UTC+14: whatever the hour, one of them is in its morning.
_ZONES = [
    "Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Denver",
    "America/Chicago", "America/New_York", "America/Halifax", "America/Sao_Paulo",
    "Atlantic/South_Georgia", "Atlantic/Azores", "Europe/London", "Europe/Berlin",
    "Europe/Athens", "Europe/Moscow", "Asia/Dubai", "Asia/Karachi", "Asia/Dhaka",
    "Asia/Bangkok", "Asia/Singapore", "Asia/Tokyo", "Australia/Brisbane", "Pacific/Noumea",
    "Pacific/Auckland", "Pacific/Tongatapu", "Pacific/Kiritimati",
]  # fmt: skip


# What a few people wrote to the programme team at the midpoint (some wrote nothing).
DEMO_COMMENTS = [
    "",
    "",
    "More structure for the first meetings, please.",
    "The practice check-ins keep me honest between meetings.",
    "A short guide for mentors on giving feedback would help.",
]


def morning_zone(now: datetime) -> str:
    """A real time zone where it is between 08:00 and 10:59 at `now` (naive UTC)."""
    for name in _ZONES:
        if 8 <= now.replace(tzinfo=UTC).astimezone(ZoneInfo(name)).hour < 11:
            return name
    return "UTC"


def _local(day: date, hour: int, zone: str) -> datetime:
    local = datetime.combine(day, time(hour)).replace(tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC).replace(tzinfo=None)


def seed_guide_demo(today: date, person, password_hash: str) -> dict[str, int]:
    """Add the guide's demo programmes; `person(email, name, tz)` makes a demo account."""
    rng = random.Random(12)
    now = utcnow()
    midyear = Program(
        name="Horizon Growth 2026",
        slug="growth-2026",
        description="A year of conversations every two weeks, halfway through now.",
        starts_on=today - timedelta(days=182),
        ends_on=today + timedelta(days=182),
        cadence=Cadence.biweekly,
        status=ProgramStatus.running,
    )
    past = Program(
        name="Horizon Leadership 2025",
        slug="leadership-2025",
        description="Last year's cohort, completed.",
        starts_on=today - timedelta(days=400),
        ends_on=today - timedelta(days=36),
        cadence=Cadence.monthly,
        status=ProgramStatus.completed,
    )
    db.session.add_all([midyear, past])

    def join(user: User, program: Program, role: Role) -> None:
        new_membership(user, program, role, decided_at=None)

    # The midpoint programme: six pairs; nine people have answered the midpoint survey.
    zone = morning_zone(now)
    people = []
    pairings = []
    for i in range(6):
        tz = zone if i == 0 else rng.choice(_ZONES)
        mentor = person(f"growth.mentor{i + 1}@example.org", f"Growth Mentor {i + 1}", tz)
        mentee = person(f"growth.mentee{i + 1}@example.org", f"Growth Mentee {i + 1}", tz)
        join(mentor, midyear, Role.mentor)
        join(mentee, midyear, Role.mentee)
        approved = now - timedelta(days=175)
        pairing = new_pairing(midyear, mentor, mentee, created_at=approved, approved_at=approved)
        people += [mentor, mentee]
        pairings.append(pairing)
    db.session.flush()
    for user in people[:9]:
        satisfaction = rng.choice([3, 4, 4, 5, 5])
        db.session.add(
            SurveyResponse(
                program_id=midyear.id,
                user_id=user.id,
                round=SurveyRound.midpoint,
                satisfaction=satisfaction,
                recommend=min(10, satisfaction * 2 + rng.choice([-1, 0, 0, 1])),
                progress=rng.choice([2, 3, 4, 4, 5]),
                comment=rng.choice(DEMO_COMMENTS),
                questions=dict(DEFAULT_QUESTIONS),
                submitted_at=now - timedelta(hours=rng.randint(1, 40)),
            )
        )
    for pairing in pairings:
        for weeks in (20, 16, 12, 8, 4, 2):
            meeting = Meeting(
                pairing_id=pairing.id,
                held_on=today - timedelta(weeks=weeks),
                happened=True,
                logged_by_id=pairing.mentee_id,
                created_at=now - timedelta(weeks=weeks),
            )
            db.session.add(meeting)
            db.session.flush()
            for user_id in (pairing.mentor_id, pairing.mentee_id):
                db.session.add(
                    MeetingRating(meeting_id=meeting.id, user_id=user_id, rating=rng.randint(3, 5))
                )
    # The first pair meets tomorrow at 10:00 in their zone, where it is morning now.
    first = pairings[0]
    local_today = now.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).date()
    db.session.add(
        PlannedMeeting(
            pairing_id=first.id,
            uid=f"{uuid.uuid4()}@horizon",
            sequence=1,
            starts_at=_local(local_today + timedelta(days=1), 10, zone),
            minutes=60,
            place="https://meet.example.org/growth-1",
            status=MeetingStatus.accepted,
            proposed_by_id=first.mentee_id,
        )
    )

    # The completed pair: the demo mentor and last year's mentee, with their year in review.
    mentor = db.session.scalar(db.select(User).where(User.email == "mentor@example.org"))
    alumna = person("alumna@example.org", DEMO_ACCOUNTS["alumna@example.org"][0], "Europe/Berlin")
    join(mentor, past, Role.mentor)
    join(alumna, past, Role.mentee)
    approved = datetime.combine(past.starts_on + timedelta(days=5), time(9))
    # Their year is told as it happened: material shared in the pairing while it ran (so its
    # audience is this pairing alone), then the pairing completed.
    done = new_pairing(past, mentor, alumna, created_at=approved, approved_at=approved)
    db.session.flush()
    for month in range(11):
        db.session.add(
            Meeting(
                pairing_id=done.id,
                held_on=past.starts_on + timedelta(days=14 + 31 * month),
                happened=True,
                logged_by_id=alumna.id,
                created_at=approved + timedelta(days=14 + 31 * month),
            )
        )
    goal = Goal(
        pairing_id=done.id,
        owner_id=alumna.id,
        title="Lead my first team retrospective",
        why="I want my team to own its improvements.",
        measure="Three retros run, one change adopted from each.",
        visibility=Visibility.shared,
        progress=GoalProgress.reached,
        created_at=approved,
    )
    db.session.add(goal)
    db.session.flush()
    for step, progress in enumerate(
        [GoalProgress.not_started, GoalProgress.started, GoalProgress.halfway, GoalProgress.reached]
    ):
        db.session.add(
            GoalRating(
                goal_id=goal.id,
                progress=progress,
                rated_on=past.starts_on + timedelta(days=10 + 100 * step),
            )
        )
    practice = Practice(
        owner_id=alumna.id,
        title="Practising active listening",
        idea="People open up when they feel heard.",
        action="In each one-to-one, summarise before answering.",
        starts_on=past.starts_on + timedelta(days=40),
        ends_on=past.starts_on + timedelta(days=61),
        per_week=3,
        visibility=Visibility.shared,
        status=PracticeStatus.done,
    )
    db.session.add(practice)
    db.session.flush()
    share_in(done, practice)
    for day in range(0, 21, 3):
        db.session.add(
            CheckIn(practice_id=practice.id, day=practice.starts_on + timedelta(days=day), note="")
        )
    published = datetime.combine(past.starts_on + timedelta(days=60), time(18))
    for author, title, body in (
        (alumna, "What the first retro taught me", "I talked too much. Next time I ask first."),
        (mentor, "The reorg I got wrong", "A story about moving too fast, and what I would keep."),
    ):
        story = JournalEntry(
            author_id=author.id,
            title=title,
            body=body,
            visibility=Visibility.shared,
            status=EntryStatus.published,
            created_at=published,
            updated_at=published,
            published_at=published,
        )
        db.session.add(story)
        share_in(done, story)
    closing_day = datetime.combine(past.ends_on - timedelta(days=10), time(19))
    for author, visibility, body in (
        (
            alumna,
            Visibility.shared,
            "## What I now understand about myself\n\nI lead best when I ask first.\n\n"
            "## The path forward for me\n\nA team of my own within the year.\n\n"
            "## What I will keep practising\n\nSummarising before answering.",
        ),
        (
            mentor,
            Visibility.shared,
            "## The path forward for me\n\nMentor again next year, and write down my stories.",
        ),
    ):
        entry = JournalEntry(
            author_id=author.id,
            title=f"Closing reflection: {past.name}",
            body=body,
            visibility=visibility,
            status=EntryStatus.published,
            created_at=closing_day,
            updated_at=closing_day,
            published_at=closing_day,
        )
        db.session.add(entry)
        db.session.flush()
        share_in(done, entry)
        db.session.add(ClosingReflection(pairing_id=done.id, user_id=author.id, entry_id=entry.id))
    done.status = PairingStatus.completed
    done.ended_at = datetime.combine(past.ends_on - timedelta(days=3), time(17))
    return {"survey_answers": 9, "completed_pairs": 1}
