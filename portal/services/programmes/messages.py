"""A message from the programme team to a group: a cohort (everyone, the mentors, the mentees)
or the pairs in one health state. Previewed first (how many people it reaches), then sent as
one decision held for the undo window: the notices and e-mails wait under its undo key, and
an undo withdraws them all before anyone is told (`holds.undo`).

The sender is staff; the text is theirs, never a participant's. The audit log records the
audience and the count, never the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from portal.core.errors import FieldError
from portal.extensions import db
from portal.models import Membership, MembershipStatus, Program, Role, User
from portal.services.insights.health import STATUS_LABELS, HealthStatus, pair_rows
from portal.services.platform import audit
from portal.services.platform.links import path_for
from portal.services.platform.notifications import notify
from portal.services.programmes.holds import new_undo_key
from portal.services.reminders import news

TEXT_MAX = 280
COHORTS = {
    "everyone": "Everyone taking part",
    "mentors": "All mentors",
    "mentees": "All mentees",
}
AUDIENCES = {
    **COHORTS,
    **{f"health:{status.value}": f"Pairs: {label}" for status, label in STATUS_LABELS.items()},
}


class MessageError(FieldError):
    """Bad input for the team message form; nothing was sent."""


@dataclass
class Preview:
    audience: str
    label: str
    text: str
    recipients: list[User]

    @property
    def count(self) -> int:
        return len(self.recipients)

    @property
    def summary(self) -> str:
        return f"{self.count} {'person' if self.count == 1 else 'people'}"


def clean_text(text: str | None) -> str:
    text = (text or "").replace("\x00", "").strip()
    if not text:
        raise MessageError("Write the message first.", "text")
    if len(text) > TEXT_MAX:
        raise MessageError(f"Keep the message to {TEXT_MAX:,} characters.", "text")
    return text


def recipients(program: Program, audience: str, today: date) -> list[User]:
    """The people a group names, each once, in name order."""
    if audience not in AUDIENCES:
        raise MessageError("Choose who receives the message.", "audience")
    if audience in COHORTS:
        members = select(Membership.user_id).where(
            Membership.program_id == program.id, Membership.status == MembershipStatus.active
        )
        if audience != "everyone":
            role = Role.mentor if audience == "mentors" else Role.mentee
            members = members.where(Membership.role == role)
        # Each person once (a mentor and a mentee in one programme): an IN, not a DISTINCT
        # over users (PostgreSQL cannot compare their JSON column).
        query = select(User).where(User.id.in_(members), User.deactivated_at.is_(None))
        people = list(db.session.scalars(query))
    else:
        status = HealthStatus(audience.split(":", 1)[1])
        ids = {
            person_id
            for row in pair_rows([program], today)
            if row.status is status
            for person_id in (row.mentor_id, row.mentee_id)
        }
        people = list(db.session.scalars(select(User).where(User.id.in_(ids)))) if ids else []
        people = [p for p in people if p.deactivated_at is None]
    return sorted(people, key=lambda p: (p.name.lower(), p.id))


def preview(program: Program, audience: str, text: str, today: date) -> Preview:
    """What would be sent, to how many: nothing is written."""
    text = clean_text(text)
    people = recipients(program, audience, today)
    if not people:
        raise MessageError("Nobody is in this group at the moment.", "audience")
    return Preview(audience, AUDIENCES[audience], text, people)


def send(program: Program, actor: User, audience: str, text: str, today: date) -> Preview:
    """Send the message as one undoable decision; the caller commits."""
    found = preview(program, audience, text, today)
    undo_key = new_undo_key()
    link = path_for("dashboard.index")
    for person in found.recipients:
        notice = f"From the {program.name} team: {found.text}"
        notify(person, "programme", notice[:300], link, hold=undo_key)
        news.tell(
            person,
            "team_message",
            f"{program.id}:{undo_key}",
            program=program,
            endpoint="dashboard.index",
            context={"text": found.text},
            hold=undo_key,
        )
    audit.record(
        actor,
        "programme.messaged",
        f"Messaged {found.summary} ({found.label})",
        program,
        undo=undo_key,
        audience=audience,
        recipients=found.count,
    )
    return found
