"""Retention per programme: what participants wrote in a programme goes a set time after it ends.

A programme's `retention_months` (None: kept) says how long the participants' content of the
programme is kept after its end date. From the day after `ends_on + retention_months`, the
daily job `apply_retention` removes what was written *in the programme's pairings* and its
application answers (KINDS below). A person's own journal entries and practices stay theirs
(sharing them in the programme ends); the pairings, meetings' dates and the counts in reports
stay. The job is idempotent: a second run finds nothing left and records nothing.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from huey import crontab
from sqlalchemy import ColumnElement, delete, func, select, update

from portal.extensions import db
from portal.models import Membership, Pairing, Program, utcnow
from portal.models.guide import PairingRequest, SurveyResponse
from portal.models.journal import EntryAudience, EntryComment
from portal.models.kickoff import Agreement, AgreementVersion, Goal
from portal.models.meetings import AgendaPoint, Meeting
from portal.models.practice import PracticeAudience, PracticeComment
from portal.services.platform import audit
from portal.tasks import periodic_task

# Longest retention an admin may set (ten years).
MAX_MONTHS = 120


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def removal_date(program: Program) -> date | None:
    """The first day the programme's content is removed, or None when it is kept."""
    if program.retention_months is None or program.ends_on is None:
        return None
    return add_months(program.ends_on, program.retention_months) + timedelta(days=1)


def is_due(program: Program, today: date) -> bool:
    when = removal_date(program)
    return when is not None and today >= when


@dataclass(frozen=True)
class Kind:
    """One kind of content: its words, how many rows hold some, and the statement removing it."""

    label: str
    rows: Callable[[ColumnElement, int], object]  # (pairing ids, programme id) -> select of ids
    remove: Callable[[ColumnElement, int], object]  # -> delete/update statement


def _in(column, pairings):
    return column.in_(pairings)


KINDS: dict[str, Kind] = {
    "entry_shares": Kind(
        "journal entries shared in its pairings (the entries stay with their authors)",
        lambda p, _: select(EntryAudience.entry_id).where(_in(EntryAudience.pairing_id, p)),
        lambda p, _: delete(EntryAudience).where(_in(EntryAudience.pairing_id, p)),
    ),
    "entry_comments": Kind(
        "comments on shared entries",
        lambda p, _: select(EntryComment.id).where(_in(EntryComment.pairing_id, p)),
        lambda p, _: delete(EntryComment).where(_in(EntryComment.pairing_id, p)),
    ),
    "practice_shares": Kind(
        "practices shared in its pairings (the practices stay with their owners)",
        lambda p, _: select(PracticeAudience.practice_id).where(
            _in(PracticeAudience.pairing_id, p)
        ),
        lambda p, _: delete(PracticeAudience).where(_in(PracticeAudience.pairing_id, p)),
    ),
    "practice_comments": Kind(
        "comments on shared practices",
        lambda p, _: select(PracticeComment.id).where(_in(PracticeComment.pairing_id, p)),
        lambda p, _: delete(PracticeComment).where(_in(PracticeComment.pairing_id, p)),
    ),
    "meeting_notes": Kind(
        "meeting notes (the meetings' dates stay)",
        lambda p, _: select(Meeting.id).where(_in(Meeting.pairing_id, p), Meeting.notes != ""),
        lambda p, _: (
            update(Meeting).where(_in(Meeting.pairing_id, p), Meeting.notes != "").values(notes="")
        ),
    ),
    "agenda_points": Kind(
        "agenda points",
        lambda p, _: select(AgendaPoint.id).where(_in(AgendaPoint.pairing_id, p)),
        lambda p, _: delete(AgendaPoint).where(_in(AgendaPoint.pairing_id, p)),
    ),
    "goals": Kind(
        "goals and their ratings",
        lambda p, _: select(Goal.id).where(_in(Goal.pairing_id, p)),
        lambda p, _: delete(Goal).where(_in(Goal.pairing_id, p)),
    ),
    "agreements": Kind(
        "agreements and their versions",
        lambda p, _: select(Agreement.id).where(_in(Agreement.pairing_id, p)),
        lambda p, _: delete(Agreement).where(_in(Agreement.pairing_id, p)),
    ),
    "requests": Kind(
        "confidential requests about its pairings",
        lambda p, _: select(PairingRequest.id).where(_in(PairingRequest.pairing_id, p)),
        lambda p, _: delete(PairingRequest).where(_in(PairingRequest.pairing_id, p)),
    ),
    "survey_comments": Kind(
        "survey comments (the ratings stay, as counts)",
        lambda _, program_id: select(SurveyResponse.id).where(
            SurveyResponse.program_id == program_id, SurveyResponse.comment != ""
        ),
        lambda _, program_id: (
            update(SurveyResponse)
            .where(SurveyResponse.program_id == program_id, SurveyResponse.comment != "")
            .values(comment="")
        ),
    ),
}


def _pairings(program: Program):
    return select(Pairing.id).where(Pairing.program_id == program.id).scalar_subquery()


def _answered(program: Program) -> list[int]:
    """Memberships whose application answers are still held (JSON: compared in Python)."""
    rows = db.session.execute(
        select(Membership.id, Membership.profile).where(Membership.program_id == program.id)
    )
    return [membership_id for membership_id, profile in rows if profile]


def preview(program: Program) -> dict[str, int]:
    """How many rows of each kind the next run would remove (whether or not it is due)."""
    pairings = _pairings(program)
    counts = {
        name: db.session.scalar(
            select(func.count()).select_from(kind.rows(pairings, program.id).subquery())
        )
        or 0
        for name, kind in KINDS.items()
    }
    counts["application_answers"] = len(_answered(program))
    return counts


LABELS = {name: kind.label for name, kind in KINDS.items()} | {
    "application_answers": "application answers"
}


def apply(program: Program) -> dict[str, int]:
    """Remove the programme's participant content now; the caller commits. Counts per kind."""
    pairings = _pairings(program)
    agreements = select(Agreement.id).where(Agreement.pairing_id.in_(pairings))
    removed = {
        "agreement_versions": db.session.execute(
            delete(AgreementVersion).where(AgreementVersion.agreement_id.in_(agreements))
        ).rowcount
        or 0
    }
    for name, kind in KINDS.items():
        statement = kind.remove(pairings, program.id)
        removed[name] = (
            db.session.execute(statement.execution_options(synchronize_session=False)).rowcount or 0
        )
    answered = _answered(program)
    if answered:
        db.session.execute(update(Membership).where(Membership.id.in_(answered)).values(profile={}))
    removed["application_answers"] = len(answered)
    return removed


@periodic_task(crontab(minute="41", hour="2"))
def apply_retention(today: date | None = None) -> dict[str, int]:
    """Daily: for each programme past its retention, remove what is left (each commits alone).

    Under a row lock on the programme, so two workers running it at once remove once; a
    programme with nothing left is skipped without an audit line.
    """
    today = today or utcnow().date()
    totals: dict[str, int] = {}
    candidates = list(
        db.session.scalars(select(Program.id).where(Program.retention_months.is_not(None)))
    )
    db.session.rollback()
    for program_id in candidates:
        program = db.session.scalar(
            select(Program).where(Program.id == program_id).with_for_update()
        )
        if program is None or not is_due(program, today):
            db.session.rollback()
            continue
        removed = apply(program)
        if any(removed.values()):
            audit.record(
                None,
                "program.retention_applied",
                f"Removed participants' content {program.retention_months} months after the end",
                program,
                **removed,
            )
        db.session.commit()
        for name, n in removed.items():
            totals[name] = totals.get(name, 0) + n
    return totals
