"""The dashboard's insight panels, for portal admins and programme leads (the programmes they
run): pairs that turned at risk this week, and how many pairs are at risk today in each
programme, read from the health snapshots (never stored by a GET)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Program, User
from portal.models.insights import PairHealthSnapshot as Snapshot
from portal.services import access
from portal.services.insights.health import HealthStatus, pair_rows
from portal.services.insights.snapshots import missing_pairs, turned_at_risk


def _programs(user: User) -> list[Program]:
    if not (user.is_portal_admin or access.leads_any_program(user)):
        return []
    return list(db.session.scalars(access.insights_programs(user)))


def panel(user: User, today: date | None = None) -> list:
    """Pairs that turned at risk, as (programme slug, pair row), in the programmes the person
    may see the insights of."""
    programs = _programs(user)
    slugs = {p.id: p.slug for p in programs}
    rows = turned_at_risk(programs, today or date.today())
    return [(slugs[r.program_id], r) for r in rows]


def at_risk_counts(programs: list[Program], today: date | None = None) -> dict[int, int]:
    """How many pairs of each programme are at risk today: stored snapshots, and the pairs
    without one computed by the same formula (not stored)."""
    if not programs:
        return {}
    today = today or date.today()
    ids = [p.id for p in programs]
    counts = dict(
        db.session.execute(
            select(Snapshot.program_id, func.count())
            .where(
                Snapshot.program_id.in_(ids),
                Snapshot.as_of == today,
                Snapshot.status == HealthStatus.at_risk.value,
            )
            .group_by(Snapshot.program_id)
        )
        .tuples()
        .all()
    )
    for row in pair_rows(programs, today, pairing_ids=missing_pairs(programs, today)):
        if row.status is HealthStatus.at_risk:
            counts[row.program_id] = counts.get(row.program_id, 0) + 1
    return counts
