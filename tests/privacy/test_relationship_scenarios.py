"""The scenarios of issue #17: does trust follow the relationship it was given in?

Each test is one story from the issue, told through the real services and pages:
- a mentor's closing reflection on last year's mentee never reaches this year's mentee;
- a mentee who finished her year keeps what was shared with her, and nothing new;
- a new partner sees nothing shared before them, until the author shares it with them;
- during the undo window after approval, neither partner sees anything of the other.

Every one of them failed on the old rule ("partners in any active or completed pairing
read everything the other marked shared").
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Pairing, PairingStatus, utcnow
from portal.models.journal import EntryComment, JournalEntry, Visibility
from portal.services import access
from portal.services.pairings import closing
from tests.factories import (
    make_admin,
    make_entry,
    make_meeting,
    make_pairing,
    make_practice,
    make_program,
    make_user,
)

LAST_YEAR_REFLECTION = "osprey-last-year-reflection-2291"
NEW_STORY = "lynx-new-story-8830"
OLD_STORY = "marten-old-story-1174"
BEFORE = "tapir-before-you-6620"
IN_WINDOW = "gecko-undo-window-4415"


def _link(entry: JournalEntry) -> str:
    """How a page links to an entry: the closing quote keeps /journal/1 apart from /journal/12."""
    return f'/journal/{entry.id}"'


def _entry_ids(query) -> set[int]:
    return set(db.session.scalars(query.with_only_columns(JournalEntry.id)))


def _finish(pairing) -> None:
    """The year is over: the pairing completed (as closing.complete_if_ready does)."""
    pairing.status = PairingStatus.completed
    pairing.ended_at = utcnow()
    db.session.commit()


def _last_year_with_reflection():
    """Marcus mentored Ana last year and shared his closing reflection with her; this year
    he mentors Bea in another programme."""
    today = date.today()
    last_year = make_program(
        name="Leadership last year",
        starts_on=today - timedelta(days=350),
        ends_on=today + timedelta(days=10),
    )
    past = make_pairing(program=last_year)
    mentor, ana = past.mentor, past.mentee
    reflection = closing.write_reflection(
        past,
        mentor,
        {"understand": f"Ana taught me patience {LAST_YEAR_REFLECTION}", "forward": "", "keep": ""},
        Visibility.shared,
        today,
    )
    make_meeting(past, held_on=today)
    _finish(past)
    current = make_pairing(program=make_program(name="Leadership this year"), mentor=mentor)
    return past, current, reflection.entry, ana, current.mentee


def test_is_a_closing_reflection_on_last_years_mentee_kept_from_this_years_mentee(client, auth):
    past, current, reflection, ana, bea = _last_year_with_reflection()
    mentor = past.mentor
    # A story Marcus shares now reaches Bea: her dashboard panel is working.
    story = make_entry(author=mentor, visibility=Visibility.shared, title=f"Story {NEW_STORY}")

    auth.login(bea)
    dashboard = client.get("/dashboard/")
    assert dashboard.status_code == 200
    assert NEW_STORY in dashboard.text
    assert LAST_YEAR_REFLECTION not in dashboard.text
    assert _link(reflection) not in dashboard.text
    review = client.get(f"/pairings/{current.id}/review")
    assert review.status_code == 200
    assert LAST_YEAR_REFLECTION not in review.text and _link(reflection) not in review.text
    assert client.get(f"/journal/{reflection.id}").status_code == 404
    assert client.get(f"/journal/{reflection.id}/comments").status_code == 404
    assert LAST_YEAR_REFLECTION not in client.get("/journal/shared").text
    assert not access.can_read_entry(bea, reflection)
    assert reflection.id not in _entry_ids(access.visible_entries(bea))
    assert reflection.id not in _entry_ids(access.mentor_stories(bea))
    auth.logout()

    # Ana, whose year it was about, still reads it in her year in review.
    auth.login(ana)
    assert client.get(f"/journal/{reflection.id}").status_code == 200
    assert LAST_YEAR_REFLECTION in client.get(f"/pairings/{past.id}/review").text
    assert client.get(f"/journal/{story.id}").status_code == 404


def test_does_a_finished_mentee_keep_her_pairings_material_and_get_nothing_new(client, auth):
    past = make_pairing(program=make_program(name="Last year"))
    mentor, ana = past.mentor, past.mentee
    old_story = make_entry(author=mentor, visibility=Visibility.shared, body=OLD_STORY)
    old_practice = make_practice(owner=mentor, title=f"Practice {OLD_STORY}")
    _finish(past)
    current = make_pairing(program=make_program(name="This year"), mentor=mentor)
    new_story = make_entry(author=mentor, visibility=Visibility.shared, body=NEW_STORY)
    new_practice = make_practice(owner=mentor, title=f"Practice {NEW_STORY}")

    auth.login(ana)
    for url in ("/dashboard/", "/journal/shared", "/practice/", f"/pairings/{past.id}/review"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert NEW_STORY not in response.text, url
    assert client.get(f"/journal/{new_story.id}").status_code == 404
    assert client.get(f"/practice/{new_practice.id}").status_code == 404
    # What was shared in her pairing stays hers to read...
    assert OLD_STORY in client.get(f"/journal/{old_story.id}").text
    assert OLD_STORY in client.get(f"/practice/{old_practice.id}").text
    # ...read-only: no new comment flows into a past pairing, and its page says so.
    comments = select(func.count(EntryComment.id))
    before = db.session.scalar(comments)
    answer = client.post(f"/journal/{old_story.id}/comments", data={"body": "Still here"})
    assert answer.status_code in (403, 404, 422)
    assert db.session.scalar(comments) == before
    assert not access.can_comment_on_entry(ana, old_story)
    assert not access.can_comment_on_practice(ana, old_practice)
    assert "Past pairing" in client.get(f"/pairings/{past.id}").text
    auth.logout()

    # The mentor cannot send new material into the finished pairing either.
    from portal.services import journal

    with pytest.raises(ValueError):
        journal.share_entry(new_story, [past.id])
    db.session.rollback()
    sharable = set(
        db.session.scalars(access.sharable_pairings(mentor).with_only_columns(Pairing.id))
    )
    assert sharable == {current.id}
    readable = set(
        db.session.scalars(access.readable_pairings(mentor).with_only_columns(Pairing.id))
    )
    assert readable == {past.id, current.id}
    # Bea, the new mentee, reads the new story and not the old one.
    auth.login(current.mentee)
    assert client.get(f"/journal/{new_story.id}").status_code == 200
    assert client.get(f"/journal/{old_story.id}").status_code == 404
    assert client.get(f"/practice/{old_practice.id}").status_code == 404


def test_does_a_new_partner_see_earlier_material_only_once_it_is_shared_with_them(client, auth):
    from portal.services import journal, practice

    cleo = make_user(name="Cleo")
    # Written and marked shared before Cleo had any partner: it reaches nobody.
    lonely = make_entry(author=cleo, visibility=Visibility.shared, body=f"Lonely {BEFORE}")
    first = make_pairing(mentee=cleo, program=make_program(name="First"))
    with_first = make_entry(author=cleo, visibility=Visibility.shared, body=f"First {BEFORE}")
    shared_practice = make_practice(owner=cleo, title=f"Practice {BEFORE}")
    first.end("Moved teams")
    db.session.commit()
    second = make_pairing(mentee=cleo, program=make_program(name="Second"))
    new_mentor = second.mentor

    auth.login(new_mentor)
    for entry in (lonely, with_first):
        assert client.get(f"/journal/{entry.id}").status_code == 404
    assert client.get(f"/practice/{shared_practice.id}").status_code == 404
    for url in ("/dashboard/", "/journal/shared", "/practice/"):
        assert BEFORE not in client.get(url).text, url
    assert not access.can_read_entry(new_mentor, with_first)
    assert not access.can_read_practice(new_mentor, shared_practice)
    # The first mentor still reads what was shared with him; never the lonely entry.
    assert access.can_read_entry(first.mentor, with_first)
    assert not access.can_read_entry(first.mentor, lonely)

    # Cleo shares the old entry and the practice in her new pairing: now they reach him.
    # (Sharing adds the new pairing; what was shared in the past pairing stays there.)
    journal.share_entry(with_first, [second.id])
    practice.share_practice(shared_practice, [second.id])
    db.session.commit()
    assert f"First {BEFORE}" in client.get(f"/journal/{with_first.id}").text
    assert client.get(f"/practice/{shared_practice.id}").status_code == 200
    assert client.get(f"/journal/{lonely.id}").status_code == 404
    assert access.can_read_entry(first.mentor, with_first)


def test_during_the_undo_window_does_neither_partner_see_the_other(client, auth):
    from portal.services.matching.proposals import approve

    admin = make_admin()
    proposed = make_pairing(status=PairingStatus.proposed, approved_at=None)
    mentor, mentee = proposed.mentor, proposed.mentee
    theirs = make_entry(author=mentee, visibility=Visibility.shared, body=f"Mine {IN_WINDOW}")
    story = make_entry(author=mentor, visibility=Visibility.shared, body=f"Story {IN_WINDOW}")
    approve(proposed, admin)
    db.session.refresh(proposed)
    assert proposed.status is PairingStatus.active
    assert proposed.opens_at is not None and proposed.opens_at > utcnow()
    # Material in the pairing itself (planted directly: sharing into it is not possible yet).
    planted = make_entry(
        author=mentee,
        visibility=Visibility.shared,
        body=f"Planted {IN_WINDOW}",
        audience=[proposed],
    )
    for person in (mentor, mentee):
        ids = set(
            db.session.scalars(access.readable_pairings(person).with_only_columns(Pairing.id))
        )
        assert proposed.id not in ids
        ids = set(
            db.session.scalars(access.sharable_pairings(person).with_only_columns(Pairing.id))
        )
        assert proposed.id not in ids

    for person, others in ((mentor, (theirs, planted)), (mentee, (story,))):
        auth.login(person)
        for entry in others:
            assert client.get(f"/journal/{entry.id}").status_code == 404
        for url in (
            f"/pairings/{proposed.id}",
            f"/pairings/{proposed.id}/prep",
            f"/pairings/{proposed.id}/agreement",
        ):
            assert client.get(url).status_code == 404, url
        for url in ("/dashboard/", "/journal/shared"):
            text = client.get(url).text
            assert IN_WINDOW not in text, (person.name, url)
        auth.logout()

    # The window has passed: the pairing opens, and what was shared in it is read.
    proposed.opens_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    auth.login(mentor)
    assert client.get(f"/pairings/{proposed.id}").status_code == 200
    assert f"Planted {IN_WINDOW}" in client.get(f"/journal/{planted.id}").text
    # What was marked shared before the pairing existed still waits to be shared in it.
    assert client.get(f"/journal/{theirs.id}").status_code == 404


@pytest.mark.parametrize("viewer", ["admin", "lead"])
def test_do_staff_read_nothing_shared_in_a_pairing(client, auth, viewer):
    from tests.factories import make_lead

    pairing = make_pairing()
    entry = make_entry(author=pairing.mentee, visibility=Visibility.shared, body=f"Pair {BEFORE}")
    person = make_admin() if viewer == "admin" else make_lead(pairing.program)
    assert not access.can_read_entry(person, entry)
    auth.login(person)
    assert client.get(f"/journal/{entry.id}").status_code == 404
