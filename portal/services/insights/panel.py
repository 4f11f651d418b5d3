"""The admin dashboard's insight panel: pairs that turned at risk this week, read from the
health snapshots of today and of seven days ago."""

from __future__ import annotations

from datetime import date

from portal.extensions import db
from portal.models import User
from portal.services import access
from portal.services.insights.snapshots import turned_at_risk


def panel(user: User, today: date | None = None) -> list:
    """Pairs that turned at risk, as (programme slug, pair row), for those who see insights."""
    if not access.can_see_programme_insights(user):
        return []
    programs = list(db.session.scalars(access.visible_programs(user)))
    slugs = {p.id: p.slug for p in programs}
    rows = turned_at_risk(programs, today or date.today())
    return [(slugs[r.program_id], r) for r in rows]
