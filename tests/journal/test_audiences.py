"""Does trust follow the relationship? Entries are read through the pairing they were
shared in, and nowhere else (issue #17; docs/sharing.md).

The cast: a mentor, last year's mentee (a completed pairing) and this year's mentee (an
active pairing), in two programmes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Notification, Pairing, PairingStatus, utcnow
from portal.models.guide import ClosingReflection
from portal.models.journal import EntryAudience, EntryComment, JournalEntry, Visibility
from portal.services import access, journal
from portal.services.reminders.due import Run, weekly_digests
from tests.factories import (
    make_admin,
    make_comment,
    make_entry,
    make_pairing,
    make_program,
    make_user,
)

REFLECTION = "REFLECTION-about-Ana-albatross"
OLD_STORY = "OLD-STORY-for-Ana-badger"
NEW_STORY = "NEW-STORY-for-Ben-cormorant"


@dataclass
class Years:
    mentor: object
    last_mentee: object
    this_mentee: object
    last: Pairing
    this: Pairing


@pytest.fixture
def years(app) -> Years:
    mentor = make_user(name="Marcus")
    ana, ben = make_user(name="Ana"), make_user(name="Ben")
    last = make_pairing(program=make_program(name="Leadership 2025"), mentor=mentor, mentee=ana)
    return Years(mentor, ana, ben, last, None)  # type: ignore[arg-type]


def _next_year(years: Years) -> Years:
    """Last year's pairing completes; this year's begins."""
    years.last.status = PairingStatus.completed
    db.session.commit()
    years.this = make_pairing(
        program=make_program(name="Leadership 2026"), mentor=years.mentor, mentee=years.this_mentee
    )
    return years


def _get(client, auth, user, url):
    auth.logout()
    auth.login(user)
    return client.get(url)


def test_the_reflection_about_last_years_mentee_never_reaches_this_years(client, auth, years):
    reflection = make_entry(
        author=years.mentor, title="Closing reflection", body=REFLECTION, visibility="shared"
    )
    db.session.add(
        ClosingReflection(pairing_id=years.last.id, user_id=years.mentor.id, entry_id=reflection.id)
    )
    db.session.commit()
    _next_year(years)
    ben, ana = years.this_mentee, years.last_mentee
    assert _get(client, auth, ben, f"/journal/{reflection.id}").status_code == 404
    assert REFLECTION not in _get(client, auth, ben, "/dashboard/").text
    assert "Closing reflection" not in _get(client, auth, ben, "/dashboard/").text
    review = _get(client, auth, ben, f"/pairings/{years.this.id}/review")
    assert review.status_code == 200 and REFLECTION not in review.text
    assert "Closing reflection" not in _get(client, auth, ben, "/journal/shared").text
    # Ana, whom it is about, still reads it after the pairing completed.
    assert REFLECTION in _get(client, auth, ana, f"/journal/{reflection.id}").text
    assert REFLECTION in _get(client, auth, ana, f"/pairings/{years.last.id}/review").text


def test_the_finished_mentee_does_not_read_the_mentors_new_stories(client, auth, years):
    _next_year(years)
    story = make_entry(author=years.mentor, title="New story", body=NEW_STORY, visibility="shared")
    assert [p.id for p in access.entry_audience(story)] == [years.this.id]
    assert _get(client, auth, years.last_mentee, f"/journal/{story.id}").status_code == 404
    assert "New story" not in _get(client, auth, years.last_mentee, "/dashboard/").text
    assert NEW_STORY in _get(client, auth, years.this_mentee, f"/journal/{story.id}").text
    assert "New story" in _get(client, auth, years.this_mentee, "/dashboard/").text


def test_a_new_partner_reads_an_older_entry_only_once_it_is_shared_with_them(client, auth, years):
    old = make_entry(author=years.mentor, title="Old story", body=OLD_STORY, visibility="shared")
    _next_year(years)
    ben = years.this_mentee
    assert _get(client, auth, ben, f"/journal/{old.id}").status_code == 404
    # A private entry written before the pairing stays private too.
    before = make_entry(author=years.mentor, title="Before", created_at=utcnow())
    assert _get(client, auth, ben, f"/journal/{before.id}").status_code == 404

    auth.logout()
    auth.login(years.mentor)
    response = client.post(
        f"/journal/{old.id}/edit",
        data={
            "title": "Old story",
            "body": OLD_STORY,
            "visibility": "shared",
            "audience": str(years.this.id),
            "version": str(old.version),
            "action": "publish",
        },
    )
    assert response.status_code == 303
    assert OLD_STORY in _get(client, auth, ben, f"/journal/{old.id}").text
    # Ana, in whose pairing it was shared first, keeps reading it.
    assert OLD_STORY in _get(client, auth, years.last_mentee, f"/journal/{old.id}").text
    page = _get(client, auth, years.mentor, f"/journal/{old.id}").text
    assert "Ana in Leadership 2025 (past pairing, read-only)" in page
    assert "Ben in Leadership 2026; nobody else." in page
    # Ben is told; Ana is not told again.
    told = db.session.scalars(
        select(Notification.user_id).where(Notification.kind == "journal_shared")
    ).all()
    assert told == [ben.id]


def test_after_a_pairing_ends_both_keep_reading_and_nothing_new_flows(client, auth, app):
    pairing = make_pairing()
    mentee, mentor = pairing.mentee, pairing.mentor
    entry = make_entry(author=mentee, title="Shared then", body="KEPT-heron", visibility="shared")
    mine = make_entry(author=mentor, title="Mentor's", body="KEPT-ibis", visibility="shared")
    pairing.end("moved teams")
    db.session.commit()
    assert "KEPT-heron" in _get(client, auth, mentor, f"/journal/{entry.id}").text
    assert "KEPT-ibis" in _get(client, auth, mentee, f"/journal/{mine.id}").text
    assert "Past pairing" in _get(client, auth, mentee, f"/pairings/{pairing.id}").text
    # No new comments into it, no new sharing.
    response = client.post(f"/journal/{mine.id}/comments", data={"body": "late"})
    assert response.status_code == 403
    assert access.can_comment_on_entry(mentor, entry) is False
    response = client.post(
        "/journal/new", data={"title": "Keep me", "body": "TEXT-kept", "visibility": "shared"}
    )
    assert response.status_code == 422
    assert "You have no current partner to share with" in response.text
    assert "TEXT-kept" in response.text
    assert db.session.scalar(select(JournalEntry).where(JournalEntry.title == "Keep me")) is None


def test_during_the_undo_window_the_pairing_shows_nothing(client, auth, app):
    from portal.services.matching import proposals
    from portal.services.programmes import holds

    admin = make_admin()
    pairing = make_pairing(status=PairingStatus.proposed)
    mentee, mentor = pairing.mentee, pairing.mentor
    key = proposals.approve(pairing, admin)
    assert pairing.opens_at == pairing.approved_at + timedelta(
        seconds=app.config["UNDO_WINDOW_SECONDS"]
    )
    entry = make_entry(author=mentee, body="EARLY-jay", visibility="shared", audience=[pairing])
    assert _get(client, auth, mentor, f"/journal/{entry.id}").status_code == 404
    assert _get(client, auth, mentor, f"/pairings/{pairing.id}").status_code == 404
    assert journal.audience_options(mentee) == []
    assert db.session.scalar(access.readable_pairings(mentor)) is None

    # The undo puts it back to proposed and clears the opening.
    holds.undo(admin, key)
    db.session.refresh(pairing)
    assert pairing.status is PairingStatus.proposed and pairing.opens_at is None

    # Once open (the window passed), the partners read what was shared in it.
    pairing.status, pairing.approved_at = PairingStatus.active, utcnow() - timedelta(minutes=10)
    pairing.opens_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    assert "EARLY-jay" in _get(client, auth, mentor, f"/journal/{entry.id}").text


def test_comments_are_seen_within_their_pairing(client, auth, app):
    mentor = make_user(name="Marcus")
    one = make_pairing(mentor=mentor, mentee=make_user(name="Bea"))
    two = make_pairing(mentor=mentor, mentee=make_user(name="Cy"), program=one.program)
    story = make_entry(author=mentor, title="Story", visibility="shared")  # both pairings
    assert {p.id for p in access.entry_audience(story)} == {one.id, two.id}
    from_bea = make_comment(entry=story, author=one.mentee, body="BEA-says")
    from_cy = make_comment(entry=story, author=two.mentee, body="CY-says")
    assert (from_bea.pairing_id, from_cy.pairing_id) == (one.id, two.id)
    make_comment(entry=story, author=mentor, body="MENTOR-replies")

    bea_page = _get(client, auth, one.mentee, f"/journal/{story.id}").text
    assert "BEA-says" in bea_page and "MENTOR-replies" in bea_page
    assert "CY-says" not in bea_page
    mentor_page = _get(client, auth, mentor, f"/journal/{story.id}").text
    assert "BEA-says" in mentor_page and "CY-says" in mentor_page

    # Taken out of Bea's pairing: Bea's comment stays hers alone, the mentor no longer sees it.
    journal.share_entry(story, [two.id])
    db.session.commit()
    assert _get(client, auth, one.mentee, f"/journal/{story.id}").status_code == 404
    mentor_page = _get(client, auth, mentor, f"/journal/{story.id}").text
    assert "BEA-says" not in mentor_page and "CY-says" in mentor_page
    assert "MENTOR-replies" in _get(client, auth, two.mentee, f"/journal/{story.id}").text
    # A comment written through the app remembers its pairing.
    client.post(f"/journal/{story.id}/comments", data={"body": "CY-again"})
    latest = db.session.scalars(select(EntryComment).order_by(EntryComment.id.desc()))
    assert latest.first().pairing_id == two.id


def test_a_mentor_chooses_whom_a_story_goes_to(client, auth, app):
    mentor = make_user(name="Marcus")
    one = make_pairing(mentor=mentor, mentee=make_user(name="Bea"))
    two = make_pairing(mentor=mentor, mentee=make_user(name="Cy"), program=one.program)
    auth.login(mentor)
    form = client.get("/journal/new").text
    assert 'name="audience"' in form
    assert "Shared with Bea" in form and "Shared with Cy" in form
    assert "Shared with all my current mentees" in form

    # Shared without saying with whom: a clear error beside the field, the text kept.
    response = client.post(
        "/journal/new", data={"title": "To whom?", "body": "BODY-kept", "visibility": "shared"}
    )
    assert response.status_code == 422 and "Choose whom to share it with" in response.text
    assert "BODY-kept" in response.text

    data = {"title": "For Cy", "body": "x", "visibility": "shared", "audience": str(two.id)}
    assert client.post("/journal/new", data=data).status_code == 303
    for_cy = db.session.scalar(select(JournalEntry).where(JournalEntry.title == "For Cy"))
    assert [p.id for p in access.entry_audience(for_cy)] == [two.id]
    assert _get(client, auth, one.mentee, f"/journal/{for_cy.id}").status_code == 404

    auth.logout()
    auth.login(mentor)
    data = {"title": "For all", "body": "x", "visibility": "shared", "audience": "all-mentees"}
    assert client.post("/journal/new", data=data).status_code == 303
    for_all = db.session.scalar(select(JournalEntry).where(JournalEntry.title == "For all"))
    assert {p.id for p in access.entry_audience(for_all)} == {one.id, two.id}
    # Someone else's pairing is not a choice.
    stranger = make_pairing()
    data = {"title": "Sneaky", "body": "x", "visibility": "shared", "audience": str(stranger.id)}
    response = client.post("/journal/new", data=data)
    assert response.status_code == 422 and "Choose one of your current partners" in response.text


def test_the_author_with_one_pairing_sees_the_partners_name(client, auth, app):
    pairing = make_pairing(mentee=make_user(name="Ana"), mentor=make_user(name="Marcus"))
    auth.login(pairing.mentee)
    form = client.get("/journal/new").text
    assert "Shared with Marcus" in form and 'name="audience"' not in form
    data = {"title": "Mine", "body": "x", "visibility": "shared"}
    assert client.post("/journal/new", data=data).status_code == 303
    entry = db.session.scalar(select(JournalEntry).where(JournalEntry.title == "Mine"))
    page = client.get(f"/journal/{entry.id}").text
    assert f"Shared with Marcus in {pairing.program.name}; nobody else." in page
    # Unsharing removes the audience rows.
    client.post(f"/journal/{entry.id}/visibility", data={"visibility": "private"})
    assert db.session.scalars(select(EntryAudience)).all() == []
    assert entry.visibility is Visibility.private


def _monday_morning() -> datetime:
    today = date.today()
    return datetime.combine(today + timedelta(days=7 - today.weekday()), time(8, 0))


def test_the_weekly_digest_lists_only_what_was_shared_in_that_pairing(app):
    mentor = make_user(name="Marcus")
    last = make_pairing(mentor=mentor)
    make_entry(author=mentor, title="For last year", visibility="shared", audience=[last])
    last.status = PairingStatus.completed
    db.session.commit()
    this = make_pairing(mentor=mentor)
    make_entry(author=mentor, title="For this year", visibility="shared")
    make_entry(author=mentor, title="Kept private")
    messages = [
        m
        for m in weekly_digests(Run(_monday_morning()), [this])
        if m.recipient.id == this.mentee_id
    ]
    assert len(messages) == 1
    assert messages[0].context["titles"] == ["For this year"]
