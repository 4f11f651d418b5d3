"""Demo journal: Lena's entries (shared and private), Marcus's stories and a conversation."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.demo.sharing import share_in, written_in
from portal.extensions import db
from portal.models import Pairing, User, utcnow
from portal.models.journal import EntryComment, EntryStatus, EntryTag, JournalEntry, Visibility

# (days ago, title, prompt, visibility, tags, body)
MENTEE_ENTRIES = [
    (
        58,
        "Where I want to be in a year",
        "share.achieve",
        Visibility.shared,
        ["goals", "leadership"],
        "I want to lead the **checkout team** by next autumn. Not just the title: I want "
        "people to come to me when a release goes wrong.\n\n- Run our planning myself\n"
        "- Give one piece of hard feedback a month\n- Stop rewriting other people's code",
    ),
    (
        41,
        "The demo that fell apart",
        "share.setback",
        Visibility.shared,
        ["public speaking", "feedback"],
        "The quarterly demo crashed halfway. I froze and apologised four times.\n\n"
        "> What I wish I had said: *this is what we learned, and this is the fix.*\n\n"
        "Next time I will rehearse the failure path, not only the happy path.",
    ),
    (
        30,
        "Nervous about the reorg",
        "share.develop",
        Visibility.private,
        ["confidence"],
        "I have not told anyone yet, but I am not sure I want to stay if the team is split. "
        "I need to work out what I actually need before I talk to Marcus about it.",
    ),
    (
        12,
        "Practising active listening",
        "work.noticed",
        Visibility.shared,
        ["listening", "practice"],
        "I tried to summarise before replying in three 1:1s this week.\n\n"
        "1. People talked for longer.\n2. I interrupted less (twice, down from *many*).\n"
        "3. One colleague said it was the first time she felt heard in a planning meeting.",
    ),
    (
        3,
        "An insight I want to make my own",
        "learn.apply",
        Visibility.shared,
        ["feedback"],
        "Marcus said he asks *what would you do?* before he gives an answer. I will try "
        "that with the two juniors who keep asking me to decide for them.",
    ),
]

MENTOR_ENTRIES = [
    (
        50,
        "The launch I pushed too hard",
        "mentor.career",
        Visibility.shared,
        ["leadership", "failure"],
        "In 2017 I pushed my team to ship a payments launch two weeks early. It worked, "
        "and then two people left within a quarter.\n\n**What worked:** a clear goal.\n\n"
        "**What did not:** I never asked what it cost them.",
    ),
    (
        20,
        "Why I stopped giving answers",
        "mentor.mistake",
        Visibility.shared,
        ["mentoring", "feedback"],
        "For years I answered every question my reports brought me. They got faster, "
        "and I became the bottleneck. Asking *what would you do?* changed that.",
    ),
    (
        9,
        "Notes for our next session",
        "mentor.learning",
        Visibility.private,
        ["prep"],
        "Lena seems worried about the reorg. Ask open questions; do not push.",
    ),
]


def _write(author: User, rows: list, now) -> list[JournalEntry]:
    entries = []
    for days, title, prompt, visibility, tags, body in rows:
        when = now - timedelta(days=days, hours=3)
        entry = JournalEntry(
            author=author,
            title=title,
            body=body,
            visibility=visibility,
            status=EntryStatus.published,
            prompt_key=prompt,
            created_at=when,
            updated_at=when,
            published_at=when,
        )
        entry.tags = [EntryTag(name=name) for name in tags]
        db.session.add(entry)
        entries.append(entry)
    return entries


def seed_journal_demo() -> None:
    """Give the demo mentee and mentor a journal with history; the caller commits."""
    mentor = db.session.scalar(select(User).where(User.email == "mentor@example.org"))
    mentee = db.session.scalar(select(User).where(User.email == "mentee@example.org"))
    if mentor is None or mentee is None:
        return
    now = utcnow()
    lena = _write(mentee, MENTEE_ENTRIES, now)
    marcus = _write(mentor, MENTOR_ENTRIES, now)
    goals, demo = lena[0], lena[1]
    db.session.flush()  # gives the mentor an id
    # Everything marked shared is shared in their pairing: Marcus's stories reach Lena, not
    # the mentee he had last year (see demo_guide).
    pairing = db.session.scalar(
        select(Pairing).where(Pairing.mentor_id == mentor.id, Pairing.mentee_id == mentee.id)
    )
    share_in(pairing, *(e for e in lena + marcus if e.visibility is Visibility.shared))
    for entry in (goals, demo):
        entry.reviewed_at = entry.published_at + timedelta(days=2)
        entry.reviewed_by_id = mentor.id
    remark = EntryComment(
        entry=demo,
        author=mentor,
        body="Rehearsing the failure path is exactly right. Which part froze you?",
        created_at=demo.published_at + timedelta(days=1),
    )
    written_in(pairing, remark)
    db.session.add_all(
        [
            remark,
            EntryComment(
                entry=demo,
                author=mentee,
                body="The silence after the error. I will practise narrating it.",
                created_at=demo.published_at + timedelta(days=2),
            ),
        ]
    )
