"""Does any GET write? Every GET route, as every role, must leave every table's row count alone.

A page that creates its row "on first view" (an agreement, preference rows) races when two
people open it at once, and a link scanner or a prefetch would write. Such pages show a value
computed without a row and insert on POST. New routes are walked automatically.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from flask import url_for
from sqlalchemy import select, text

from portal.extensions import db
from portal.models import MembershipStatus, PairingStatus, Program, User
from tests.conftest import open_session
from tests.factories import (
    make_admin,
    make_lead,
    make_meeting,
    make_membership,
    make_pairing,
    make_program,
    make_user,
)
from tests.privacy.test_no_leaks import plant

SKIPPED = {"static", "auth.logout"}
# Which table an id argument names; meetings may be logged or planned.
TABLES = {
    "booking_id": ["office_hour_bookings"],
    "circle_id": ["circles"],
    "entry_id": ["journal_entries"],
    "export_id": ["data_exports"],
    "goal_id": ["goals"],
    "item_id": ["journal_entries", "practices"],  # a circle thread: an entry or a practice
    "job_id": ["background_jobs"],
    "meeting_id": ["meetings", "planned_meetings"],
    "membership_id": ["memberships"],
    "mentee_id": ["users"],
    "pairing_id": ["pairings"],
    "practice_id": ["practices"],
    "request_id": ["pairing_requests", "mentor_requests"],
    "template_id": ["practice_templates"],
    "user_id": ["users"],
}


def _values(argument: str) -> list:
    from portal.services.insights.analytics import ALL_FIGURES as FIGURES
    from portal.services.reminders.kinds import KINDS
    from portal.services.reminders.preferences import unsubscribe_token

    if argument in TABLES:
        ids: set[int] = set()
        for table in TABLES[argument]:
            ids.update(db.session.scalars(select(db.metadata.tables[table].c.id)).all())
        return sorted(ids)
    someone = db.session.scalars(select(User).order_by(User.id)).first()
    fixed = {
        "slug": db.session.scalars(select(Program.slug)).all(),
        "key": list(FIGURES),
        "kind": list(KINDS),
        "round_name": ["midpoint", "close"],
        "what": ["participants", "pairs"],
        "token": ["not-a-token", unsubscribe_token(someone, next(iter(KINDS)))],
        # /scim/v2 answers 401 without its bearer token (a SCIM call with one is audited).
        "scim_id": ["00000000-0000-0000-0000-000000000000"],
        "schema_id": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "name": ["User"],
    }
    return fixed[argument]


def get_urls(app) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in SKIPPED:
            continue
        arguments = sorted(rule.arguments)
        for values in itertools.product(*[_values(a) for a in arguments]):
            urls.append(url_for(rule.endpoint, **dict(zip(arguments, values, strict=True))))
    return urls


def row_counts() -> dict[str, int]:
    tables = sorted(db.metadata.tables)
    query = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM \"{t}\"" for t in tables)
    return dict(db.session.execute(text(query)).all())


def world() -> dict:
    """Every kind of thing a GET page shows: a planted pairing, one with nothing started yet
    (no agreement, no preferences), a proposed pair, an application, staff and an outsider."""
    program = make_program(starts_on=date.today() - timedelta(days=350))
    pairing = make_pairing(program=program)
    plant(pairing)
    fresh = make_pairing(program=program)
    make_meeting(fresh)
    make_pairing(program=program, status=PairingStatus.proposed, approved_at=None)
    make_membership(program=program, status=MembershipStatus.applied)
    return {
        "mentee": pairing.mentee,
        "mentor": pairing.mentor,
        "fresh_mentee": fresh.mentee,
        "fresh_mentor": fresh.mentor,
        "admin": make_admin(),
        "lead": make_lead(program),
        "outsider": make_user(),
        "anonymous": None,
    }


def test_does_any_get_route_write_a_row_for_any_role(app):
    cast = world()
    urls = get_urls(app)
    assert len(urls) > 100
    writes = {}
    for role, person in cast.items():
        client = app.test_client()
        if person is not None:
            open_session(client, person)
        before = row_counts()
        for url in urls:
            client.get(url)
            db.session.rollback()
            after = row_counts()
            if after != before:
                changed = {t: after[t] - before[t] for t in after if after[t] != before[t]}
                writes.setdefault(role, []).append((url, changed))
                before = after
    assert writes == {}
