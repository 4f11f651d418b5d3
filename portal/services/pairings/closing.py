"""Closing the year: reflections saved as journal entries, the last meeting, completion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.core.time import add_days
from portal.extensions import db
from portal.models import Pairing, PairingStatus, User, utcnow
from portal.models.guide import ClosingReflection
from portal.models.journal import EntryStatus, JournalEntry, Visibility
from portal.models.meetings import Meeting
from portal.services import sharing
from portal.services.platform.links import path_for
from portal.services.platform.notifications import notify
from portal.services.reminders import GuideError

PROMPTS = {
    "understand": "What I now understand about myself",
    "forward": "The path forward for me",
    "keep": "What I will keep practising",
}
ANSWER_MAX = 5000
ALREADY_WRITTEN = "You have already written your closing reflection."
CLOSING_DAYS = 30


def closing_opens(pairing: Pairing) -> date:
    """The first day of the programme's last month."""
    return add_days(pairing.program.ends_on, -CLOSING_DAYS)


def is_closing(pairing: Pairing, today: date) -> bool:
    return pairing.status is PairingStatus.active and today >= closing_opens(pairing)


def reflection_of(pairing: Pairing, user: User) -> ClosingReflection | None:
    return db.session.scalar(
        select(ClosingReflection).where(
            ClosingReflection.pairing_id == pairing.id, ClosingReflection.user_id == user.id
        )
    )


def last_meeting_logged(pairing: Pairing) -> Meeting | None:
    """A meeting held in the closing month, which counts as the last meeting."""
    return db.session.scalar(
        select(Meeting)
        .where(
            Meeting.pairing_id == pairing.id,
            Meeting.happened.is_(True),
            Meeting.held_on >= closing_opens(pairing),
        )
        .order_by(Meeting.held_on.desc())
        .limit(1)
    )


@dataclass
class ClosingState:
    opens: date
    open_now: bool
    mine: ClosingReflection | None
    partner_done: bool
    last_meeting: Meeting | None
    completed: bool


def state(pairing: Pairing, user: User, today: date) -> ClosingState:
    """Where the pair stands; says only whether the partner wrote, never what."""
    partner = pairing.partner_of(user)
    return ClosingState(
        opens=closing_opens(pairing),
        open_now=is_closing(pairing, today),
        mine=reflection_of(pairing, user),
        partner_done=reflection_of(pairing, partner) is not None,
        last_meeting=last_meeting_logged(pairing),
        completed=pairing.status is PairingStatus.completed,
    )


def _body(answers: dict[str, str]) -> str:
    parts = []
    for key, heading in PROMPTS.items():
        text = answers.get(key, "")
        if text:
            parts.append(f"## {heading}\n\n{text}")
    return "\n\n".join(parts)


def write_reflection(
    pairing: Pairing, user: User, answers: dict[str, str], visibility: Visibility, today: date
) -> ClosingReflection:
    """Save the closing reflection as a journal entry (the journal's privacy rules); commits."""
    if not is_closing(pairing, today):
        raise GuideError("Closing reflections open in the programme's last month.", "understand")
    cleaned = {k: (answers.get(k) or "").replace("\x00", "").strip() for k in PROMPTS}
    for key, text in cleaned.items():
        if len(text) > ANSWER_MAX:
            raise GuideError(f"Keep each answer under {ANSWER_MAX} characters.", key)
    if not any(cleaned.values()):
        raise GuideError("Answer at least one of the prompts.", "understand")
    # The pairing's row lock (PostgreSQL; SQLite serialises writers anyway) orders the two
    # partners' reflections, so the second one sees the first and can complete the pairing;
    # a double submit then finds its own reflection, or meets the unique constraint below.
    db.session.refresh(pairing, with_for_update=True)
    if reflection_of(pairing, user) is not None:
        raise GuideError(ALREADY_WRITTEN, "understand")
    now = utcnow()
    entry = JournalEntry(
        author_id=user.id,
        title=f"Closing reflection: {pairing.program.name}"[:200],
        body=_body(cleaned),
        visibility=visibility,
        status=EntryStatus.published,
        prompt_key=None,
        published_at=now,
        created_at=now,
        updated_at=now,
    )
    db.session.add(entry)
    try:
        db.session.flush()
        reflection = ClosingReflection(pairing_id=pairing.id, user_id=user.id, entry_id=entry.id)
        db.session.add(reflection)
        db.session.flush()
    except IntegrityError as error:  # the same person's other tab got there first
        db.session.rollback()
        raise GuideError(ALREADY_WRITTEN, "understand") from error
    if visibility is Visibility.shared:
        # A closing reflection speaks about this relationship: its own pairing reads it, no
        # other (not next year's partner).
        try:
            sharing.set_audience(entry, [pairing.id])
        except sharing.SharingError as error:
            db.session.rollback()
            raise GuideError(
                "This pairing no longer takes new shared notes.", "visibility"
            ) from error
    partner = pairing.partner_of(user)
    if visibility is Visibility.shared:
        link = path_for("journal.detail", entry_id=entry.id)
        notify(partner, "journal_shared", f"{user.name} shared a closing reflection.", link)
    else:
        notify(partner, "closing", f"{user.name} wrote a closing reflection.", None)
    complete_if_ready(pairing)
    db.session.commit()
    return reflection


def complete_if_ready(pairing: Pairing) -> bool:
    """Both reflections written and a last meeting logged: the pairing becomes completed."""
    if pairing.status is not PairingStatus.active:
        return False
    written = db.session.scalars(
        select(ClosingReflection.user_id).where(ClosingReflection.pairing_id == pairing.id)
    ).all()
    if {pairing.mentor_id, pairing.mentee_id} - set(written):
        return False
    if last_meeting_logged(pairing) is None:
        return False
    pairing.status = PairingStatus.completed
    pairing.ended_at = utcnow()
    link = path_for("pairings.review", pairing_id=pairing.id)
    for person in (pairing.mentor_id, pairing.mentee_id):
        notify(
            person, "closing", "Your mentoring year is complete: open your year in review.", link
        )
    return True


def complete_ready_pairings() -> int:
    """The worker's sweep: pairs who logged their last meeting after both reflections."""
    pairing_ids = db.session.scalars(
        select(ClosingReflection.pairing_id)
        .join(Pairing, Pairing.id == ClosingReflection.pairing_id)
        .where(Pairing.status == PairingStatus.active)
        .group_by(ClosingReflection.pairing_id)
    ).all()
    done = 0
    for pairing_id in pairing_ids:
        pairing = db.session.get(Pairing, pairing_id)
        if pairing is not None and complete_if_ready(pairing):
            done += 1
    db.session.commit()
    return done
