"""The privacy matrix, relationship by relationship: who may read and who may add, per item.

Marcus mentors Alma now (programme A) and Ben now (programme B); he mentored Fay last year
(completed) and Eve until she moved teams (ended early). Material was shared in Alma's
pairing and in Fay's. Each person x each item x each action is asked of access.py, through
both its yes/no check and its query, so the two can never drift apart.
"""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import PairingStatus, utcnow
from portal.models.journal import JournalEntry, Visibility
from portal.models.kickoff import Goal
from portal.models.practice import CheckIn, Practice
from portal.services import access
from tests.factories import (
    make_admin,
    make_check_in,
    make_entry,
    make_goal,
    make_lead,
    make_pairing,
    make_practice,
    make_program,
    make_user,
)

VIEWERS = ("marcus", "alma", "ben", "fay", "eve", "lead", "admin", "outsider")


@pytest.fixture
def world():
    past = make_pairing(program=make_program(name="Last year"))
    marcus, fay = past.mentor, past.mentee
    early = make_pairing(program=make_program(name="Moved on"), mentor=marcus)
    shared_past = {"visibility": Visibility.shared, "audience": [past]}
    items = {
        "story_past": make_entry(author=marcus, **shared_past),
        "entry_past": make_entry(author=fay, **shared_past),
        "practice_past": make_practice(owner=marcus, **shared_past),
        "goal_past": make_goal(past, fay),
    }
    make_check_in(items["practice_past"])
    past.status = PairingStatus.completed
    past.ended_at = utcnow()
    early.end("Moved teams")
    db.session.commit()
    now = make_pairing(program=make_program(name="Programme A"), mentor=marcus)
    other = make_pairing(program=make_program(name="Programme B"), mentor=marcus)
    shared_now = {"visibility": Visibility.shared, "audience": [now]}
    items |= {
        "story_now": make_entry(author=marcus, **shared_now),
        "entry_now": make_entry(author=now.mentee, **shared_now),
        "practice_now": make_practice(owner=marcus, **shared_now),
        "goal_now": make_goal(now, now.mentee),
        "private_now": make_entry(author=now.mentee, visibility=Visibility.private),
    }
    make_check_in(items["practice_now"])
    cast = {
        "marcus": marcus,
        "alma": now.mentee,
        "ben": other.mentee,
        "fay": fay,
        "eve": early.mentee,
        "lead": make_lead(now.program),
        "admin": make_admin(),
        "outsider": make_user(),
    }
    return cast, items


# Who reads each item; who may still add to it (comment, or the author's reply).
READS = {
    "story_now": {"marcus", "alma"},
    "entry_now": {"marcus", "alma"},
    "practice_now": {"marcus", "alma"},
    "goal_now": {"marcus", "alma"},
    "private_now": {"alma"},
    "story_past": {"marcus", "fay"},
    "entry_past": {"marcus", "fay"},
    "practice_past": {"marcus", "fay"},
    "goal_past": {"marcus", "fay"},
}
COMMENTS = {
    "story_now": {"marcus", "alma"},
    "entry_now": {"marcus", "alma"},
    "practice_now": {"marcus", "alma"},
    # Read-only after the end: nobody adds to what was shared in a past pairing.
    "story_past": set(),
    "entry_past": set(),
    "practice_past": set(),
}


def _ids(query, column) -> set[int]:
    return set(db.session.scalars(query.with_only_columns(column)))


@pytest.mark.parametrize("viewer", VIEWERS)
def test_who_reads_what_was_shared_in_which_relationship(world, viewer):
    cast, items = world
    person = cast[viewer]
    entries = _ids(access.visible_entries(person), JournalEntry.id)
    practices = _ids(access.visible_practices(person), Practice.id)
    goals = _ids(access.visible_goals(person), Goal.id)
    check_ins = _ids(access.visible_check_ins(person), CheckIn.practice_id)
    for name, item in items.items():
        expected = viewer in READS[name]
        if name.startswith(("story", "entry", "private")):
            assert access.can_read_entry(person, item) is expected, name
            assert (item.id in entries) is expected, name
        elif name.startswith("practice"):
            assert access.can_read_practice(person, item) is expected, name
            assert (item.id in practices) is expected, name
            assert (item.id in check_ins) is expected, name  # check-ins follow the practice
        else:
            assert access.can_read_goal(person, item) is expected, name
            assert (item.id in goals) is expected, name


@pytest.mark.parametrize("viewer", VIEWERS)
def test_who_may_still_add_to_what_was_shared(world, viewer):
    cast, items = world
    person = cast[viewer]
    for name, allowed in COMMENTS.items():
        item = items[name]
        check = (
            access.can_comment_on_practice
            if name.startswith("practice")
            else access.can_comment_on_entry
        )
        assert check(person, item) is (viewer in allowed), name


@pytest.mark.parametrize(
    ("viewer", "sharable", "readable"),
    [
        ("marcus", {"now", "other"}, {"now", "other", "past", "early"}),
        ("alma", {"now"}, {"now"}),
        ("fay", set(), {"past"}),
        ("eve", set(), {"early"}),
        ("lead", set(), set()),
        ("admin", set(), set()),
    ],
)
def test_where_may_each_person_share_and_read(world, viewer, sharable, readable):
    from sqlalchemy import select

    from portal.models import Pairing

    cast, _ = world
    names = {p.id: p.program.name for p in db.session.scalars(select(Pairing))}
    label = {"Programme A": "now", "Programme B": "other", "Last year": "past", "Moved on": "early"}
    person = cast[viewer]
    found = {label[names[i]] for i in _ids(access.sharable_pairings(person), Pairing.id)}
    assert found == sharable
    found = {label[names[i]] for i in _ids(access.readable_pairings(person), Pairing.id)}
    assert found == readable
