"""An applicant's page for the people who run the programme: answers, history, decisions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import Membership, Pairing, User
from portal.models.enrollment import AuditEvent
from portal.services.matching.cohort import STYLE_QUESTIONS
from portal.services.programmes.enrollment import FORMAT_LABELS, SENIORITY_LEVELS, questions_for


@dataclass
class Step:
    """One moment in an application's history."""

    at: datetime
    what: str
    who: str | None = None
    reason: str | None = None


def _as_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "—"
    return str(value) if value not in (None, "") else "—"


def answers(membership: Membership) -> list[tuple[str, str]]:
    """The application's answers as (question, answer), in the form's order."""
    p = membership.profile or {}
    rows = [
        ("Department", _as_text(p.get("department"))),
        ("Seniority", SENIORITY_LEVELS.get(p.get("seniority"), "—")),
        ("Location", _as_text(p.get("location"))),
        ("Time zone", _as_text(p.get("timezone") or "UTC")),
        ("Meeting format", FORMAT_LABELS.get(p.get("format") or "either", "—")),
        ("Values", _as_text(p.get("values"))),
    ]
    style = p.get("style") or {}
    rows += [(f"Style: {q}", _as_text(style.get(q))) for q in STYLE_QUESTIONS]
    if membership.role.value == "mentee":
        rows += [("Goals", _as_text(p.get("goals"))), ("To develop", _as_text(p.get("develop")))]
    else:
        rows += [
            ("Strengths", _as_text(p.get("strengths"))),
            ("Mentees at most", _as_text(p.get("capacity") or 1)),
        ]
    rows += [("Avoid", _as_text(p.get("avoid"))), ("Manager", _as_text(p.get("manager")))]
    given = p.get("answers") or {}
    for question in questions_for(membership.program):
        if question.asks(membership.role.value):
            rows.append((question.label, _as_text(given.get(question.key))))
    return rows


def history(membership: Membership) -> list[Step]:
    """Applied, each decision (with its reason, for admins), undos, and pairings."""
    steps = [Step(membership.created_at, f"Applied as {membership.role.value}")]
    events = db.session.scalars(
        select(AuditEvent)
        .options(joinedload(AuditEvent.actor))
        .where(
            AuditEvent.program_id == membership.program_id,
            AuditEvent.detail["membership_id"].as_integer() == membership.id,
        )
    )
    for event in events:
        detail = event.detail or {}
        what = event.summary + (" (undone)" if detail.get("undone") else "")
        steps.append(
            Step(
                event.created_at,
                what,
                event.actor.name if event.actor else None,
                detail.get("reason"),
            )
        )
    pairings = db.session.scalars(
        select(Pairing)
        .options(joinedload(Pairing.mentor), joinedload(Pairing.mentee))
        .where(
            Pairing.program_id == membership.program_id,
            or_(Pairing.mentor_id == membership.user_id, Pairing.mentee_id == membership.user_id),
        )
    )
    for pairing in pairings:
        partner = pairing.partner_of(membership.user)
        steps.append(Step(pairing.created_at, f"Proposed with {partner.name}"))
        if pairing.approved_at:
            steps.append(Step(pairing.approved_at, f"Paired with {partner.name}"))
        if pairing.ended_at:
            steps.append(Step(pairing.ended_at, f"Pairing with {partner.name} ended"))
    return sorted(steps, key=lambda s: s.at)


def applicant_page(viewer: User, membership: Membership) -> dict[str, Any]:
    """Everything the applicant page shows; the caller loaded it via `access.run_memberships`."""
    return {
        "membership": membership,
        "answers": answers(membership),
        "history": history(membership),
    }
