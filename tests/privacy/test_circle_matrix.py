"""The privacy matrix for circles: who reads what was shared with a circle, and who may add.

Circle A: Fran facilitates; Mia, Noor and Ola were members from the start; Ola left on day 5;
Pia joined on day 6. Circle B in the same programme: Gus facilitates, Ned is a member.
"early" items were shared on day 1 (before Ola left and Pia joined), "late" ones on day 9.
Each person x each item is asked of access.py through its yes/no check and its query.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Pairing, utcnow
from portal.models.circles import CircleMember, CircleStatus
from portal.models.journal import JournalEntry, Visibility
from portal.models.kickoff import Goal
from portal.models.practice import CheckIn, Practice
from portal.models.programs import ProgramFormat
from portal.services import access, journal, sharing
from tests.factories import (
    leave_circle,
    make_admin,
    make_check_in,
    make_circle,
    make_entry,
    make_goal,
    make_lead,
    make_pairing,
    make_practice,
    make_program,
    make_user,
    share_with_circle,
    share_with_one,
)

VIEWERS = ("fran", "mia", "noor", "ola", "pia", "gus", "ned", "lead", "admin", "outsider")
START = utcnow() - timedelta(days=10)


def day(n: int):
    return START + timedelta(days=n)


@pytest.fixture
def world():
    program = make_program(name="Circles 2026", format=ProgramFormat.both)
    people = {name: make_user(name=name.title()) for name in VIEWERS if name != "admin"}
    people["admin"] = make_admin(name="Admin")
    lead = make_lead(program)
    people["lead"] = lead
    a = make_circle(
        program,
        facilitator=people["fran"],
        members=[people["mia"], people["noor"], people["ola"]],
        approved_at=START,
        theme="First-time managers",
    )
    b = make_circle(program, facilitator=people["gus"], members=[people["ned"]], approved_at=START)
    # Mia also has a mentor in the programme (format both): her goal lives in that pairing.
    pairing = make_pairing(program=program, mentee=people["mia"])
    shared = {"visibility": Visibility.shared, "audience": []}
    items = {
        "mia_early": make_entry(author=people["mia"], **shared),
        "fran_early": make_entry(author=people["fran"], **shared),
        "noor_practice_early": make_practice(owner=people["noor"], **shared),
        "mia_goal_early": make_goal(pairing, people["mia"], visibility=Visibility.shared),
        "ola_early": make_entry(author=people["ola"], **shared),
        "ned_in_b": make_entry(author=people["ned"], **shared),
        "mia_private": make_entry(author=people["mia"], visibility=Visibility.private),
    }
    for key in ("mia_early", "fran_early", "noor_practice_early", "mia_goal_early", "ola_early"):
        share_with_circle(items[key], a, at=day(1))
    share_with_circle(items["ned_in_b"], b, at=day(1))
    make_check_in(items["noor_practice_early"], note="circle check-in")
    leave_circle(a, people["ola"], at=day(5), note="Moving to another team")
    a.stints.append(
        CircleMember(
            user=people["pia"],
            membership=a.stints[0].membership.__class__(
                user=people["pia"], program=program, role="mentee", status="active"
            ),
            joined_at=day(6),
        )
    )
    db.session.commit()
    items["mia_late"] = make_entry(author=people["mia"], **shared)
    items["pia_late"] = make_entry(author=people["pia"], **shared)
    share_with_circle(items["mia_late"], a, at=day(9))
    share_with_circle(items["pia_late"], a, at=day(9))
    return people, items, a, b


READERS = {
    "mia_early": {"mia", "fran", "noor", "ola"},
    "fran_early": {"fran", "mia", "noor", "ola"},
    "noor_practice_early": {"noor", "fran", "mia", "ola"},
    "mia_goal_early": {"mia", "fran", "noor", "ola"},
    "ola_early": {"ola", "fran", "mia", "noor"},
    "ned_in_b": {"ned", "gus"},
    "mia_private": {"mia"},
    "mia_late": {"mia", "fran", "noor", "pia"},
    "pia_late": {"pia", "fran", "mia", "noor"},
}


def _check(person, item) -> bool:
    if isinstance(item, JournalEntry):
        return access.can_read_entry(person, item)
    if isinstance(item, Practice):
        return access.can_read_practice(person, item)
    return access.can_read_goal(person, item)


def _query(person, item) -> bool:
    model = type(item)
    query = {
        JournalEntry: access.visible_entries,
        Practice: access.visible_practices,
        Goal: access.visible_goals,
    }[model](person)
    return db.session.scalar(query.where(model.id == item.id)) is not None


def test_who_reads_each_item_shared_with_a_circle(world):
    people, items, _, _ = world
    wrong = []
    for key, item in items.items():
        for name in VIEWERS:
            expected = name in READERS[key] or (key == "mia_goal_early" and False)
            for how, asked in (("check", _check), ("query", _query)):
                got = asked(people[name], item)
                if key == "mia_goal_early" and name not in READERS[key] and got:
                    # Her mentor reads the goal through their pairing, not the circle.
                    continue
                if got != expected:
                    wrong.append((key, name, how, got))
    assert wrong == []


def test_check_ins_follow_a_practice_shared_with_a_circle(world):
    people, items, _, _ = world
    practice = items["noor_practice_early"]
    for name in VIEWERS:
        query = access.visible_check_ins(people[name]).where(CheckIn.practice_id == practice.id)
        assert (db.session.scalar(query) is not None) == (name in READERS["noor_practice_early"])


def test_where_each_person_may_still_share(world):
    people, _, a, b = world
    sharable = {
        name: set(db.session.scalars(access.sharable_circles(people[name]))) for name in VIEWERS
    }
    readable = {
        name: set(db.session.scalars(access.readable_circles(people[name]))) for name in VIEWERS
    }
    assert {n for n in VIEWERS if a in sharable[n]} == {"fran", "mia", "noor", "pia"}
    assert {n for n in VIEWERS if a in readable[n]} == {"fran", "mia", "noor", "pia", "ola"}
    assert {n for n in VIEWERS if b in readable[n]} == {"gus", "ned"}


def test_a_former_member_cannot_share_into_the_circle_and_nobody_into_another(world):
    people, _, a, b = world
    for author, circle in (("ola", a), ("mia", b), ("admin", a), ("lead", a)):
        entry = make_entry(author=people[author])
        with pytest.raises(sharing.SharingError):
            journal.share_entry(entry, sharing.Audience((), (circle.id,)))
        db.session.rollback()


def test_sharing_with_the_circle_reaches_its_current_members_only(world):
    people, _, a, _ = world
    entry = make_entry(author=people["noor"])
    options = {o.value: o for o in sharing.audience_options(people["noor"])}
    audience = sharing.resolve_audience(people["noor"], f"circle-{a.id}")
    assert options[f"circle-{a.id}"].label.startswith("Shared with the circle")
    journal.share_entry(entry, audience)
    db.session.commit()
    readers = {n for n in VIEWERS if access.can_read_entry(people[n], entry)}
    assert readers == {"noor", "fran", "mia", "pia"}
    assert "nobody else" in journal.audience_line(entry)


def test_a_circle_in_its_undo_window_or_proposed_shows_nothing(world):
    people, items, a, _ = world
    a.opens_at = utcnow() + timedelta(minutes=5)
    db.session.commit()
    assert not access.can_read_entry(people["noor"], items["mia_early"])
    assert not access.is_readable_circle(people["noor"], a)
    a.opens_at, a.status = None, CircleStatus.proposed
    db.session.commit()
    assert not access.can_read_entry(people["fran"], items["mia_early"])


def test_staff_are_never_members_and_only_the_team_reads_a_leave_note(world):
    people, _, a, _ = world
    program = a.program
    assert access.circle_refusal(people["admin"], program)
    assert access.circle_refusal(people["lead"], program)
    assert access.circle_refusal(people["mia"], program) is None
    assert access.can_see_leave_note(people["lead"], a)
    assert access.can_see_leave_note(people["admin"], a)
    for name in ("fran", "mia", "ola", "gus"):
        assert not access.can_see_leave_note(people[name], a)


def test_circle_pages_are_for_its_people_only(world):
    people, _, a, b = world
    for name in VIEWERS:
        for circle, insiders in ((a, {"fran", "mia", "noor", "ola", "pia"}), (b, {"gus", "ned"})):
            if name in insiders:
                assert access.circle_or_404(people[name], circle.id) == circle
            else:
                with pytest.raises(access.NotVisible):
                    access.circle_or_404(people[name], circle.id)


def test_the_circle_agreement_is_read_by_its_people_and_signed_by_its_current_ones(world):
    from portal.services.circles import agreement as agreements

    people, _, a, b = world
    insiders = {"fran", "mia", "noor", "ola", "pia"}
    current = {"fran", "mia", "noor", "pia"}
    for name in VIEWERS:
        person = people[name]
        if name not in insiders:
            with pytest.raises(access.NotVisible):
                agreements.agreement_page(person, a.id)
            continue
        state = agreements.agreement_page(person, a.id)
        # Names of who signed: the facilitator and current members; Ola (left) reads the count.
        assert state.names_visible is (name in current), name
        assert state.may_edit is (name in current), name
        assert access.can_see_circle_signatures(person, a) is (name in current), name
        assert not access.can_see_circle_signatures(person, b)
    assert {u.name.lower() for u in agreements.agreement_page(people["fran"], a.id).signers} == (
        current
    )
    for name in ("ola", "gus", "ned", "admin", "lead", "outsider"):
        with pytest.raises((agreements.AgreementError, access.NotVisible)):
            agreements.sign(people[name], a.id, 1)


def test_the_circle_page_lists_a_shared_goal_to_its_readers_only(world):
    people, items, a, b = world
    goal = items["mia_goal_early"]
    for name in VIEWERS:
        listed = db.session.scalars(access.goals_shared_in_circle(people[name], a)).all()
        assert (goal in listed) is (name in READERS["mia_goal_early"]), name
        assert goal not in db.session.scalars(access.goals_shared_in_circle(people[name], b)).all()
    goal.visibility = Visibility.private
    db.session.commit()
    assert db.session.scalars(access.goals_shared_in_circle(people["fran"], a)).all() == []


def test_closing_reflections_follow_the_stint_rules(world):
    from portal.models.circles import CircleReflection

    people, _, a, b = world
    shared = CircleReflection(circle_id=a.id, user_id=people["mia"].id, text="s", shared_at=day(3))
    late = CircleReflection(circle_id=a.id, user_id=people["noor"].id, text="l", shared_at=day(9))
    private = CircleReflection(circle_id=a.id, user_id=people["fran"].id, text="p")
    db.session.add_all([shared, late, private])
    db.session.commit()
    readers = {
        shared.id: {"mia", "fran", "noor", "ola"},
        late.id: {"noor", "fran", "mia", "pia"},
        private.id: {"fran"},
    }
    for name in VIEWERS:
        person = people[name]
        if name in {"fran", "mia", "noor", "ola", "pia"}:
            seen = {r.id for r in db.session.scalars(access.readable_reflections(person, a))}
        else:
            seen = set()
            with pytest.raises(access.NotVisible):
                access.circle_or_404(person, a.id)
        assert db.session.scalars(access.readable_reflections(person, b)).all() == [] or name in {
            "gus",
            "ned",
        }
        assert seen == {rid for rid, who in readers.items() if name in who}, name
        assert access.can_reflect_in_circle(person, a) is (name in {"fran", "mia", "noor", "pia"})
    # An outsider asking the query directly still reads nothing.
    assert db.session.scalars(access.readable_reflections(people["admin"], a)).all() == []


def test_agenda_points_comments_and_introductions_follow_the_stint_rules(world):
    """Circle talk (access.circle_agenda_points, circle_comments, readable_introductions):
    agenda points are read like shared items at the moment they were added; a comment by the
    readers of its item through the circle whose stint covered the comment (and the
    facilitator); an introduction by the facilitator and anyone whose stint overlapped the
    writer's, as long as it was last written before they left."""
    from portal.models.circles import CircleAgendaPoint, CircleComment, CircleIntroduction

    people, items, a, b = world

    def add(row, at):
        row.created_at = at
        db.session.add(row)
        return row

    ids = lambda name: people[name].id  # noqa: E731
    points = {
        "early": add(CircleAgendaPoint(circle_id=a.id, author_id=ids("mia"), text="e"), day(2)),
        "late": add(CircleAgendaPoint(circle_id=a.id, author_id=ids("noor"), text="l"), day(9)),
        "in_b": add(CircleAgendaPoint(circle_id=b.id, author_id=ids("ned"), text="b"), day(2)),
    }
    early, late = items["mia_early"].id, items["mia_late"].id
    comments = {
        "noor_day2": add(
            CircleComment(circle_id=a.id, author_id=ids("noor"), entry_id=early, body="c"), day(2)
        ),
        "mia_day8": add(
            CircleComment(circle_id=a.id, author_id=ids("mia"), entry_id=early, body="c"), day(8)
        ),
        "pia_on_late": add(
            CircleComment(circle_id=a.id, author_id=ids("pia"), entry_id=late, body="c"), day(9.5)
        ),
        "noor_on_practice": add(
            CircleComment(
                circle_id=a.id,
                author_id=ids("noor"),
                practice_id=items["noor_practice_early"].id,
                body="c",
            ),
            day(3),
        ),
    }
    intros = {}
    for name, written in (("fran", 1), ("mia", 1), ("ola", 1), ("pia", 7), ("noor", 8)):
        intros[name] = CircleIntroduction(
            circle_id=a.id, user_id=ids(name), text=name, updated_at=day(written)
        )
        db.session.add(intros[name])
    intros["ned"] = CircleIntroduction(circle_id=b.id, user_id=ids("ned"), text="n")
    db.session.add(intros["ned"])
    db.session.commit()
    expected_points = {
        "early": {"fran", "mia", "noor", "ola"},
        "late": {"fran", "mia", "noor", "pia"},
        "in_b": {"gus", "ned"},
    }
    expected_comments = {
        "noor_day2": {"fran", "mia", "noor", "ola"},
        "mia_day8": {"fran", "mia", "noor"},  # Ola had left; Pia never read the entry
        "pia_on_late": {"fran", "mia", "noor", "pia"},
        "noor_on_practice": {"fran", "mia", "noor", "ola"},
    }
    expected_intros = {
        "fran": {"fran", "mia", "noor", "ola", "pia"},
        "mia": {"fran", "mia", "noor", "ola", "pia"},
        "ola": {"fran", "mia", "noor", "ola"},  # Pia came after Ola left
        "pia": {"fran", "mia", "noor", "pia"},
        "noor": {"fran", "mia", "noor", "pia"},  # rewritten after Ola left
        "ned": {"gus", "ned"},
    }
    wrong = []
    for name in VIEWERS:
        person = people[name]
        got_points = set()
        got_comments = set()
        got_intros = set()
        for circle in (a, b):
            got_points |= {
                p.id for p in db.session.scalars(access.circle_agenda_points(person, circle))
            }
            got_comments |= {
                c.id for c in db.session.scalars(access.circle_comments(person, circle))
            }
            got_intros |= {
                i.id for i in db.session.scalars(access.readable_introductions(person, circle))
            }
        for kind, rows, expected, got in (
            ("point", points, expected_points, got_points),
            ("comment", comments, expected_comments, got_comments),
            ("intro", intros, expected_intros, got_intros),
        ):
            for key, row in rows.items():
                if (row.id in got) != (name in expected[key]):
                    wrong.append((kind, key, name))
    assert wrong == []
    # Who may write: the facilitator and current members of the circle, on what they read.
    for name in VIEWERS:
        assert access.can_comment_in_circle(people[name], a, items["mia_early"]) is (
            name in {"fran", "mia", "noor"}
        ), name
        assert access.can_comment_in_circle(people[name], a, items["mia_late"]) is (
            name in {"fran", "mia", "noor", "pia"}
        ), name


@pytest.mark.parametrize("name", VIEWERS)
def test_the_prep_page_and_threads_open_to_the_circles_people_only(world, client, auth, name):
    people, items, a, b = world
    insiders = {"fran", "mia", "noor", "ola", "pia"}
    early, late = items["mia_early"].id, items["mia_late"].id
    expected = {
        f"/circles/{a.id}/prep": name in insiders,
        f"/circles/{b.id}/prep": name in {"gus", "ned"},
        f"/circles/{a.id}/entries/{early}": name in READERS["mia_early"],
        f"/circles/{a.id}/entries/{late}": name in READERS["mia_late"],
        f"/circles/{a.id}/practices/{items['noor_practice_early'].id}": name
        in READERS["noor_practice_early"],
        f"/circles/{b.id}/entries/{items['ned_in_b'].id}": name in {"gus", "ned"},
        # An item of circle B asked through circle A: never.
        f"/circles/{a.id}/entries/{items['ned_in_b'].id}": False,
    }
    auth.login(people[name])
    for url, opens in expected.items():
        for headers in ({}, {"HX-Request": "true"}):
            assert client.get(url, headers=headers).status_code == (200 if opens else 404), url


# --- shared with one person of the circle ------------------------------------------------
# Circle A as above (Ola left on day 5, Pia joined on day 6). Each item was shared with ONE
# person of a circle; its readers are the author and that person, only if both were in the
# circle at that moment: not the facilitator (unless chosen), not the other members, not a
# later joiner, not circle B, never the admin or the lead.


@pytest.fixture
def private_world(world):
    people, _, a, b = world
    pairing = db.session.scalar(
        select(Pairing).where(Pairing.mentee_id == people["mia"].id).limit(1)
    )
    shared = {"visibility": Visibility.shared, "audience": []}
    items = {
        "mia_to_noor": make_entry(author=people["mia"], title="for noor", **shared),
        "noor_practice_to_ola": make_practice(owner=people["noor"], **shared),
        "mia_goal_to_fran": make_goal(pairing, people["mia"], visibility=Visibility.shared),
        "fran_to_pia": make_entry(author=people["fran"], **shared),
        "mia_to_pia_before_she_joined": make_entry(author=people["mia"], **shared),
        "ola_to_noor_after_leaving": make_entry(author=people["ola"], **shared),
        "ned_to_mia_through_b": make_entry(author=people["ned"], **shared),
    }
    share_with_one(items["mia_to_noor"], a, people["noor"], at=day(1))
    share_with_one(items["noor_practice_to_ola"], a, people["ola"], at=day(2))
    share_with_one(items["mia_goal_to_fran"], a, people["fran"], at=day(2))
    share_with_one(items["fran_to_pia"], a, people["pia"], at=day(7))
    share_with_one(items["mia_to_pia_before_she_joined"], a, people["pia"], at=day(3))
    share_with_one(items["ola_to_noor_after_leaving"], a, people["noor"], at=day(7))
    share_with_one(items["ned_to_mia_through_b"], b, people["mia"], at=day(7))
    make_check_in(items["noor_practice_to_ola"], note="only for ola")
    return people, items, a, b


PRIVATE_READERS = {
    "mia_to_noor": {"mia", "noor"},
    # Ola left on day 5 and keeps what was shared with her alone before that.
    "noor_practice_to_ola": {"noor", "ola"},
    # The facilitator reads it only because she is the chosen person.
    "mia_goal_to_fran": {"mia", "fran"},
    "fran_to_pia": {"fran", "pia"},
    # A row written for someone not (yet, or no longer) in the circle opens nothing.
    "mia_to_pia_before_she_joined": {"mia"},
    "ola_to_noor_after_leaving": {"ola"},
    "ned_to_mia_through_b": {"ned"},
}


def test_who_reads_an_item_shared_with_one_person(private_world):
    people, items, _, _ = private_world
    wrong = []
    for key, item in items.items():
        for name in VIEWERS:
            for how, asked in (("check", _check), ("query", _query)):
                got = asked(people[name], item)
                if key == "mia_goal_to_fran" and name not in PRIVATE_READERS[key] and got:
                    # Mia's mentor (not in VIEWERS) reads it through the pairing; nobody here.
                    wrong.append((key, name, how, got))
                elif got != (name in PRIVATE_READERS[key]):
                    wrong.append((key, name, how, got))
    assert wrong == []


def test_check_ins_follow_a_practice_shared_with_one_person(private_world):
    people, items, _, _ = private_world
    practice = items["noor_practice_to_ola"]
    for name in VIEWERS:
        query = access.visible_check_ins(people[name]).where(CheckIn.practice_id == practice.id)
        assert (db.session.scalar(query) is not None) == (name in {"noor", "ola"}), name


def test_the_circle_page_lists_what_was_shared_with_one_person_to_those_two_only(private_world):
    people, items, a, _ = private_world
    for name in ("fran", "mia", "noor", "ola", "pia"):
        lists = access.privately_shared_in_circle(people[name], a)
        seen = set()
        for kind in ("entries", "practices", "goals"):
            seen |= {i.id for i in db.session.scalars(lists[kind])}
        readable = {
            items[k].id
            for k, who in PRIVATE_READERS.items()
            if name in who and k != "ned_to_mia_through_b"
        }
        # The author also sees their own rows (even one that opens nothing to its reader).
        own = {
            i.id
            for i in items.values()
            if getattr(i, "author_id", getattr(i, "owner_id", None)) == people[name].id
            and i is not items["ned_to_mia_through_b"]
        }
        assert seen == (readable | own), name
    for name in ("gus", "ned", "admin", "lead", "outsider"):
        lists = access.privately_shared_in_circle(people[name], a)
        assert all(db.session.scalars(q).all() == [] for q in lists.values()), name
