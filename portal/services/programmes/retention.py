"""Retention per programme: what participants wrote in a programme goes a set time after it ends.

A programme's `retention_months` (None: kept) says how long the participants' content of the
programme is kept after its end date. From the day after `ends_on + retention_months`, the
daily job `apply_retention` removes what was written *in the programme's pairings and circles*
and its application answers (KINDS below). A person's own journal entries and practices stay theirs
(sharing them in the programme ends); the pairings, meetings' dates and the counts in reports
stay. The job is idempotent: a second run finds nothing left and records nothing.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from huey import crontab
from sqlalchemy import ColumnElement, delete, func, select, update

from portal.extensions import db
from portal.models import Membership, Pairing, Program, utcnow
from portal.models.circles import (
    Circle,
    CircleAgendaPoint,
    CircleAgreement,
    CircleComment,
    CircleIntroduction,
    CircleMember,
    CircleReflection,
    EntryCircleAudience,
    EntryPrivateShare,
    GoalCircleAudience,
    GoalPrivateShare,
    PracticeCircleAudience,
    PracticePrivateShare,
)
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


def _by_pairing(label: str, model: Any, key: str = "id") -> Kind:
    """Rows of ``model`` written in the programme's pairings, removed whole."""
    return Kind(
        label,
        lambda p, _: select(getattr(model, key)).where(_in(model.pairing_id, p)),
        lambda p, _: delete(model).where(_in(model.pairing_id, p)),
    )


def _circles(program_id: int):
    return select(Circle.id).where(Circle.program_id == program_id).scalar_subquery()


def _by_circle(label: str, model: Any, key: str = "id") -> Kind:
    """Rows of ``model`` written in the programme's circles, removed whole."""
    return Kind(
        label,
        lambda _, program_id: select(getattr(model, key)).where(
            model.circle_id.in_(_circles(program_id))
        ),
        lambda _, program_id: delete(model).where(model.circle_id.in_(_circles(program_id))),
    )


KINDS: dict[str, Kind] = {
    "entry_shares": _by_pairing(
        "journal entries shared in its pairings (the entries stay with their authors)",
        EntryAudience,
        "entry_id",
    ),
    "entry_comments": _by_pairing("comments on shared entries", EntryComment),
    "practice_shares": _by_pairing(
        "practices shared in its pairings (the practices stay with their owners)",
        PracticeAudience,
        "practice_id",
    ),
    "practice_comments": _by_pairing("comments on shared practices", PracticeComment),
    "meeting_notes": Kind(
        "meeting notes (the meetings' dates stay)",
        lambda p, _: select(Meeting.id).where(_in(Meeting.pairing_id, p), Meeting.notes != ""),
        lambda p, _: (
            update(Meeting).where(_in(Meeting.pairing_id, p), Meeting.notes != "").values(notes="")
        ),
    ),
    "agenda_points": _by_pairing("agenda points", AgendaPoint),
    "goals": _by_pairing("goals and their ratings", Goal),
    "agreements": _by_pairing("agreements and their versions", Agreement),
    "requests": _by_pairing("confidential requests about its pairings", PairingRequest),
    "circle_entry_shares": _by_circle(
        "journal entries shared with its circles (the entries stay with their authors)",
        EntryCircleAudience,
        "entry_id",
    ),
    "circle_practice_shares": _by_circle(
        "practices shared with its circles (the practices stay with their owners)",
        PracticeCircleAudience,
        "practice_id",
    ),
    "circle_goal_shares": _by_circle(
        "goals shared with its circles", GoalCircleAudience, "goal_id"
    ),
    "circle_private_entry_shares": _by_circle(
        "journal entries shared with one person of its circles (the entries stay)",
        EntryPrivateShare,
        "entry_id",
    ),
    "circle_private_practice_shares": _by_circle(
        "practices shared with one person of its circles (the practices stay)",
        PracticePrivateShare,
        "practice_id",
    ),
    "circle_private_goal_shares": _by_circle(
        "goals shared with one person of its circles", GoalPrivateShare, "goal_id"
    ),
    "circle_agreements": _by_circle(
        "circle agreements, their versions and signatures", CircleAgreement
    ),
    "circle_reflections": _by_circle("circle closing reflections", CircleReflection),
    "circle_agenda_points": _by_circle("circle agenda points", CircleAgendaPoint),
    "circle_comments": _by_circle("comments written in its circles", CircleComment),
    "circle_introductions": _by_circle("circle members' introductions", CircleIntroduction),
    "circle_leave_notes": Kind(
        "notes left for the team by members who left a circle",
        lambda _, program_id: select(CircleMember.id).where(
            CircleMember.circle_id.in_(_circles(program_id)), CircleMember.leave_note.is_not(None)
        ),
        lambda _, program_id: (
            update(CircleMember)
            .where(
                CircleMember.circle_id.in_(_circles(program_id)),
                CircleMember.leave_note.is_not(None),
            )
            .values(leave_note=None)
        ),
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
