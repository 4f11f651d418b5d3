"""One pair for the admin: its health, a timeline of events (dates and kinds), and actions."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Pairing, PairingStatus, User
from portal.models.enrollment import AuditEvent
from portal.models.guide import PairingRequest, RequestStatus
from portal.models.journal import EntryComment, JournalEntry
from portal.models.kickoff import Agreement, AgreementVersion, Goal, MeetingStatus, PlannedMeeting
from portal.models.meetings import AgendaPoint, Meeting
from portal.models.practice import CheckIn, Practice, PracticeComment
from portal.services import access
from portal.services.insights.health import PairRow, pair_rows
from portal.services.platform import audit
from portal.services.platform.links import path_for
from portal.services.platform.notifications import notify

TIMELINE_LIMIT = 200
NUDGE_TEXT = (
    "Your programme team is checking in on your pairing in {program}: "
    "how is it going, and when do you meet next?"
)


@dataclass(frozen=True)
class Event:
    """Something that happened in a pair, told by date, kind and who (never any text)."""

    on: date
    kind: str
    who: str  # "mentor", "mentee", "both" or "programme team"
    count: int = 1

    @property
    def label(self) -> str:
        noun = EVENT_LABELS.get(self.kind, self.kind)
        return f"{noun} ×{self.count}" if self.count > 1 else noun


EVENT_LABELS = {
    "approved": "Pairing approved",
    "signed": "Agreement signed by both",
    "goal": "Goal set",
    "met": "Met",
    "missed": "Meeting logged as missed",
    "planned": "Meeting planned",
    "practised": "Practised (check-in)",
    "shared": "Shared a journal entry",
    "commented": "Commented",
    "agenda": "Added an agenda point",
    "concern_end_early": "Asked confidentially to end early",
    "concern_rematch": "Asked confidentially for a re-match",
    "nudged": "Nudged by the programme team",
    "messaged": "Messaged by the programme team",
    "ended": "Pairing ended",
}


def _day(value: date | datetime | str) -> date:
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value.date() if isinstance(value, datetime) else value


def timeline(pairing: Pairing) -> list[Event]:
    """Newest first: what happened since approval, grouped per day, kind and person."""
    roles = {pairing.mentor_id: "mentor", pairing.mentee_id: "mentee"}
    since = pairing.approved_at or pairing.created_at
    events: dict[tuple[date, str, str], int] = defaultdict(int)

    def add(on, kind: str, who: str, n: int = 1) -> None:
        events[(_day(on), kind, who)] += n

    add(since, "approved", "programme team")
    if pairing.ended_at:
        add(pairing.ended_at, "ended", "programme team")
    for mentor_at, mentee_at in db.session.execute(
        select(AgreementVersion.mentor_signed_at, AgreementVersion.mentee_signed_at)
        .join(Agreement, Agreement.id == AgreementVersion.agreement_id)
        .where(Agreement.pairing_id == pairing.id)
    ):
        if mentor_at and mentee_at:
            add(max(mentor_at, mentee_at), "signed", "both")
    for owner_id, created in db.session.execute(
        select(Goal.owner_id, Goal.created_at).where(Goal.pairing_id == pairing.id)
    ):
        add(created, "goal", roles.get(owner_id, "both"))
    for held_on, happened in db.session.execute(
        select(Meeting.held_on, Meeting.happened).where(Meeting.pairing_id == pairing.id)
    ):
        add(held_on, "met" if happened else "missed", "both")
    for (starts_at,) in db.session.execute(
        select(PlannedMeeting.starts_at).where(
            PlannedMeeting.pairing_id == pairing.id, PlannedMeeting.status == MeetingStatus.accepted
        )
    ):
        add(starts_at, "planned", "both")
    people = list(roles)
    for uid, day, n in db.session.execute(
        select(Practice.owner_id, CheckIn.day, func.count())
        .join(CheckIn, CheckIn.practice_id == Practice.id)
        .where(Practice.owner_id.in_(people), CheckIn.day >= since.date())
        .group_by(Practice.owner_id, CheckIn.day)
    ):
        add(day, "practised", roles[uid], n)
    entry_day = func.date(JournalEntry.created_at)
    for uid, day, n in db.session.execute(
        select(JournalEntry.author_id, entry_day, func.count())
        .where(
            JournalEntry.author_id.in_(people),
            access.entry_counts_clause(),
            JournalEntry.created_at >= since,
        )
        .group_by(JournalEntry.author_id, entry_day)
    ):
        add(day, "shared", roles[uid], n)
    for model in (EntryComment, PracticeComment):
        comment_day = func.date(model.created_at)
        for uid, day, n in db.session.execute(
            select(model.author_id, comment_day, func.count())
            .where(model.author_id.in_(people), model.created_at >= since)
            .group_by(model.author_id, comment_day)
        ):
            add(day, "commented", roles[uid], n)
    for uid, created in db.session.execute(
        select(AgendaPoint.author_id, AgendaPoint.created_at).where(
            AgendaPoint.pairing_id == pairing.id
        )
    ):
        add(created, "agenda", roles.get(uid, "both"))
    for kind, created in db.session.execute(
        select(PairingRequest.kind, PairingRequest.created_at).where(
            PairingRequest.pairing_id == pairing.id
        )
    ):
        # Kind and date only: who asked and their reason stay with the guide's request queue.
        add(created, f"concern_{getattr(kind, 'value', kind)}", "a partner")
    for action, created in db.session.execute(
        select(AuditEvent.action, AuditEvent.created_at).where(
            AuditEvent.program_id == pairing.program_id,
            AuditEvent.action.in_(["pairing.nudged", "pairing.messaged"]),
            AuditEvent.summary.endswith(f"(pair {pairing.id})"),
        )
    ):
        add(created, "nudged" if action == "pairing.nudged" else "messaged", "programme team")
    ordered = sorted(events.items(), key=lambda item: (item[0][0], item[0][1]), reverse=True)
    return [Event(on, kind, who, n) for (on, kind, who), n in ordered[:TIMELINE_LIMIT]]


def pair_health(pairing: Pairing, today: date) -> PairRow | None:
    """The pair's row in the health list (None once it is no longer active)."""
    rows = pair_rows([pairing.program], today, pairing_ids=[pairing.id])
    return rows[0] if rows else None


# --- actions ------------------------------------------------------------------------------------


class ActionError(ValueError):
    """An admin action that cannot be done, with a message for the person."""


def _require_active(pairing: Pairing) -> None:
    if pairing.status is not PairingStatus.active:
        raise ActionError("This pairing is no longer active.")


def nudge(pairing: Pairing, actor: User) -> None:
    """Ask both partners, in the app, how it goes and when they meet next."""
    _require_active(pairing)
    text = NUDGE_TEXT.format(program=pairing.program.name)
    for person in (pairing.mentor, pairing.mentee):
        notify(person, "nudge", text, path_for("pairings.detail", pairing_id=pairing.id))
    audit.record(
        actor,
        "pairing.nudged",
        f"Nudged {pairing.mentee.name} and {pairing.mentor.name} (pair {pairing.id})",
        pairing.program,
    )
    db.session.commit()


def message(pairing: Pairing, actor: User, text: str) -> None:
    """A short note from the programme team to both partners (in-app)."""
    _require_active(pairing)
    text = " ".join((text or "").split())
    if not text:
        raise ActionError("Write the message first.")
    if len(text) > 280:
        raise ActionError("Keep the message to 280 characters.")
    for person in (pairing.mentor, pairing.mentee):
        notify(
            person,
            "programme",
            f"From your programme team: {text}",
            path_for("pairings.detail", pairing_id=pairing.id),
        )
    audit.record(
        actor,
        "pairing.messaged",
        f"Messaged {pairing.mentee.name} and {pairing.mentor.name} (pair {pairing.id})",
        pairing.program,
    )
    db.session.commit()


def resolve_concerns(pairing: Pairing, actor: User) -> None:
    """Ending or re-matching answers the partners' open requests; the caller commits."""
    from portal.models import utcnow

    for request in db.session.scalars(
        select(PairingRequest).where(
            PairingRequest.pairing_id == pairing.id,
            PairingRequest.status == RequestStatus.open,
        )
    ):
        request.status = RequestStatus.resolved
        request.resolved_at = utcnow()
        request.resolved_by_id = actor.id


__all__ = ["ActionError", "Event", "message", "nudge", "pair_health", "timeline"]
