"""Sharing with one person of a circle, where the programme allows it (docs/circles.md).

Circle "Leading change": Fac facilitates; Mia (who also has a mentor, format both), Mate and
Other are members; Gone was a member and left. Circle "Elsewhere" in the same programme has
its own people. Each test asks the forms, the services and access.py, as a person would.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Notification
from portal.models.circles import (
    EntryPrivateShare,
    GoalCircleAudience,
    GoalPrivateShare,
    PracticePrivateShare,
    allows_private_sharing,
)
from portal.models.journal import JournalEntry, Visibility
from portal.models.kickoff import Goal
from portal.models.practice import Practice
from portal.models.programs import ProgramFormat
from portal.services import access, journal, sharing
from tests.factories import (
    allow_private_sharing,
    leave_circle,
    make_admin,
    make_circle,
    make_entry,
    make_goal,
    make_lead,
    make_pairing,
    make_program,
    make_user,
)


@pytest.fixture
def world():
    program = make_program(name="Growth 2026", format=ProgramFormat.both)
    pairing = make_pairing(program=program)
    mia = pairing.mentee
    mia.name = "Mia"
    people = {name: make_user(name=name) for name in ("Fac", "Mate", "Other", "Gone")}
    circle = make_circle(
        program,
        facilitator=people["Fac"],
        members=[mia, people["Mate"], people["Other"], people["Gone"]],
        theme="Leading change",
    )
    elsewhere = make_circle(
        program,
        facilitator=make_user(name="Far"),
        members=[make_user(name="Stranger"), make_user(name="Nobody")],
        theme="Elsewhere",
    )
    leave_circle(circle, people["Gone"])
    allow_private_sharing(program)
    people.update(mia=mia, pairing=pairing, circle=circle, elsewhere=elsewhere, program=program)
    return people


def only(circle, person) -> str:
    return f"only-{circle.id}-{person.id}"


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def post_entry(client, title: str, body: str, audience: str):
    """The signed-in person writes a shared entry for ``audience`` through the form."""
    return client.post(
        "/journal/new",
        data={"title": title, "body": body, "visibility": "shared", "audience": audience},
    )


@pytest.mark.parametrize(
    "raw, allowed",
    [
        (None, False),
        ({}, False),
        ({"circles": {}}, False),
        ({"circles": {"allow_private_sharing": True}}, True),
        ({"circles": {"allow_private_sharing": "on"}}, True),
        ({"circles": {"allow_private_sharing": 1}}, True),
        ({"circles": {"allow_private_sharing": "no"}}, False),
        ({"circles": {"allow_private_sharing": 2}}, False),
        ({"circles": {"allow_private_sharing": [1]}}, False),
        ({"circles": None}, False),
    ],
)
def test_the_setting_is_off_unless_clearly_on(raw, allowed):
    assert allows_private_sharing(raw) is allowed


def test_the_entry_form_offers_each_person_of_the_circle_alone(client, auth, world):
    circle = world["circle"]
    auth.login(world["mia"])
    page = client.get("/journal/new").get_data(as_text=True)
    assert "Only Mate, in the circle “Leading change”" in page
    assert "Only Fac, in the circle “Leading change”" in page
    assert f'value="{only(circle, world["Mate"])}"' in page
    for absent in (world["mia"], world["Gone"]):
        assert f'value="{only(circle, absent)}"' not in page
    assert "Stranger" not in page and "Far," not in page
    # Never the default: the first choice is still her pairing.
    options = sharing.audience_options(world["mia"])
    assert options[0].pairing_ids and not options[0].private_to
    allow_private_sharing(world["program"], False)
    page = client.get("/journal/new").get_data(as_text=True)
    assert "only-" not in page and "Only Mate" not in page


def test_an_entry_shared_with_one_person_is_read_by_that_person_alone(client, auth, world):
    circle, mia, mate = world["circle"], world["mia"], world["Mate"]
    auth.login(mia)
    response = post_entry(client, "Between us", "A story for Mate.", only(circle, mate))
    assert response.status_code in (302, 303)
    entry = db.session.scalar(select(JournalEntry).where(JournalEntry.title == "Between us"))
    assert db.session.get(EntryPrivateShare, (entry.id, mate.id)).circle_id == circle.id
    detail = client.get(f"/journal/{entry.id}").get_data(as_text=True)
    assert (
        "Shared with Mate (alone, in the circle “Leading change”); nobody else: "
        "not the facilitator, not the other members." in detail
    )
    readers = {
        name
        for name in ("mia", "Mate", "Fac", "Other", "Gone")
        if access.can_read_entry(world[name], entry)
    }
    assert readers == {"mia", "Mate"}
    assert not access.can_read_entry(world["pairing"].mentor, entry)
    note = db.session.scalar(select(Notification).where(Notification.user_id == mate.id))
    assert note.kind == "circle_private_shared" and "Between us" not in note.message
    auth.logout()
    auth.login(mate)
    assert client.get(f"/journal/{entry.id}").status_code == 200
    assert "Between us" in client.get(f"/circles/{circle.id}").get_data(as_text=True)
    shared = client.get("/journal/shared").get_data(as_text=True)
    assert "Between us" in shared and "Only for you, in your circle" in shared
    for name in ("Fac", "Other"):
        auth.logout()
        auth.login(world[name])
        assert client.get(f"/journal/{entry.id}").status_code == 404
        assert "Between us" not in client.get(f"/circles/{circle.id}").get_data(as_text=True)
        assert "Between us" not in client.get("/journal/shared").get_data(as_text=True)


def test_shared_with_you_lists_what_the_circle_shared_for_its_people_only(client, auth, world):
    circle, mia = world["circle"], world["mia"]
    auth.login(mia)
    response = post_entry(
        client, "For the circle", "What I tried this week.", f"circle-{circle.id}"
    )
    assert response.status_code in (302, 303)
    assert "For the circle" not in client.get("/journal/shared").get_data(as_text=True)
    seen = set()
    elsewhere = world["elsewhere"]
    outside = {"Far": elsewhere.facilitator, "Stranger": elsewhere.stints[0].user}
    for name in ("Fac", "Mate", "Other", "Gone", "Far", "Stranger"):
        auth.logout()
        auth.login(world.get(name) or outside[name])
        page = client.get("/journal/shared").get_data(as_text=True)
        if "For the circle" in page:
            assert "From your circle" in page
            seen.add(name)
    auth.logout()
    auth.login(world["pairing"].mentor)  # her mentor: a pairing partner, not in the circle
    assert "For the circle" not in client.get("/journal/shared").get_data(as_text=True)
    assert seen == {"Fac", "Mate", "Other"}  # Gone left before it was shared


@pytest.mark.parametrize("case", ["off", "former", "self", "elsewhere", "junk", "huge", "half"])
def test_a_bad_choice_is_refused_next_to_the_field_with_the_text_kept(client, auth, world, case):
    circle, mia = world["circle"], world["mia"]
    if case == "off":
        allow_private_sharing(world["program"], False)
    stranger = world["elsewhere"].stints[0].user
    value = {
        "off": only(circle, world["Mate"]),
        "former": only(circle, world["Gone"]),
        "self": only(circle, mia),
        "elsewhere": f"only-{world['elsewhere'].id}-{stranger.id}",
        "junk": "only-abc-1",
        "huge": "only-99999999999999999999-1",
        "half": f"only-{circle.id}",
    }[case]
    auth.login(mia)
    response = post_entry(client, "Kept title", "Kept body", value)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Kept title" in page and "Kept body" in page
    assert 'class="field__errors"' in page
    assert _count(JournalEntry) == 0 and _count(EntryPrivateShare) == 0
    assert stranger.name not in page or case != "elsewhere"


def test_the_choice_is_checked_again_when_saved(world):
    circle, mia, mate = world["circle"], world["mia"], world["Mate"]
    audience = sharing.resolve_audience(mia, only(circle, mate))
    entry = make_entry(author=mia, title="Raced")
    leave_circle(circle, mate)  # Mate leaves between the form's check and the save
    with pytest.raises(sharing.SharingError, match="not in the circle"):
        journal.share_entry(entry, audience)
    db.session.rollback()
    assert _count(EntryPrivateShare) == 0
    allow_private_sharing(world["program"], False)
    audience = sharing.Audience((), (), (circle.id, world["Other"].id))
    with pytest.raises(sharing.SharingError, match="does not allow"):
        journal.share_entry(entry, audience)
    db.session.rollback()
    assert _count(EntryPrivateShare) == 0


def test_turning_the_setting_off_keeps_what_was_shared_and_stops_new_shares(client, auth, world):
    circle, mia, mate = world["circle"], world["mia"], world["Mate"]
    entry = make_entry(author=mia, title="Before the change")
    journal.share_entry(entry, sharing.resolve_audience(mia, only(circle, mate)))
    db.session.commit()
    allow_private_sharing(world["program"], False)
    assert access.can_read_entry(mate, entry)
    auth.login(mia)
    form = client.get(f"/journal/{entry.id}/edit").get_data(as_text=True)
    assert "Keep who can read it as it is now" in form and "only-" not in form
    response = client.post(
        f"/journal/{entry.id}/edit",
        data={
            "title": "Before the change, edited",
            "body": "",
            "visibility": "shared",
            "audience": "",
            "version": str(entry.version),
        },
    )
    assert response.status_code in (302, 303)
    db.session.refresh(entry)
    assert entry.title == "Before the change, edited" and access.can_read_entry(mate, entry)
    assert not access.can_read_entry(world["Other"], entry)


def test_a_chosen_member_who_leaves_keeps_it_and_a_new_choice_replaces_a_current_one(world):
    circle, mia, mate, other = world["circle"], world["mia"], world["Mate"], world["Other"]
    entry = make_entry(author=mia, title="Moves")
    journal.share_entry(entry, sharing.resolve_audience(mia, only(circle, mate)))
    db.session.commit()
    journal.share_entry(entry, sharing.resolve_audience(mia, only(circle, other)))
    db.session.commit()
    assert not access.can_read_entry(mate, entry) and access.can_read_entry(other, entry)
    leave_circle(circle, other)
    assert access.can_read_entry(other, entry)
    assert "has left the circle and keeps it" in journal.audience_line(entry)
    journal.share_entry(entry, sharing.resolve_audience(mia, only(circle, mate)))
    db.session.commit()
    assert access.can_read_entry(other, entry) and access.can_read_entry(mate, entry)
    journal.unshare_entry(entry)
    db.session.commit()
    assert not access.can_read_entry(other, entry) and not access.can_read_entry(mate, entry)


def test_a_practice_and_its_check_ins_shared_with_the_facilitator_alone(client, auth, world):
    circle, mia, fac = world["circle"], world["mia"], world["Fac"]
    auth.login(mia)
    response = client.post(
        "/practice/new",
        data={
            "title": "Ask for feedback",
            "action": "Ask one person a week",
            "starts_on": "2026-01-05",
            "ends_on": "2026-01-26",
            "per_week": "1",
            "visibility": "shared",
            "audience": only(circle, fac),
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    practice = db.session.scalar(select(Practice).where(Practice.title == "Ask for feedback"))
    assert db.session.get(PracticePrivateShare, (practice.id, fac.id)) is not None
    assert access.can_read_practice(fac, practice)
    for name in ("Mate", "Other", "Gone"):
        assert not access.can_read_practice(world[name], practice), name
    assert not access.can_read_practice(world["pairing"].mentor, practice)
    edit = client.get(f"/practice/{practice.id}/edit").get_data(as_text=True)
    assert f'<option selected value="{only(circle, fac)}"' in edit


def test_goals_share_with_one_person_from_the_add_and_the_edit_form(client, auth, world):
    circle, mia, mate, pairing = world["circle"], world["mia"], world["Mate"], world["pairing"]
    auth.login(mia)
    page = client.get(f"/pairings/{pairing.id}/goals").get_data(as_text=True)
    assert f'value="{only(circle, mate)}"' in page
    response = client.post(
        f"/pairings/{pairing.id}/goals",
        data={"title": "Speak up", "visibility": "shared", "circle": only(circle, mate)},
    )
    assert response.status_code == 303
    goal = db.session.scalar(select(Goal).where(Goal.title == "Speak up"))
    assert access.can_read_goal(mate, goal) and not access.can_read_goal(world["Other"], goal)
    assert not access.can_read_goal(world["Fac"], goal)
    # The edit form has the same choice, the current one selected.
    edit = client.get(f"/pairings/{pairing.id}/goals/{goal.id}").get_data(as_text=True)
    assert 'name="circle"' in edit and f'selected value="{only(circle, mate)}"' in edit
    assert f'value="circle-{circle.id}"' in edit
    response = client.post(
        f"/pairings/{pairing.id}/goals/{goal.id}/edit",
        data={"title": "Speak up", "visibility": "shared", "circle": f"circle-{circle.id}"},
    )
    assert response.status_code == 303
    assert db.session.get(GoalCircleAudience, (goal.id, circle.id)) is not None
    assert _count(GoalPrivateShare) == 0
    assert access.can_read_goal(world["Other"], goal) and access.can_read_goal(world["Fac"], goal)
    response = client.post(
        f"/pairings/{pairing.id}/goals/{goal.id}/edit",
        data={"title": "Speak up", "visibility": "shared", "circle": only(circle, world["Fac"])},
    )
    assert response.status_code == 303
    assert _count(GoalCircleAudience) == 0
    assert access.can_read_goal(world["Fac"], goal) and not access.can_read_goal(mate, goal)
    page = client.get(f"/pairings/{pairing.id}/goals/{goal.id}").get_data(as_text=True)
    assert "Also shared with Fac (alone, in the circle “Leading change”)" in page


@pytest.mark.parametrize("case", ["private", "former", "self", "off", "junk"])
def test_a_bad_goal_choice_is_refused_on_the_edit_form_too(client, auth, world, case):
    circle, mia, pairing = world["circle"], world["mia"], world["pairing"]
    goal = make_goal(pairing, mia, title="Old title", visibility=Visibility.shared)
    if case == "off":
        allow_private_sharing(world["program"], False)
    value = {
        "private": only(circle, world["Mate"]),
        "former": only(circle, world["Gone"]),
        "self": only(circle, mia),
        "off": only(circle, world["Mate"]),
        "junk": "only-x-y",
    }[case]
    visibility = "private" if case == "private" else "shared"
    auth.login(mia)
    for url in (f"/pairings/{pairing.id}/goals/{goal.id}/edit", f"/pairings/{pairing.id}/goals"):
        response = client.post(
            url, data={"title": "Kept goal", "visibility": visibility, "circle": value}
        )
        assert response.status_code == 422, url
        page = response.get_data(as_text=True)
        assert "Kept goal" in page and 'class="field__errors"' in page
    db.session.refresh(goal)
    assert goal.title == "Old title" and _count(GoalPrivateShare) == 0
    assert _count(Goal) == 1


def test_search_export_and_dashboards_of_the_others_do_not_find_it(client, auth, world):
    circle, mia, mate = world["circle"], world["mia"], world["Mate"]
    entry = make_entry(author=mia, title="Zebracorn secret", body="zebracorn words")
    journal.share_entry(entry, sharing.resolve_audience(mia, only(circle, mate)))
    db.session.commit()
    for name in ("Fac", "Other", "Mate"):
        person = world[name]
        found = journal.list_entries(person, journal.EntryFilters.from_args({"q": "zebracorn"}))
        assert found.entries == [], name
        assert "zebracorn" not in journal.export_markdown(person).lower(), name
        auth.login(person)
        for url in ("/journal/?q=zebracorn", "/dashboard/"):
            body = client.get(url).get_data(as_text=True).lower()
            assert "zebracorn secret" not in body and "zebracorn words" not in body, (name, url)
        auth.logout()
    own = journal.list_entries(mia, journal.EntryFilters.from_args({"q": "zebracorn"}))
    assert [e.id for e in own.entries] == [entry.id]


def test_the_team_edits_the_setting_on_the_circles_board(client, auth, world):
    program = world["program"]
    allow_private_sharing(program, False)
    program.matching = {**program.matching, "mode": "best_total"}
    db.session.commit()
    lead = make_lead(program)
    auth.login(lead)
    url = f"/admin/programs/{program.slug}/circles"
    assert "sharing with one person of the circle is off" in client.get(url).get_data(as_text=True)
    response = client.post(
        f"{url}/settings",
        data={
            "min_size": "3",
            "max_size": "6",
            "max_per_department": "0",
            "allow_private_sharing": "yes",
        },
    )
    assert response.status_code == 303
    db.session.refresh(program)
    assert allows_private_sharing(program.matching)
    assert program.matching["circles"]["max_size"] == 6
    assert program.matching["mode"] == "best_total"
    assert "one person of their circle" in client.get(url).get_data(as_text=True)
    response = client.post(
        f"{url}/settings",
        data={"min_size": "7", "max_size": "4", "max_per_department": "1"},
    )
    assert response.status_code == 422
    assert "cannot be below the smallest" in response.get_data(as_text=True)
    db.session.refresh(program)
    assert allows_private_sharing(program.matching)
    response = client.post(f"{url}/settings", data={"min_size": "x", "max_size": "99"})
    assert response.status_code == 422
    auth.logout()
    auth.login(world["mia"])
    assert client.post(f"{url}/settings", data={"min_size": "3"}).status_code == 404


def test_admins_and_leads_never_read_it(world):
    circle, mia = world["circle"], world["mia"]
    entry = make_entry(author=mia, title="Not for staff")
    journal.share_entry(entry, sharing.resolve_audience(mia, only(circle, world["Fac"])))
    db.session.commit()
    for person in (make_admin(), make_lead(world["program"])):
        assert not access.can_read_entry(person, entry)
        assert (
            db.session.scalar(access.visible_entries(person).where(JournalEntry.id == entry.id))
            is None
        )


def test_a_mentee_s_circle_entry_reaches_her_mentor_in_the_circle_with_no_review_to_do(
    client, auth
):
    """Her mentor facilitates her circle: what she shares with the circle reaches him as
    circle material, not as an entry waiting for his review; her pair entry still waits."""
    program = make_program(format=ProgramFormat.both)
    pairing = make_pairing(program=program)
    mentor, mentee = pairing.mentor, pairing.mentee
    circle = make_circle(program, facilitator=mentor, members=[mentee, make_user(name="Kim")])
    make_entry(author=mentee, title="For my pair", visibility=Visibility.shared)
    auth.login(mentee)
    response = post_entry(client, "For the circle", "Said in the circle.", f"circle-{circle.id}")
    assert response.status_code in (302, 303)
    auth.logout()
    auth.login(mentor)
    page = client.get("/journal/shared").get_data(as_text=True)
    pair_card = page[page.index("For my pair") :]
    circle_card = page[page.index("For the circle") :]
    assert "To review" in pair_card.split("</article>")[0]
    assert "From your circle" in circle_card.split("</article>")[0]
    assert "To review" not in circle_card.split("</article>")[0]
    assert "1 waits for your review" in page
