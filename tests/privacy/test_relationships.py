"""Does shared material stay inside the relationship it was shared in, on every page?

The leak sweep of test_no_leaks.py asks "does private text reach anyone but its author?".
This sweep adds the relationship dimension: one world of people who know each other in
several relationships at once, with distinct marker text planted per relationship and per
kind of material, then every GET route (page and htmx fragment) walked as each person.

The world (one per module, built once):
- Marcus mentored Fay last year (a completed pairing);
- this year he mentors Alma in programme A and Ben in programme B, and shares one story and
  one practice with "all my current mentees";
- Lou leads programme A and is herself a mentee of Kai in programme C;
- an admin runs everything.

Each marker must appear to exactly the people of its relationship (never to the other
mentee, the former partner, the lead or the admin), and each of them must find it somewhere.
One test per viewer walks the world (built once per module and xdist worker, read only:
`shared_world`), so that parallel workers share the walk.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import select

from portal.extensions import db
from portal.models import PairingStatus, Program, utcnow
from portal.models.guide import ClosingReflection
from portal.models.journal import Visibility
from portal.services import journal, practice
from tests.conftest import session_of, use_session
from tests.factories import (
    make_admin,
    make_agenda_point,
    make_agreement,
    make_check_in,
    make_entry,
    make_goal,
    make_lead,
    make_meeting,
    make_pairing,
    make_practice,
    make_program,
)
from tests.privacy.test_no_leaks import SKIPPED_ENDPOINTS, _candidate_values, texts_seen

pytestmark = pytest.mark.shared_world

# One word per relationship, one per kind of material: a marker is "<relationship>-<kind>".
RELATIONSHIPS = {
    "past": "falcon3301",  # Marcus and Fay, completed last year
    "a": "aspen4402",  # Marcus and Alma, programme A
    "b": "birch5503",  # Marcus and Ben, programme B
    "lead": "larch6604",  # Kai and Lou (who leads programme A), programme C
    "all": "cedar7705",  # Marcus's story and practice for all his current mentees
}
PAIR_KINDS = (
    "entry",  # the mentee's shared entry
    "story",  # the mentor's shared entry
    "remark",  # the mentor's comment on the mentee's entry
    "answer",  # the mentee's comment on the mentor's story
    "practice",  # the mentee's shared practice (title)
    "checkin",  # a check-in note on it
    "cheer",  # the mentor's comment on the practice
    "goal",
    "closing",  # the mentee's closing reflection, shared
    "agenda",
    "minutes",  # meeting notes
    "pact",  # the agreement
)
ALL_KINDS = ("story", "reply", "practice", "checkin")
READERS = {
    "past": {"marcus", "fay"},
    "a": {"marcus", "alma"},
    "b": {"marcus", "ben"},
    "lead": {"kai", "lou"},
    "all": {"marcus", "alma", "ben"},
}
VIEWERS = ("marcus", "fay", "alma", "ben", "lou", "kai", "admin")


def marker(relationship: str, kind: str) -> str:
    return f"{RELATIONSHIPS[relationship]}-{kind}"


def markers_of(relationship: str) -> set[str]:
    kinds = ALL_KINDS if relationship == "all" else PAIR_KINDS
    return {marker(relationship, kind) for kind in kinds}


def allowed_for(viewer: str) -> set[str]:
    return set().union(*(markers_of(rel) for rel, people in READERS.items() if viewer in people))


EVERY_MARKER = set().union(*(markers_of(rel) for rel in RELATIONSHIPS))


def plant_pairing(pairing, relationship: str) -> None:
    """Every kind of material, shared in this pairing only."""
    mentor, mentee = pairing.mentor, pairing.mentee

    def m(kind: str) -> str:
        return marker(relationship, kind)

    shared = {"visibility": Visibility.shared, "audience": [pairing]}
    entry = make_entry(author=mentee, title=f"Entry {m('entry')}", body="Plain", **shared)
    story = make_entry(author=mentor, title="A story", body=f"Story {m('story')}", **shared)
    journal.add_comment(mentor, entry, f"Remark {m('remark')}")
    journal.add_comment(mentee, story, f"Answer {m('answer')}")
    own_practice = make_practice(owner=mentee, title=f"Practice {m('practice')}", **shared)
    make_check_in(own_practice, note=f"Noticed {m('checkin')}")
    practice.add_comment(own_practice, mentor, f"Cheer {m('cheer')}")
    make_goal(pairing, mentee, title=f"Goal {m('goal')}")
    reflection = make_entry(
        author=mentee, title="Closing reflection", body=f"Forward {m('closing')}", **shared
    )
    db.session.add(
        ClosingReflection(pairing_id=pairing.id, user_id=mentee.id, entry_id=reflection.id)
    )
    make_agenda_point(pairing, mentor, text=f"Agenda {m('agenda')}")
    make_meeting(pairing, notes=f"Minutes {m('minutes')}")
    make_agreement(pairing, sharing=f"Pact {m('pact')}")
    db.session.commit()


def build_world() -> dict:
    last_year = make_program(name="Leadership last year")
    past = make_pairing(program=last_year)
    marcus, fay = past.mentor, past.mentee
    plant_pairing(past, "past")
    past.status = PairingStatus.completed
    past.ended_at = utcnow() - timedelta(days=1)
    db.session.commit()

    a = make_pairing(program=make_program(name="Programme A"), mentor=marcus)
    b = make_pairing(program=make_program(name="Programme B"), mentor=marcus)
    lou = make_lead(a.program, name="Lou Lead")
    led = make_pairing(program=make_program(name="Programme C"), mentee=lou)
    for pairing, relationship in ((a, "a"), (b, "b"), (led, "lead")):
        plant_pairing(pairing, relationship)

    # Marcus's story and practice for all his current mentees: one audience row per pairing.
    to_all = {"visibility": Visibility.shared, "audience": [a, b]}
    story = make_entry(
        author=marcus, title="For all", body=f"Story {marker('all', 'story')}", **to_all
    )
    journal.add_comment(marcus, story, f"Reply {marker('all', 'reply')}")
    journal.add_comment(a.mentee, story, f"From Alma {marker('a', 'answer')}")
    journal.add_comment(b.mentee, story, f"From Ben {marker('b', 'answer')}")
    common = make_practice(owner=marcus, title=f"Practice {marker('all', 'practice')}", **to_all)
    make_check_in(common, note=f"Noticed {marker('all', 'checkin')}")
    practice.add_comment(common, a.mentee, f"Alma cheers {marker('a', 'cheer')}")
    practice.add_comment(common, b.mentee, f"Ben cheers {marker('b', 'cheer')}")
    db.session.commit()
    return {
        "marcus": marcus,
        "fay": fay,
        "alma": a.mentee,
        "ben": b.mentee,
        "lou": lou,
        "kai": led.mentor,
        "admin": make_admin(),
    }


# Each argument takes the values of its own kind (a pairing id the pairings' ids, a slug the
# programmes' slugs), so the walk stays short while it still reaches every object of the
# world (the general sweep tries every id and every word everywhere).
TABLES_BY_ARGUMENT = {
    "circle_id": ("circles",),
    "entry_id": ("journal_entries",),
    "goal_id": ("goals",),
    "meeting_id": ("meetings", "planned_meetings"),
    "pairing_id": ("pairings",),
    "practice_id": ("practices",),
    "point_id": ("agenda_points",),
    "notification_id": ("notifications",),
    "membership_id": ("memberships",),
    "mentee_id": ("users",),
    "request_id": ("pairing_requests",),
    "lead_id": ("program_leads",),
    "template_id": ("practice_templates",),
    "job_id": ("background_jobs",),
    "message_id": ("outbox_messages",),
}


WORDS_BY_ARGUMENT = {"round_name": ["midpoint", "close"], "what": ["participants", "pairs"]}


def _values(rule, argument: str) -> list:
    if argument == "slug":
        return sorted(db.session.scalars(select(Program.slug)).all())
    if argument in WORDS_BY_ARGUMENT:
        return WORDS_BY_ARGUMENT[argument]
    tables = TABLES_BY_ARGUMENT.get(argument)
    if tables is None:
        return _candidate_values(rule._converters[argument].__class__.__name__, argument)
    ids: set[int] = set()
    for name in tables:
        table = db.metadata.tables[name]
        ids.update(db.session.scalars(select(table.c.id)).all())
    return sorted(ids) or [1]


def relationship_urls(app) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        arguments = sorted(rule.arguments)
        choices = [_values(rule, argument) for argument in arguments]
        for values in itertools.product(*choices):
            urls.append(url_for(rule.endpoint, **dict(zip(arguments, values, strict=True))))
    return urls


@pytest.fixture(scope="module")
def world(module_app) -> tuple[list[str], dict[str, tuple[str, str]]]:
    """The world, committed once: every URL to walk, and a signed-in session per viewer."""
    with module_app.app_context():
        cast = build_world()
        sessions = {viewer: session_of(cast[viewer]) for viewer in VIEWERS}
        urls = relationship_urls(module_app)
        db.session.remove()
    return urls, sessions


@pytest.mark.parametrize("viewer", VIEWERS)
def test_does_shared_material_reach_exactly_the_people_of_its_relationship(world, client, viewer):
    urls, sessions = world
    use_session(client, sessions[viewer])
    found: dict[str, str] = {}
    for url, text in texts_seen(client, urls):
        for mark in EVERY_MARKER:
            if mark in text and mark not in found:
                found[mark] = url

    allowed = allowed_for(viewer)
    leaks = sorted((mark, url) for mark, url in found.items() if mark not in allowed)
    assert leaks == [], f"{viewer} sees material of relationships they are not in"
    # The sweep reaches the pages where each rightful reader does find each marker.
    missing = sorted(allowed - set(found))
    assert missing == [], f"{viewer} finds their relationships' material on no page"
