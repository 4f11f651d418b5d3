"""Demo: "Leading Together Circles", a circles programme (CLI `flask seed-demo` only).

- mentor@example.org (Marcus Bell) facilitates a circle on "Leading through change" with five
  members, mentee@example.org (Lena Ortiz) among them;
- a sixth member, circle6@example.org, left ten days ago with a note for the programme team:
  she keeps reading what was shared while she was in the circle, and nothing since;
- members shared entries and a practice with the circle, through the sharing services; the
  programme allows sharing with one person of the circle, and Lena shared one entry with
  Marcus alone;
- two meetings were held (attendance recorded by Marcus) and the next one is planned;
- the circle agreement: all but Tomás signed the first draft, Hannah added a line (version 2,
  the signatures start over), and Marcus, Hannah and Jonas signed again; Lena has yet to, so
  her page shows what changed since she signed;
- closing reflections so far: Hannah's is shared with the circle (written after Ines left, so
  Ines does not read it), Lena keeps hers private (only she reads it);
- everyone wrote an introduction, members encourage each other in comments, and the next
  meeting has an agenda (one point carried over from the last meeting) — `seed_circle_talk`;
- admin@example.org sees the circle on the team's board, with its health figures and the
  leave note, and reads none of what was shared.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, update

from portal.demo.builders import demo_mentor_and_mentee, new_circle, new_participant
from portal.extensions import db
from portal.models import Cadence, Program, ProgramStatus, Role, User, utcnow
from portal.models.circles import (
    CircleAgreement,
    CircleAttendance,
    CircleMeeting,
    CircleReflection,
    EntryCircleAudience,
)
from portal.models.journal import JournalEntry
from portal.models.practice import Practice
from portal.models.programs import ProgramFormat
from portal.services import journal, practice
from portal.services.circles import agreement as agreements
from portal.services.circles import review
from portal.services.sharing import Audience

MEMBERS = [
    ("circle1@example.org", "Hannah Okafor", "Europe/London"),
    ("circle2@example.org", "Jonas Weber", "Europe/Berlin"),
    ("circle3@example.org", "Amélie Laurent", "Europe/Paris"),
    ("circle4@example.org", "Tomás Silva", "Europe/Lisbon"),
]
LEAVER = ("circle6@example.org", "Ines Kovač", "Europe/Berlin")
# The generated demo people never take these names (portal/demo/seed.py).
CIRCLE_NAMES = frozenset(name for _, name, _ in [*MEMBERS, LEAVER])


def seed_circles_demo(today: date, person, rng) -> dict[str, int]:
    marcus, lena = demo_mentor_and_mentee()
    program = Program(
        name="Leading Together Circles",
        slug="leading-together",
        description="Small circles around one facilitator, meeting every two weeks.",
        starts_on=today - timedelta(days=60),
        ends_on=Program.default_end(today - timedelta(days=60)),
        cadence=Cadence.biweekly,
        status=ProgramStatus.running,
        format=ProgramFormat.circles,
        matching={
            "circles": {
                "min_size": 3,
                "max_size": 8,
                "max_per_department": 1,
                "allow_private_sharing": True,
            }
        },
    )
    db.session.add(program)
    others = [person(email, name, tz) for email, name, tz in MEMBERS]
    leaver = person(*LEAVER)
    new_participant(marcus, program, Role.mentor, rng)
    for member in [lena, *others, leaver]:
        new_participant(member, program, Role.mentee, rng)
    approved = utcnow() - timedelta(days=50)
    circle = new_circle(
        program,
        marcus,
        [lena, *others, leaver],
        theme="Leading through change",
        cadence=Cadence.biweekly,
        approved_at=approved,
        created_at=approved,
    )
    db.session.flush()
    early = _share(
        lena,
        circle,
        "What I took from our first circle",
        "Hearing five people describe the same fear made it smaller. I will name it next time.",
    )
    _share(
        others[0],
        circle,
        "A reorganisation, told from the inside",
        "How I explained a change I did not choose, and what my team asked that I had missed.",
    )
    _share_with_one(
        lena,
        circle,
        marcus,
        "Before I say it in the circle",
        "The merger worries me more than I let on. Can we talk about it first, just us two?",
    )
    _share(
        marcus,
        circle,
        "A story for the circle: the change I got wrong",
        "Years ago I announced a move before I had listened. What I would do differently.",
    )
    listening = Practice(
        owner_id=others[1].id,
        title="One change conversation a week",
        action="Ask one person how the change lands for them, and only listen.",
        idea="People accept what they helped to understand.",
        starts_on=today - timedelta(days=14),
        ends_on=today + timedelta(days=14),
        per_week=1,
    )
    db.session.add(listening)
    db.session.flush()
    practice.share_practice(listening, Audience((), (circle.id,)))
    # The first entry was shared in the circle's first week, while the leaver was a member.
    db.session.execute(
        update(EntryCircleAudience)
        .where(EntryCircleAudience.entry_id == early.id)
        .values(created_at=approved + timedelta(days=7))
    )
    for stint in circle.stints:
        if stint.user_id == leaver.id:
            stint.left_at = utcnow() - timedelta(days=10)
            stint.leave_note = "My new role leaves no room for the meetings; thank you all."
    _meetings(circle, marcus, approved, leaver)
    db.session.flush()
    _agreement(circle, marcus, lena, others, approved)
    _reflections(circle, lena, others)
    seed_circle_talk(circle, approved, today)
    return {"circles": 1, "members": len(others) + 1}


def _meetings(circle, facilitator: User, approved, leaver: User) -> None:
    """Two past meetings with attendance (the leaver came to the first) and the next one."""
    people = [s.user_id for s in circle.stints]
    for n, (days, absent) in enumerate(((7, set()), (21, {leaver.id, people[1]}))):
        meeting = CircleMeeting(
            circle_id=circle.id,
            uid=f"demo-circle-{n}@horizon",
            starts_at=(approved + timedelta(days=days)).replace(
                hour=11, minute=0, second=0, microsecond=0
            ),
            minutes=60,
            place="https://meet.example.org/leading-together",
            proposed_by_id=facilitator.id,
        )
        db.session.add(meeting)
        for user_id in people:
            meeting.attendance.append(
                CircleAttendance(user_id=user_id, attended=user_id not in absent)
            )
    upcoming = (utcnow() + timedelta(days=6)).replace(hour=11, minute=0, second=0, microsecond=0)
    db.session.add(
        CircleMeeting(
            circle_id=circle.id,
            uid="demo-circle-next@horizon",
            starts_at=upcoming,
            minutes=60,
            place="https://meet.example.org/leading-together",
            proposed_by_id=facilitator.id,
        )
    )


def _share(author: User, circle, title: str, body: str) -> JournalEntry:
    """A published entry shared with the circle through the sharing service."""
    now = utcnow()
    entry = JournalEntry(
        author_id=author.id, title=title, body=body, published_at=now, created_at=now
    )
    db.session.add(entry)
    db.session.flush()
    journal.share_entry(entry, Audience((), (circle.id,)))
    return entry


def _share_with_one(author: User, circle, reader: User, title: str, body: str) -> JournalEntry:
    """A published entry shared with one person of the circle (the programme allows it)."""
    now = utcnow()
    entry = JournalEntry(
        author_id=author.id, title=title, body=body, published_at=now, created_at=now
    )
    db.session.add(entry)
    db.session.flush()
    journal.share_entry(entry, Audience(private_to=(circle.id, reader.id)))
    return entry


HANNAHS_LINE = (
    "We start on time, and the first ten minutes belong to how everyone is, before any topic."
)


def _agreement(circle, marcus: User, lena: User, others: list[User], approved) -> None:
    """The circle agreement through its services: everyone but Tomás signs the first draft at
    the first meeting, Hannah adds a line at the second (version 2), and three sign it again."""
    hannah, jonas, amelie, tomas = others
    for person in (marcus, lena, hannah, jonas, amelie):
        agreements.sign(person, circle.id, 1)
    first = agreements.state_for(hannah, circle).text
    agreements.save(hannah, circle.id, f"{first}\n\n{HANNAHS_LINE}", 1)
    for person in (hannah, marcus, jonas):
        agreements.sign(person, circle.id, 2)
    # The services write "now"; the history happened at the two meetings.
    agreement = db.session.scalar(
        select(CircleAgreement).where(CircleAgreement.circle_id == circle.id)
    )
    for version in agreement.versions:
        saved = approved + timedelta(days=7 if version.version == 1 else 21)
        version.saved_at = saved
        for n, signature in enumerate(sorted(version.signatures, key=lambda s: s.signed_at)):
            signature.signed_at = saved + timedelta(hours=2 + 20 * n)
        if version.version == agreement.version:
            agreement.updated_at = saved
    db.session.flush()


def _reflections(circle, lena: User, others: list[User]) -> None:
    """Closing reflections so far, through the review service: Hannah shares hers with the
    circle; Lena keeps hers to herself."""
    review.save_reflection(
        others[0],
        circle.id,
        "Saying my worries out loud here made them ordinary. I now ask my own team the question "
        "Marcus asks us: what is the change costing you?",
        shared=True,
    )
    review.save_reflection(
        lena,
        circle.id,
        "I still avoid conflict in the circle. Next time I will disagree once, kindly.",
        shared=False,
    )
    written = utcnow() - timedelta(days=3)
    for reflection in db.session.scalars(
        select(CircleReflection).where(CircleReflection.circle_id == circle.id)
    ):
        reflection.updated_at = written
        if reflection.shared_at is not None:
            reflection.shared_at = written
    db.session.flush()


# --- talk in the circle: introductions, comments, the next meeting's agenda -------------------

INTRODUCTIONS = {
    "mentor@example.org": "I have led teams through three reorganisations, one of them badly. "
    "I am here to listen more than to advise.",
    "mentee@example.org": "I lead a product team of six that is about to merge with another. "
    "I want to get better at saying what I do not know yet.",
    "circle1@example.org": "Operations lead in London. Our site is moving next spring.",
    "circle2@example.org": "Engineering manager in Berlin, new to leading other managers.",
    "circle3@example.org": "I run a support team in Paris; change is our daily weather.",
    "circle4@example.org": "Finance in Lisbon. I am the one who has to explain the numbers.",
    "circle6@example.org": "Hello all: I coordinate projects across three offices.",
}


def seed_circle_talk(circle, approved, today: date) -> None:
    """Introductions written in the first days, comments on what members shared, check-ins on
    the circle's practice, and the next meeting's agenda: one point covered at the last meeting,
    one carried over from it, two new ones (docs/circles.md)."""
    from portal.models.circles import CircleAgendaPoint, CircleComment, CircleIntroduction
    from portal.models.practice import CheckIn

    by_email = {s.user.email: s.user for s in circle.stints} | {
        circle.facilitator.email: circle.facilitator
    }
    for n, (email, text) in enumerate(INTRODUCTIONS.items()):
        at = approved + timedelta(days=1, hours=n)
        db.session.add(
            CircleIntroduction(
                circle_id=circle.id, user_id=by_email[email].id, text=text, updated_at=at
            )
        )
    marcus, lena = by_email["mentor@example.org"], by_email["mentee@example.org"]
    hannah, jonas = by_email["circle1@example.org"], by_email["circle2@example.org"]
    entries = {
        e.title: e
        for e in db.session.scalars(
            db.select(JournalEntry)
            .join(EntryCircleAudience, EntryCircleAudience.entry_id == JournalEntry.id)
            .where(EntryCircleAudience.circle_id == circle.id)
        )
    }
    listening = db.session.scalar(
        db.select(Practice).where(
            Practice.owner_id == jonas.id, Practice.title == "One change conversation a week"
        )
    )
    now = utcnow()
    for day, note in (
        (9, "Asked Mira how the merger lands. She is worried about her on-call."),
        (2, "Only listened for ten minutes. Hard not to jump in with answers."),
    ):
        db.session.add(
            CheckIn(practice_id=listening.id, day=today - timedelta(days=day), note=note)
        )
    comments = [
        (
            hannah,
            entries["What I took from our first circle"],
            None,
            approved + timedelta(days=8),
            "Naming the fear worked for me too. Tell us next time how it went.",
        ),
        (
            marcus,
            None,
            listening,
            now - timedelta(days=8),
            "A first conversation already: **well done**. What surprised you?",
        ),
        (
            lena,
            None,
            listening,
            now - timedelta(days=1),
            "Ten minutes of only listening is a lot. I managed three this week.",
        ),
        (
            lena,
            entries["A reorganisation, told from the inside"],
            None,
            now - timedelta(hours=2),
            "The question your team asked is the one I am dreading. Can we talk about it?",
        ),
    ]
    for author, entry, item, at, body in comments:
        db.session.add(
            CircleComment(
                circle_id=circle.id,
                author_id=author.id,
                entry_id=entry.id if entry else None,
                practice_id=item.id if item else None,
                body=body,
                created_at=at,
            )
        )
    last = db.session.scalar(
        db.select(CircleMeeting).where(CircleMeeting.uid == "demo-circle-1@horizon")
    )
    agenda = [
        (
            lena,
            "Telling my team about the merger before the official memo",
            approved + timedelta(days=15),
            last.id,
        ),
        (
            hannah,
            "How do we keep the site move from eating every meeting?",
            approved + timedelta(days=19),
            None,
        ),
        (
            lena,
            "Saying no to a new project without closing the door",
            now - timedelta(days=3),
            None,
        ),
        (jonas, "What we noticed from only listening", now - timedelta(days=1), None),
    ]
    for author, text, at, covered in agenda:
        db.session.add(
            CircleAgendaPoint(
                circle_id=circle.id,
                author_id=author.id,
                text=text,
                created_at=at,
                covered_meeting_id=covered,
            )
        )
