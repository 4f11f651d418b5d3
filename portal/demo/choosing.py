"""Demo: "Find your mentor", a programme where mentees choose (CLI `flask seed-demo` only).

- mentee@example.org (Lena Ortiz) is an unpaired mentee here and browses about a dozen mentors;
- mentor@example.org (Marcus Bell) mentors here with two places, has one request waiting and
  offers three office hours next week at 10:00 Berlin time;
- one mentor is away and one is full: neither is listed (the guardrails at work);
- held office hours with ratings from five or more people, and a topic booked by fewer than
  five, so the team's page shows figures and a suppressed cell;
- the team (admin@example.org) sees a funnel with a few requests of each state.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, time, timedelta

from portal.demo.builders import demo_mentor_and_mentee, new_participant
from portal.extensions import db
from portal.models import (
    Cadence,
    Membership,
    Pairing,
    PairingStatus,
    Program,
    ProgramStatus,
    Role,
    User,
)
from portal.models.choosing import (
    ChoosingSettings,
    CloseReason,
    MatchingMode,
    MentorAbsence,
    MentorRequest,
    MentorRequestStatus,
)
from portal.models.office_hours import BookingStatus, OfficeHourBooking, OfficeHourSlot
from portal.services.pairings.schedule import to_utc

HELP_WITH = [
    "Your first months as a team lead, and the conversations nobody prepares you for.",
    "Negotiating scope and salary with less fear and more preparation.",
    "Speaking up in large meetings and presenting to senior people.",
    "Moving from engineering into product, and back if you like.",
    "Planning the next two years of your career without a fixed ladder.",
    "Giving feedback that lands, and asking for it.",
]
EUROPE = ["Europe/Berlin", "Europe/London", "Europe/Lisbon", "Europe/Paris", "Europe/Madrid"]


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour))


def seed_choosing_demo(today: date, person, password_hash: str) -> dict[str, int]:
    rng = random.Random(2027)
    mentor, mentee = demo_mentor_and_mentee()
    program = Program(
        name="Find your mentor",
        slug="find-your-mentor",
        description="Mentees choose their own mentor here, and mentors offer office hours.",
        starts_on=today - timedelta(days=20),
        ends_on=Program.default_end(today - timedelta(days=20)),
        cadence=Cadence.monthly,
        status=ProgramStatus.running,
    )
    db.session.add(program)
    db.session.flush()
    db.session.add(
        ChoosingSettings(program_id=program.id, mode=MatchingMode.self_service, max_open_requests=3)
    )

    joined = _at(today - timedelta(days=20), 9)

    def join(user: User, role: Role, max_capacity: int = 5, **answers) -> Membership:
        return new_participant(
            user,
            program,
            role,
            rng,
            max_capacity=max_capacity,
            answers=answers,
            created_at=joined,
            decided_at=joined,
        )

    join(
        mentee,
        Role.mentee,
        goals=["leadership", "negotiation"],
        develop=["public speaking", "stakeholder management"],
    )
    join(
        mentor,
        Role.mentor,
        capacity=2,
        strengths=["leadership", "career planning", "giving feedback", "negotiation"],
        help_with="Stepping into leadership, and planning a career one honest step at a time.",
    )

    mentors = []
    for i in range(14):
        user = person(f"choose.mentor{i + 1}@example.org", _NAMES[i], EUROPE[i % len(EUROPE)])
        member = join(
            user,
            Role.mentor,
            max_capacity=3,
            help_with=HELP_WITH[i % len(HELP_WITH)],
            capacity=1 + i % 3,
        )
        mentors.append((user, member))
    mentees = []
    for i in range(10):
        user = person(
            f"choose.mentee{i + 1}@example.org", _MENTEE_NAMES[i], EUROPE[i % len(EUROPE)]
        )
        join(user, Role.mentee)
        mentees.append(user)
    db.session.flush()

    # One mentor away until next month, one full (pairings = places): neither is listed.
    away_user, away_member = mentors[0]
    db.session.add(
        MentorAbsence(
            membership_id=away_member.id, away_from=today, away_until=today + timedelta(days=35)
        )
    )
    full_user, full_member = mentors[1]
    full_member.profile = {**full_member.profile, "capacity": 1}
    opened = _at(today - timedelta(days=12), 9)
    db.session.add(
        Pairing(
            program=program,
            mentor=full_user,
            mentee=mentees[9],
            status=PairingStatus.active,
            approved_at=opened,
            opens_at=opened,
            created_at=opened,
        )
    )

    # Marcus has one request waiting; the funnel shows a few of each state.
    def request(who: User, to: User, days_ago: int, status=MentorRequestStatus.open, **values):
        sent = _at(today - timedelta(days=days_ago), 10)
        row = MentorRequest(
            program_id=program.id,
            mentee_id=who.id,
            mentor_id=to.id,
            note=values.pop("note", "I would like to learn how you work."),
            status=status,
            created_at=sent,
            remind_at=sent + timedelta(days=7),
            expires_at=sent + timedelta(days=14),
            **values,
        )
        db.session.add(row)
        return row

    request(
        mentees[0],
        mentor,
        2,
        note="I am about to lead my first team, and I would value your experience with it.",
    )
    request(mentees[1], mentors[2][0], 9)  # waiting past its reminder: the team may nudge
    for i, (who, (to, _member)) in enumerate(zip(mentees[2:8], mentors[3:9], strict=True)):
        decided = _at(today - timedelta(days=6 - i % 3), 15)
        if i < 3:
            request(
                who,
                to,
                10,
                MentorRequestStatus.declined,
                reason=CloseReason.declined,
                decided_at=decided,
                reply="My places are taken this year; Wen has time.",
            )
        else:
            request(
                who,
                to,
                10,
                MentorRequestStatus.withdrawn,
                reason=CloseReason.mentee,
                decided_at=decided,
            )
    request(
        mentees[8],
        mentors[9][0],
        20,
        MentorRequestStatus.expired,
        reason=CloseReason.expired,
        decided_at=_at(today - timedelta(days=6), 10),
    )

    # Marcus offers three office hours next week, 10:00 Berlin time.
    monday = today + timedelta(days=7 - today.weekday())
    for offset in (0, 2, 4):
        db.session.add(
            OfficeHourSlot(
                program_id=program.id,
                mentor_id=mentor.id,
                starts_at=to_utc(monday + timedelta(days=offset), time(10), mentor.zone),
                minutes=30,
                zone="Europe/Berlin",
                topics="career planning, giving feedback",
                place="Video call (link in the invitation)",
                uid=f"{uuid.uuid4()}@horizon",
            )
        )
    # Held conversations last month: six bookers rated them; one topic drew fewer than five.
    host = mentors[4][0]
    for i, booker in enumerate(mentees[:6]):
        slot = OfficeHourSlot(
            program_id=program.id,
            mentor_id=host.id,
            starts_at=_at(today - timedelta(days=18 - i), 14),
            minutes=30,
            zone=host.timezone,
            topics="presenting" if i < 1 else "career planning",
            uid=f"{uuid.uuid4()}@horizon",
        )
        db.session.add(slot)
        db.session.flush()
        db.session.add(
            OfficeHourBooking(
                slot_id=slot.id,
                booker_id=booker.id,
                question="How do I prepare?",
                status=BookingStatus.held,
                rating=4 + i % 2,
            )
        )
    db.session.flush()
    return {"choosing_mentors": len(mentors) + 1, "choosing_mentees": len(mentees) + 1}


_NAMES = [
    "Wen Adler",
    "Kofi Brooks",
    "Rosa Costa",
    "Ivo Dubois",
    "Hana Eriksen",
    "Omar Fischer",
    "Pia Garcia",
    "Tara Ito",
    "Sami Jensen",
    "Uma Kowalski",
    "Viktor Lopez",
    "Yara Novak",
    "Zeno Okafor",
    "Mina Petrov",
]
_MENTEE_NAMES = [
    "Ana Quist",
    "Ben Rossi",
    "Chen Silva",
    "Dara Tan",
    "Eli Ueda",
    "Fatima Vogel",
    "Gus Weber",
    "Jules Xu",
    "Lea Young",
    "Noah Zimmer",
]
# Names this module gives people: the main seeder draws its random names around them.
FIXED_NAMES = frozenset([*_NAMES, *_MENTEE_NAMES])
