"""Does the circles demo show the circle agreement and the closing reflections at work: a
version change that starts the signatures over, and a shared and a private reflection read
by exactly the right people?"""

from __future__ import annotations

from sqlalchemy import select

from portal.demo.seed import DEMO_PASSWORD, seed_demo
from portal.extensions import db
from portal.models.circles import Circle
from portal.models.journal import JournalEntry
from portal.services.circles import agreement as agreements

SHARED = "Saying my worries out loud here made them ordinary."
PRIVATE = "I still avoid conflict in the circle."
HANNAHS_LINE = "the first ten minutes belong to how everyone is"


def test_the_demo_circle_has_an_agreement_and_reflections(app, client, auth):
    seed_demo()
    circle = db.session.scalar(select(Circle).where(Circle.theme == "Leading through change"))
    agreement = agreements._agreement(circle)
    first, second = sorted(agreement.versions, key=lambda v: v.version)
    assert (agreement.version, len(first.signatures), len(second.signatures)) == (2, 5, 3)
    assert first.saved_at < min(s.signed_at for s in first.signatures) < second.saved_at

    # Lena signed the first text only: she reads what changed and may sign the new one.
    assert auth.login("mentee@example.org", DEMO_PASSWORD).status_code == 303
    page = client.get(f"/circles/{circle.id}/agreement").text
    assert "What changed since you signed" in page and HANNAHS_LINE in page
    assert "Sign version 2" in page and "3 of 6 people" in page
    auth.logout()

    # Ines left before Hannah shared hers; the team reads no reflection at all.
    for email, reads_shared, reads_private in (
        ("mentee@example.org", True, True),
        ("mentor@example.org", True, False),
        ("circle6@example.org", False, False),
        ("admin@example.org", False, False),
    ):
        assert auth.login(email, DEMO_PASSWORD).status_code == 303
        review = client.get(f"/circles/{circle.id}/review")
        assert review.status_code == (404 if email == "admin@example.org" else 200), email
        assert (SHARED in review.text, PRIVATE in review.text) == (reads_shared, reads_private)
        auth.logout()


ALONE = "Can we talk about it first, just us two?"


def test_the_demo_mentee_shared_one_entry_with_her_facilitator_alone(app, client, auth):
    seed_demo()
    for email, reads in (
        ("mentor@example.org", True),  # Marcus, the one person she chose
        ("mentee@example.org", True),  # Lena, its author
        ("circle1@example.org", False),  # Hannah, another member of the circle
        ("admin@example.org", False),
    ):
        assert auth.login(email, DEMO_PASSWORD).status_code == 303
        found = db.session.scalar(
            select(JournalEntry).where(JournalEntry.title == "Before I say it in the circle")
        )
        page = client.get(f"/journal/{found.id}")
        assert (page.status_code == 200 and ALONE in page.text) == reads, email
        auth.logout()
