"""Pair health snapshots: each active pair's health for a day, in typed columns.

The worker writes every pair's row each night (`rollups.refresh_pair_health`), with the
status and reasons that `health.assess` gives; the pages read the rows in SQL. A pair that has
no row for the day (approved after the refresh, or the refresh has not run yet today) is
computed with the same formula by the page that needs it, and not stored: the pages are GETs,
and a GET never inserts. Only the worker (`ensure`, the refresh) writes rows. An ended pair
leaves the pages at once: they join the pairing and keep only active ones.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Row, Select, and_, exists, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from portal.extensions import db
from portal.models import Pairing, PairingStatus, Program, User, utcnow
from portal.models.insights import PairHealthSnapshot as Snapshot
from portal.services.insights.health import (
    Activity,
    Health,
    HealthStatus,
    PairFacts,
    PairRow,
    active_on,
    pair_rows,
)

KEEP_DAYS = 14
WEEK = timedelta(days=7)
KINDS = ("check_ins", "entries_shared", "comments", "agenda_points")


def snapshot_values(row: PairRow, as_of: date, now: datetime) -> dict:
    """One pair's row for the snapshot table."""
    facts = row.facts
    values = {
        "pairing_id": row.pairing_id,
        "as_of": as_of,
        "program_id": row.program_id,
        "status": row.status.value,
        "status_rank": row.status.rank,
        "reasons": list(row.health.reasons),
        "department": row.department[:120],
        "department_key": row.department.casefold()[:120],
        "mentor_key": row.mentor_name.casefold()[:200],
        "mentee_key": row.mentee_name.casefold()[:200],
        "approved_on": facts.approved_on,
        "cadence_days": facts.cadence_days,
        "cadence_label": facts.cadence_label,
        "last_met_on": facts.last_met_on,
        "next_meeting_on": facts.next_meeting_on,
        "last_planned_on": facts.last_planned_on,
        "last_contact_on": facts.met_on or facts.approved_on,
        "activity": row.activity,
        "agreement_signed": facts.agreement_signed,
        "goals": facts.goals,
        "lowest_rating": facts.lowest_rating,
        "concern": facts.concern,
        "refreshed_at": now,
    }
    for role in ("mentor", "mentee"):
        activity = getattr(facts, role)
        for kind in KINDS:
            values[f"{role}_{kind}"] = getattr(activity, kind)
    return values


def write(rows: list[PairRow], as_of: date) -> None:
    """Insert the rows for `as_of` (the caller removed any earlier ones, and commits)."""
    if rows:
        now = utcnow()
        db.session.execute(insert(Snapshot), [snapshot_values(r, as_of, now) for r in rows])


def missing_pairs(programs: list[Program], day: date) -> list[int]:
    """Pairs active on `day` that have no snapshot row for that day."""
    if not programs:
        return []
    stored = exists().where(Snapshot.pairing_id == Pairing.id, Snapshot.as_of == day)
    return list(
        db.session.scalars(
            select(Pairing.id).where(
                Pairing.program_id.in_([p.id for p in programs]), active_on(day), ~stored
            )
        )
    )


def ensure(programs: list[Program], day: date) -> int:
    """Compute and store the pairs the snapshot lacks for `day`; returns how many.

    One query when nothing is missing. Two requests filling the same pairs at once: the
    second one's insert fails on the primary key, and the first one's rows stand.
    """
    missing = missing_pairs(programs, day)
    if not missing:
        return 0
    rows = pair_rows(programs, day, pairing_ids=missing)
    try:
        write(rows, day)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
    return len(rows)


def row_columns() -> Select:
    """The snapshot's columns joined to its active pairing and both partners' current names
    (plain columns, not objects: the CSV reads thousands of them)."""
    mentor, mentee = aliased(User), aliased(User)
    return (
        select(
            *Snapshot.__table__.c,
            mentor.name.label("mentor_name"),
            mentee.name.label("mentee_name"),
            Pairing.mentor_id,
            Pairing.mentee_id,
            Pairing.score,
        )
        .join(
            Pairing,
            and_(Pairing.id == Snapshot.pairing_id, Pairing.status == PairingStatus.active),
        )
        .join(mentor, mentor.id == Pairing.mentor_id)
        .join(mentee, mentee.id == Pairing.mentee_id)
    )


def to_row(snap: Row) -> PairRow:
    """A page's row from a `row_columns` result: facts and health as the refresh stored them."""
    facts = PairFacts(
        approved_on=snap.approved_on,
        cadence_days=snap.cadence_days,
        cadence_label=snap.cadence_label,
        last_met_on=snap.last_met_on,
        next_meeting_on=snap.next_meeting_on,
        last_planned_on=snap.last_planned_on,
        mentor=Activity(*(snap._mapping[f"mentor_{kind}"] for kind in KINDS)),
        mentee=Activity(*(snap._mapping[f"mentee_{kind}"] for kind in KINDS)),
        agreement_signed=snap.agreement_signed,
        goals=snap.goals,
        lowest_rating=snap.lowest_rating,
        concern=snap.concern,
    )
    return PairRow(
        pairing_id=snap.pairing_id,
        program_id=snap.program_id,
        mentor_id=snap.mentor_id,
        mentor_name=snap.mentor_name,
        mentee_id=snap.mentee_id,
        mentee_name=snap.mentee_name,
        department=snap.department,
        score=snap.score,
        facts=facts,
        health=Health(HealthStatus(snap.status), tuple(snap.reasons)),
    )


def current_rows(programs: list[Program], today: date) -> list[PairRow]:
    """Every active pair's row for today, from the snapshot (filled first where it lacks one)."""
    if not programs:
        return []
    ensure(programs, today)
    query = row_columns().where(
        Snapshot.program_id.in_([p.id for p in programs]), Snapshot.as_of == today
    )
    return [to_row(r) for r in db.session.execute(query.order_by(Snapshot.pairing_id))]


def turned_at_risk(programs: list[Program], today: date) -> list[PairRow]:
    """Pairs at risk today that were not at risk seven days ago (the dashboard's list):
    today's snapshot against the one of seven days ago, each by the formula on its day.

    A pair without a stored row for either day is computed by the same formula and not
    stored: the dashboard is a GET, and a GET never inserts.
    """
    if not programs:
        return []
    at_risk = HealthStatus.at_risk
    stored = row_columns().where(
        Snapshot.program_id.in_([p.id for p in programs]),
        Snapshot.as_of == today,
        Snapshot.status == at_risk.value,
    )
    rows = [to_row(r) for r in db.session.execute(stored)]
    computed = pair_rows(programs, today, pairing_ids=missing_pairs(programs, today))
    rows += [r for r in computed if r.status is at_risk]
    if not rows:
        return []
    week_ago = today - WEEK
    before = dict(
        db.session.execute(
            select(Snapshot.pairing_id, Snapshot.status).where(
                Snapshot.pairing_id.in_([r.pairing_id for r in rows]), Snapshot.as_of == week_ago
            )
        ).all()
    )
    lacking = [r.pairing_id for r in rows if r.pairing_id not in before]
    if lacking:
        for row in pair_rows(programs, week_ago, pairing_ids=lacking):
            before[row.pairing_id] = row.status.value
    turned = [r for r in rows if before.get(r.pairing_id) != at_risk.value]
    return sorted(turned, key=lambda r: (r.program_id, r.mentee_name.casefold(), r.pairing_id))
