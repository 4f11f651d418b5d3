"""Demo data for the kick-off: profiles, agreements (one signed, one waiting), goals, meetings."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portal.extensions import db
from portal.models import Pairing, Program, User
from portal.models.journal import Visibility
from portal.models.kickoff import (
    Agreement,
    AgreementTemplate,
    AgreementVersion,
    Goal,
    GoalPractice,
    GoalProgress,
    GoalRating,
    MeetingStatus,
    PartnerProfile,
    PlannedMeeting,
)
from portal.models.practice import Practice
from portal.services.pairings.agreement import DEFAULT_SECTIONS

BIOS = {
    "mentor@example.org": (
        "Engineering manager for eight years, two teams, one failed reorg I learned a lot from.",
        "A mentee who pushes back, and a fresh look at how newer leads see management.",
        "Stories from the messy middle of leading: hiring, conflict, saying no.",
    ),
    "mentee@example.org": (
        "Senior analyst in Sales Ops, moving towards leading a small team next year.",
        "Confidence in running meetings, and honest feedback on how I come across.",
        "A view of how the sales side works, and good questions.",
    ),
}


def _at(day: date, hour: int, zone: str) -> datetime:
    """A local wall-clock time, stored as naive UTC."""
    local = datetime.combine(day, time(hour)).replace(tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC).replace(tzinfo=None)


def _pairings(program: Program) -> list[Pairing]:
    return list(
        db.session.scalars(
            select(Pairing).where(Pairing.program_id == program.id).order_by(Pairing.id)
        )
    )


def _agreement(pairing: Pairing, seeking: str, versions: list[tuple[dict, datetime, tuple]]):
    """An agreement and its versions: (changes, saved at, (mentor, mentee) signed at)."""
    sections = {**DEFAULT_SECTIONS, "seeking": seeking}
    agreement = Agreement(
        pairing_id=pairing.id,
        version=len(versions),
        sections=sections,
        meeting_minutes=60,
        meeting_format="video",
        meeting_place="https://meet.example.org/horizon-demo",
        updated_by_id=pairing.mentee_id,
    )
    db.session.add(agreement)
    db.session.flush()
    for number, (changes, saved_at, (mentor_at, mentee_at)) in enumerate(versions, start=1):
        agreement.sections = {**agreement.sections, **changes}
        agreement.updated_at = saved_at
        db.session.add(
            AgreementVersion(
                agreement_id=agreement.id,
                version=number,
                content=agreement.snapshot(),
                saved_by_id=pairing.mentee_id,
                saved_at=saved_at,
                mentor_signed_at=mentor_at,
                mentee_signed_at=mentee_at,
            )
        )
    return agreement


def _goal(pairing: Pairing, owner: User, title: str, why: str, measure: str, history, **values):
    goal = Goal(
        pairing_id=pairing.id,
        owner_id=owner.id,
        title=title,
        why=why,
        measure=measure,
        visibility=values.get("visibility", Visibility.shared),
        progress=history[-1][1],
    )
    db.session.add(goal)
    db.session.flush()
    for day, progress, note in history:
        db.session.add(GoalRating(goal_id=goal.id, progress=progress, rated_on=day, note=note))
    return goal


def seed_kickoff_demo(today: date) -> None:
    """Make `make run` show the kick-off: the demo pair signed and set goals; another waits."""
    program = db.session.scalar(select(Program).where(Program.slug == "leadership-2026"))
    db.session.add(AgreementTemplate(program_id=program.id, sections=dict(DEFAULT_SECTIONS)))
    for email, (bio, hopes, offers) in BIOS.items():
        user = db.session.scalar(select(User).where(User.email == email))
        db.session.add(PartnerProfile(user_id=user.id, bio=bio, hopes=hopes, offers=offers))
    demo, waiting, *_ = _pairings(program)
    d = lambda n: today - timedelta(days=n)  # noqa: E731
    signed_v1 = datetime.combine(d(104), time(17))
    signed_v2 = datetime.combine(d(62), time(18))
    _agreement(
        demo,
        "Grow into a team lead role within the year: run my team's planning on my own, "
        "and give feedback that lands.",
        [
            ({}, datetime.combine(d(105), time(16)), (signed_v1, signed_v1)),
            (
                {
                    "feedback": DEFAULT_SECTIONS["feedback"] + "\nLena asks for feedback on one "
                    "meeting she ran, every month."
                },
                datetime.combine(d(63), time(9)),
                (signed_v2, signed_v2 + timedelta(hours=3)),
            ),
        ],
    )
    _agreement(
        waiting,
        "Get better at negotiating budgets with other departments.",
        [({}, datetime.combine(d(3), time(10)), (None, datetime.combine(d(2), time(12))))],
    )

    mentee, mentor = demo.mentee, demo.mentor
    lead = _goal(
        demo,
        mentee,
        "Run my team's planning meeting on my own",
        "Team leads run planning here; I want to show I can before I apply.",
        "I run three planning meetings in a row and Marcus's only notes are small ones.",
        [
            (d(104), GoalProgress.not_started, ""),
            (
                d(70),
                GoalProgress.started,
                "Ran the first half of planning with my lead next to me.",
            ),
            (d(40), GoalProgress.halfway, "Ran a whole planning; ran over by 20 minutes."),
            (d(8), GoalProgress.nearly, "Second one on my own, on time."),
        ],
    )
    _goal(
        demo,
        mentee,
        "Give feedback that lands",
        "I soften feedback until it says nothing.",
        "Two people on my team tell me my feedback was specific and useful.",
        [
            (d(104), GoalProgress.not_started, ""),
            (d(50), GoalProgress.started, "Tried the 'situation, behaviour, impact' shape once."),
        ],
    )
    _goal(
        demo,
        mentor,
        "Listen more than I talk in our meetings",
        "I came in wanting to advise; Lena learns more when she finds her own answers.",
        "Lena talks for most of each meeting.",
        [(d(100), GoalProgress.not_started, ""), (d(30), GoalProgress.halfway, "")],
    )
    listening = db.session.scalar(
        select(Practice).where(Practice.owner_id == mentee.id).order_by(Practice.id)
    )
    if listening is not None:
        db.session.add(GoalPractice(practice_id=listening.id, goal_id=lead.id))

    zone = mentee.timezone or "Europe/Berlin"
    db.session.add_all(
        [
            PlannedMeeting(
                pairing_id=demo.id,
                uid=f"{uuid.uuid4()}@horizon",
                sequence=1,
                starts_at=_at(today + timedelta(days=9), 17, zone),
                minutes=60,
                place="https://meet.example.org/horizon-demo",
                status=MeetingStatus.accepted,
                proposed_by_id=mentee.id,
            ),
            PlannedMeeting(
                pairing_id=demo.id,
                uid=f"{uuid.uuid4()}@horizon",
                sequence=0,
                starts_at=_at(today + timedelta(days=40), 17, zone),
                minutes=60,
                place="Café Nord, Berlin",
                status=MeetingStatus.proposed,
                proposed_by_id=mentor.id,
            ),
            PlannedMeeting(
                pairing_id=waiting.id,
                uid=f"{uuid.uuid4()}@horizon",
                sequence=0,
                starts_at=_at(today + timedelta(days=6), 12, waiting.mentee.timezone),
                minutes=45,
                place="",
                status=MeetingStatus.proposed,
                proposed_by_id=waiting.mentee_id,
            ),
        ]
    )
    _goal(
        waiting,
        waiting.mentee,
        "Negotiate next year's budget with Finance",
        "",
        "",
        [(d(2), GoalProgress.not_started, "")],
    )
