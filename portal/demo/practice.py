"""Demo data for practices and meetings: the demo pair has a few weeks of real-looking work."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from portal.demo.sharing import share_in, written_in
from portal.extensions import db
from portal.models import Pairing, User
from portal.models.journal import EntryStatus, JournalEntry, Visibility
from portal.models.meetings import AgendaPoint, Meeting, MeetingPlan
from portal.models.practice import (
    CheckIn,
    CommentKind,
    Practice,
    PracticeComment,
    PracticeStatus,
    PracticeTemplate,
)
from portal.services.practice import ensure_built_in_templates

LISTENING_NOTES = [
    "In the stand-up I waited until Sam finished. He added a detail I would have cut off.",
    "Hard today: I caught myself preparing my answer while Ana was still talking.",
    "Summarised Priya's concern back to her before replying. She said 'exactly' and relaxed.",
    "",
    "One-to-one with Ben: I asked two questions instead of giving advice. He found his own fix.",
    "Noticed I interrupt more when I'm tired. Afternoon meetings are the hard ones.",
    "",
]
CERTIFICATION_NOTES = [
    "Compared two coaching certificates: one is theory-heavy, the other has supervised practice.",
    "Talked to a colleague who holds the ICF one. The peer practice was what helped her most.",
    "",
]
VISION_NOTES = [
    "First draft: too much about titles, not enough about the work I enjoy.",
    "Rewrote it around 'building teams where people speak up'. Feels closer.",
    "Read it out loud to myself. The second paragraph is still vague.",
    "Shared a version with Marcus. He asked what 'impact' means to me. Good question.",
    "",
    "Final version fits on one card. I keep it on my desk.",
]


def _at(day: date, hour: int = 18) -> datetime:
    return datetime.combine(day, time(hour, 0))


def _practice(owner: User, template: PracticeTemplate | None, **values) -> Practice:
    if template is not None:
        values.setdefault("title", template.title)
        values.setdefault("idea", template.idea)
        values.setdefault("action", template.action)
        values.setdefault("template_id", template.id)
    practice = Practice(owner_id=owner.id, **values)
    db.session.add(practice)
    db.session.flush()
    return practice


def _check_ins(practice: Practice, days: list[date], notes: list[str]) -> list[CheckIn]:
    made = []
    for day, note in zip(days, notes, strict=False):
        check_in = CheckIn(practice_id=practice.id, day=day, note=note, created_at=_at(day))
        db.session.add(check_in)
        made.append(check_in)
    db.session.flush()
    return made


def seed_practice_demo(today: date) -> None:
    """Give the demo pair practices with check-ins across weeks, meetings and a next date."""
    ensure_built_in_templates()
    mentor = db.session.scalar(select(User).where(User.email == "mentor@example.org"))
    mentee = db.session.scalar(select(User).where(User.email == "mentee@example.org"))
    pairing = db.session.scalar(
        select(Pairing).where(Pairing.mentor_id == mentor.id, Pairing.mentee_id == mentee.id)
    )
    templates = {
        t.key: t
        for t in db.session.scalars(
            select(PracticeTemplate).where(PracticeTemplate.program_id.is_(None))
        )
    }
    d = lambda n: today - timedelta(days=n)  # noqa: E731

    meetings = [
        Meeting(
            pairing_id=pairing.id,
            held_on=d(100),
            happened=True,
            logged_by_id=mentor.id,
            notes="Got to know each other. Lena wants to grow into a team lead role.",
        ),
        Meeting(
            pairing_id=pairing.id,
            held_on=d(68),
            happened=True,
            logged_by_id=mentee.id,
            notes="Talked about what a lead does all day. Lena will write a vision statement.",
        ),
        Meeting(
            pairing_id=pairing.id,
            held_on=d(40),
            happened=False,
            logged_by_id=mentor.id,
            notes="Moved: Marcus was travelling.",
        ),
        Meeting(
            pairing_id=pairing.id,
            held_on=d(33),
            happened=True,
            logged_by_id=mentee.id,
            notes="Vision statement done. Next: listening more than talking in one-to-ones.",
        ),
        Meeting(
            pairing_id=pairing.id,
            held_on=d(19),
            happened=True,
            logged_by_id=mentor.id,
            notes="Agreed on active listening for three weeks; Marcus looks into a "
            "coaching certification.",
        ),
    ]
    db.session.add_all(meetings)
    db.session.flush()
    db.session.add(
        MeetingPlan(
            pairing_id=pairing.id,
            next_meeting_on=today + timedelta(days=9),
            updated_by_id=mentee.id,
        )
    )

    listening = _practice(
        mentee,
        templates.get("active-listening"),
        starts_on=d(18),
        ends_on=d(18) + timedelta(20),
        per_week=3,
        visibility=Visibility.shared,
        source_meeting_id=meetings[-1].id,
        created_at=_at(d(18), 10),
    )
    listening_checks = _check_ins(
        listening, [d(17), d(15), d(13), d(10), d(8), d(4), d(1)], LISTENING_NOTES
    )
    vision = _practice(
        mentee,
        templates.get("vision-statement"),
        starts_on=d(66),
        ends_on=d(39),
        per_week=2,
        visibility=Visibility.shared,
        status=PracticeStatus.done,
        closed_at=_at(d(34)),
        reflection="Writing it down made my next step obvious: I want to lead a small team, "
        "and listening is the skill I need most.",
        created_at=_at(d(66), 10),
    )
    _check_ins(vision, [d(64), d(60), d(55), d(50), d(45), d(41)], VISION_NOTES)
    interview = _practice(
        mentee,
        templates.get("interview-colleague"),
        starts_on=today + timedelta(days=3),
        ends_on=today + timedelta(days=23),
        per_week=1,
        visibility=Visibility.shared,
        title="Interview a team lead from another department",
    )
    private = _practice(
        mentee,
        templates.get("self-assessment"),
        starts_on=d(9),
        ends_on=d(9) + timedelta(13),
        per_week=2,
        visibility=Visibility.private,
    )
    _check_ins(private, [d(7), d(2)], ["Rated myself low on delegation. Not sure why yet.", ""])
    certification = _practice(
        mentor,
        templates.get("certification-research"),
        starts_on=d(16),
        ends_on=d(16) + timedelta(20),
        per_week=2,
        visibility=Visibility.shared,
    )
    _check_ins(certification, [d(14), d(9), d(3)], CERTIFICATION_NOTES)
    share_in(pairing, listening, vision, interview, certification)

    mentor_says = [
        PracticeComment(
            practice_id=listening.id,
            check_in_id=listening_checks[2].id,
            author_id=mentor.id,
            kind=CommentKind.encouragement,
            body="Great noticing.",
            created_at=_at(d(12), 9),
        ),
        PracticeComment(
            practice_id=listening.id,
            author_id=mentor.id,
            kind=CommentKind.comment,
            created_at=_at(d(7), 9),
            body="Tired afternoons are real. What if you moved the hardest "
            "one-to-one to the morning?",
        ),
    ]
    written_in(pairing, *mentor_says)
    db.session.add_all(
        [
            *mentor_says,
            PracticeComment(
                practice_id=listening.id,
                author_id=mentee.id,
                kind=CommentKind.comment,
                created_at=_at(d(6), 20),
                body="Trying it next week with Ben.",
            ),
        ]
    )
    now = _at(d(5), 21)
    noticed = JournalEntry(
        author_id=mentee.id,
        title="What I noticed when I stopped interrupting",
        body="Two weeks in, people finish their thoughts more often. I also notice "
        "how often I used to jump in with a fix.",
        visibility=Visibility.shared,
        status=EntryStatus.published,
        prompt_key="practice-reflection",
        created_at=now,
        updated_at=now,
        published_at=now,
    )
    db.session.add_all(
        [
            noticed,
            JournalEntry(
                author_id=mentee.id,
                title="Doubts I have not shared yet",
                body="A private note: am I ready to lead people older than me?",
                visibility=Visibility.private,
                status=EntryStatus.published,
                created_at=now,
                updated_at=now,
                published_at=now,
            ),
        ]
    )
    db.session.add_all(
        [
            AgendaPoint(
                pairing_id=pairing.id,
                author_id=mentee.id,
                text="How do I keep listening when I strongly disagree?",
            ),
            AgendaPoint(
                pairing_id=pairing.id,
                author_id=mentor.id,
                text="Compare notes on the coaching certifications",
            ),
        ]
    )
    share_in(pairing, noticed)
    db.session.flush()
