"""Rollups, so the insight pages never scan a year of activity while an admin waits.

- `refresh_rollups()`: weekly engagement counts in `insight_weeks`, from the direct queries of
  `analytics.engagement`;
- `refresh_pair_health()`: today's health of every active pair in `pair_health_snapshots`,
  from `health.pair_rows` and the formula in `health.assess`;
- `refresh_figures()`: the funnel, practices, templates, surveys and goals figures in
  `insight_figures`, from the direct functions in `analytics`.

The background worker runs all three each night, and `flask --app portal insights refresh`
runs them by hand. Until a first refresh, the pages compute what they need directly.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from huey import crontab
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import Program, utcnow
from portal.models.insights import InsightFigure, InsightWeek, PairHealthSnapshot
from portal.services.insights import analytics, snapshots
from portal.services.insights.analytics import KINDS, WeekRow, engagement
from portal.services.insights.health import pair_rows
from portal.tasks import periodic_task


def _to_row(program_id: int | None, week: WeekRow, now: datetime) -> InsightWeek:
    events, people = week.events or {}, week.people or {}
    values = {
        f"{role}_{column}": events.get((role, kind), 0)
        for role in ("mentee", "mentor")
        for column, kind in KINDS
    }
    return InsightWeek(
        program_id=program_id,
        week_start=week.starts_on,
        meetings=week.meetings,
        active_pairs=week.active_pairs,
        live_pairs=week.live_pairs,
        mentee_people=people.get("mentee", 0),
        mentor_people=people.get("mentor", 0),
        refreshed_at=now,
        **values,
    )


def refresh_rollups(today: date | None = None) -> int:
    """Rewrite every programme's weeks and the all-programmes weeks; returns rows written."""
    today = today or date.today()
    programs = list(db.session.scalars(select(Program).order_by(Program.id)))
    now = utcnow()
    written = 0
    try:
        db.session.execute(delete(InsightWeek))
        scopes: list[tuple[int | None, list[Program]]] = [(p.id, [p]) for p in programs]
        if programs:
            scopes.append((None, programs))
        for program_id, scope in scopes:
            if min(p.starts_on for p in scope) > today:
                continue
            rows = [_to_row(program_id, w, now) for w in engagement(scope, today)]
            db.session.add_all(rows)
            written += len(rows)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return written


def last_refresh() -> datetime | None:
    return db.session.scalar(select(func.max(InsightWeek.refreshed_at)))


def refresh_pair_health(today: date | None = None) -> int:
    """Rewrite every active pair's health snapshot for `today`; returns pairs written.

    Rows older than two weeks go. The row of seven days ago, which the dashboard compares
    with, is filled in where the refresh did not run that day.
    """
    today = today or date.today()
    programs = list(db.session.scalars(select(Program).order_by(Program.id)))
    rows = pair_rows(programs, today)
    for attempt in (1, 2):
        try:
            db.session.execute(
                delete(PairHealthSnapshot).where(
                    (PairHealthSnapshot.as_of == today)
                    | (PairHealthSnapshot.as_of < today - timedelta(days=snapshots.KEEP_DAYS))
                )
            )
            snapshots.write(rows, today)
            db.session.commit()
            break
        except IntegrityError:
            # A page stored a missing pair between the delete and the insert: once more.
            db.session.rollback()
            if attempt == 2:
                raise
        except Exception:
            db.session.rollback()
            raise
    snapshots.ensure(programs, today - snapshots.WEEK)
    return len(rows)


def refresh_figures(today: date | None = None) -> int:
    """Rewrite the rolled-up analytics figures of every programme and of all; returns rows."""
    today = today or date.today()
    programs = list(db.session.scalars(select(Program).order_by(Program.id)))
    now = utcnow()
    written = 0
    try:
        db.session.execute(delete(InsightFigure))
        scopes: list[tuple[int | None, list[Program]]] = [(p.id, [p]) for p in programs]
        if programs:
            scopes.append((None, programs))
        for program_id, scope in scopes:
            for figure, extra in analytics.rolled_figures(scope, today):
                db.session.add(
                    InsightFigure(
                        program_id=program_id,
                        key=figure.key,
                        as_of=today,
                        program_ids=[p.id for p in scope],
                        rows=figure.rows,
                        extra={"figure": analytics.figure_shape(figure), **extra},
                        refreshed_at=now,
                    )
                )
                written += 1
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return written


@periodic_task(crontab(hour="0", minute="5"))
def refresh_every_morning() -> tuple[int, int, int]:
    """The worker rebuilds the rollups just after midnight (UTC), before anyone opens the
    pages: until it has, a page computes the pairs that lack today's snapshot itself."""
    return refresh_rollups(), refresh_pair_health(), refresh_figures()
