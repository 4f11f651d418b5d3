"""Does the seeded demo show the sharing model: each mentee reads only her own pairing's?

The demo mentor, Marcus, mentored alumna@example.org last year (a completed pairing) and
mentors mentee@example.org now. Each of the two signs in with the demo password and must
find the material of her own pairing, and none of the other's.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.demo.seed import DEMO_PASSWORD
from portal.extensions import db
from portal.models import Pairing, User
from portal.models.journal import JournalEntry
from portal.services import access

# Titles of what Marcus shared in each pairing (see journal_demo and demo_guide).
WITH_LENA = ("The launch I pushed too hard", "Why I stopped giving answers")
WITH_ALUMNA = ("The reorg I got wrong", "Closing reflection: Horizon Leadership 2025")
LENAS = ("The demo that fell apart", "An insight I want to make my own")
ALUMNAS = ("What the first retro taught me",)


@pytest.fixture
def demo(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert "Demo data loaded" in result.output, result.output
    people = {
        email: db.session.scalar(select(User).where(User.email == email))
        for email in ("mentor@example.org", "mentee@example.org", "alumna@example.org")
    }
    return people


def _in_her_circle(reader: User, item) -> bool:
    """The item reaches the reader through a circle she reads in (docs/circles.md)."""
    from portal.models.circles import EntryCircleAudience, PracticeCircleAudience

    link, key = (
        (EntryCircleAudience, EntryCircleAudience.entry_id)
        if isinstance(item, JournalEntry)
        else (PracticeCircleAudience, PracticeCircleAudience.practice_id)
    )
    mine = access.readable_circles(reader).with_only_columns(db.text("circles.id"))
    query = select(link.circle_id).where(key == item.id, link.circle_id.in_(mine))
    return db.session.scalar(query.limit(1)) is not None


def _entry(title: str, author: User) -> JournalEntry:
    return db.session.scalar(
        select(JournalEntry).where(JournalEntry.title == title, JournalEntry.author_id == author.id)
    )


def _login(client, email: str) -> None:
    response = client.post("/auth/login", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 303


@pytest.mark.parametrize(
    ("email", "own_pairing_titles", "other_pairing_titles"),
    [
        ("mentee@example.org", WITH_LENA, WITH_ALUMNA + ALUMNAS),
        ("alumna@example.org", WITH_ALUMNA, WITH_LENA + LENAS),
    ],
)
def test_does_each_demo_mentee_read_only_her_own_pairings_material(
    client, demo, email, own_pairing_titles, other_pairing_titles
):
    marcus = demo["mentor@example.org"]
    _login(client, email)
    shared = client.get("/journal/shared")
    assert shared.status_code == 200
    dashboard = client.get("/dashboard/").text
    for title in own_pairing_titles:
        assert title in shared.text, title
        assert client.get(f"/journal/{_entry(title, marcus).id}").status_code == 200
    for title in other_pairing_titles:
        assert title not in shared.text, title
        assert title not in dashboard, title
        entry = db.session.scalar(select(JournalEntry).where(JournalEntry.title == title))
        assert client.get(f"/journal/{entry.id}").status_code == 404, title


def test_is_everything_a_demo_mentee_reads_shared_in_her_own_pairing(demo):
    """Beyond the titles: every entry and practice of someone else that either demo mentee
    may read carries an audience row for her pairing with the demo mentor."""
    from portal.models.practice import Practice

    marcus = demo["mentor@example.org"]
    entry_audiences = db.metadata.tables["entry_audiences"]
    practice_audiences = db.metadata.tables["practice_audiences"]
    for email in ("mentee@example.org", "alumna@example.org"):
        reader = demo[email]
        pairing = db.session.scalar(
            select(Pairing).where(Pairing.mentor_id == marcus.id, Pairing.mentee_id == reader.id)
        )
        assert pairing.opens_at is not None
        entries = db.session.scalars(
            access.visible_entries(reader).where(JournalEntry.author_id != reader.id)
        ).all()
        assert entries, email
        for entry in entries:
            audience = set(
                db.session.scalars(
                    select(entry_audiences.c.pairing_id).where(
                        entry_audiences.c.entry_id == entry.id
                    )
                )
            )
            assert pairing.id in audience or _in_her_circle(reader, entry), (email, entry.title)
        practices = db.session.scalars(
            access.visible_practices(reader).where(Practice.owner_id != reader.id)
        ).all()
        for item in practices:
            audience = set(
                db.session.scalars(
                    select(practice_audiences.c.pairing_id).where(
                        practice_audiences.c.practice_id == item.id
                    )
                )
            )
            assert pairing.id in audience or _in_her_circle(reader, item), (email, item.title)


def test_is_every_shared_demo_item_shared_in_some_pairing(demo):
    """No demo entry or practice is marked shared without an audience (it would reach
    nobody), and every approved demo pairing is open."""
    from portal.models.journal import Visibility
    from portal.models.practice import Practice

    entry_audiences = db.metadata.tables["entry_audiences"]
    practice_audiences = db.metadata.tables["practice_audiences"]
    circle_entries = db.metadata.tables["entry_circle_audiences"]
    circle_practices = db.metadata.tables["practice_circle_audiences"]
    one_person = db.metadata.tables["entry_private_shares"]
    orphans = db.session.scalars(
        select(JournalEntry.title).where(
            JournalEntry.visibility == Visibility.shared,
            ~select(entry_audiences.c.entry_id)
            .where(entry_audiences.c.entry_id == JournalEntry.id)
            .exists(),
            ~select(circle_entries.c.entry_id)
            .where(circle_entries.c.entry_id == JournalEntry.id)
            .exists(),
            ~select(one_person.c.entry_id).where(one_person.c.entry_id == JournalEntry.id).exists(),
        )
    ).all()
    assert orphans == []
    orphans = db.session.scalars(
        select(Practice.title).where(
            Practice.visibility == Visibility.shared,
            ~select(practice_audiences.c.practice_id)
            .where(practice_audiences.c.practice_id == Practice.id)
            .exists(),
            ~select(circle_practices.c.practice_id)
            .where(circle_practices.c.practice_id == Practice.id)
            .exists(),
        )
    ).all()
    assert orphans == []
    unopened = db.session.scalars(
        select(Pairing.id).where(Pairing.approved_at.is_not(None), Pairing.opens_at.is_(None))
    ).all()
    assert unopened == []


def test_the_demo_circle_shows_trust_following_the_circle(demo, client, auth):
    """Marcus facilitates five members, Lena among them; a sixth left: she reads the entry
    shared while she was a member and not the later ones; the admin reads none of it."""
    from portal.models.circles import Circle

    circle = db.session.scalar(select(Circle).where(Circle.theme == "Leading through change"))
    assert len(circle.current_stints) == 5
    early = db.session.scalar(
        select(JournalEntry).where(JournalEntry.title == "What I took from our first circle")
    )
    later = db.session.scalar(
        select(JournalEntry).where(
            JournalEntry.title == "A story for the circle: the change I got wrong"
        )
    )
    for email, reads_early, reads_later in (
        ("mentee@example.org", True, True),
        ("mentor@example.org", True, True),
        ("circle6@example.org", True, False),
        ("admin@example.org", False, False),
        ("alumna@example.org", False, False),
    ):
        auth.login(email, "horizon-demo")
        assert (client.get(f"/journal/{early.id}").status_code == 200) == reads_early, email
        assert (client.get(f"/journal/{later.id}").status_code == 200) == reads_later, email
        assert (client.get(f"/circles/{circle.id}").status_code == 200) == (
            email not in ("admin@example.org", "alumna@example.org")
        ), email
        auth.logout()
