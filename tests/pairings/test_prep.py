"""Does the prep page gather what was shared since the last meeting, and never anything private?"""

import re
from datetime import date, timedelta

from portal.extensions import db
from portal.models import utcnow
from portal.models.journal import EntryComment, Visibility
from tests.conftest import hx_headers
from tests.factories import (
    make_agenda_point,
    make_check_in,
    make_meeting,
    make_pairing,
    make_practice,
    make_practice_comment,
    make_practice_entry,
    make_user,
)


def _material(pairing):
    """Shared and private material from both partners, before and after the last meeting."""
    mentor, mentee = pairing.mentor, pairing.mentee
    make_meeting(pairing, held_on=date.today() - timedelta(days=10), notes="LAST-NOTES")
    long_ago = utcnow() - timedelta(days=30)
    make_practice_entry(mentee, title="SHARED-MENTEE-ENTRY", visibility=Visibility.shared)
    make_practice_entry(mentor, title="SHARED-MENTOR-ENTRY", visibility=Visibility.shared)
    make_practice_entry(
        mentee, title="OLD-SHARED-ENTRY", visibility=Visibility.shared, created_at=long_ago
    )
    private_mentee = make_practice_entry(mentee, title="PRIVATE-MENTEE-ENTRY")
    make_practice_entry(mentor, title="PRIVATE-MENTOR-ENTRY")
    shared = make_practice(owner=mentee, title="SHARED-PRACTICE")
    make_check_in(shared, note="SHARED-NOTICED", day=date.today() - timedelta(days=2))
    make_check_in(shared, note="BEFORE-LAST-MEETING", day=date.today() - timedelta(days=12))
    make_practice_comment(shared, mentor, body="SHARED-PRACTICE-COMMENT")
    mentor_practice = make_practice(owner=mentor, title="MENTOR-SHARED-PRACTICE")
    make_check_in(mentor_practice, note="MENTOR-NOTICED", day=date.today() - timedelta(days=1))
    private = make_practice(owner=mentee, title="PRIVATE-PRACTICE", visibility=Visibility.private)
    make_check_in(private, note="PRIVATE-NOTICED")
    make_practice_comment(private, mentee, body="PRIVATE-PRACTICE-COMMENT")
    mentor_private = make_practice(
        owner=mentor, title="MENTOR-PRIVATE-PRACTICE", visibility=Visibility.private
    )
    make_check_in(mentor_private, note="MENTOR-PRIVATE-NOTICED")
    # A comment the mentor wrote on an entry that the mentee has since made private.
    db.session.add(EntryComment(entry_id=private_mentee.id, author_id=mentor.id, body="ORPHAN"))
    # Someone outside the pair shares too, and must not appear either.
    outsider = make_user()
    make_practice_entry(outsider, title="OUTSIDER-ENTRY", visibility=Visibility.shared)
    make_agenda_point(pairing, mentor, text="MENTOR-AGENDA-POINT")
    db.session.commit()


SHARED = [
    "SHARED-MENTEE-ENTRY",
    "SHARED-MENTOR-ENTRY",
    "SHARED-PRACTICE",
    "SHARED-NOTICED",
    "MENTOR-SHARED-PRACTICE",
    "MENTOR-NOTICED",
    "SHARED-PRACTICE-COMMENT",
    "MENTOR-AGENDA-POINT",
    "LAST-NOTES",
]
NEVER = [
    "PRIVATE-MENTEE-ENTRY",
    "PRIVATE-MENTOR-ENTRY",
    "PRIVATE-PRACTICE",
    "PRIVATE-NOTICED",
    "PRIVATE-PRACTICE-COMMENT",
    "MENTOR-PRIVATE-PRACTICE",
    "MENTOR-PRIVATE-NOTICED",
    "ORPHAN",
    "OUTSIDER-ENTRY",
]
BEFORE = ["OLD-SHARED-ENTRY", "BEFORE-LAST-MEETING"]


def test_the_prep_page_gathers_shared_material_since_the_last_meeting(client, auth):
    pairing = make_pairing()
    _material(pairing)
    auth.login(pairing.mentee)
    page = client.get(f"/pairings/{pairing.id}/prep").text
    for marker in SHARED:
        assert marker in page, marker
    for marker in BEFORE:
        assert marker not in page, marker


def test_the_prep_page_never_holds_private_items_for_either_partner(client, auth):
    pairing = make_pairing()
    _material(pairing)
    for person in (pairing.mentee, pairing.mentor):
        auth.login(person)
        page = client.get(f"/pairings/{pairing.id}/prep").text
        for marker in NEVER:
            assert marker not in page, (person.name, marker)
        auth.logout()


def _material_only(page: str) -> str:
    """The page without what legitimately differs per viewer (header, forms, tokens)."""
    page = page[page.index('<ul class="prep-stats"') :]
    page = re.sub(r'<input type="hidden" name="csrf_token"[^>]*>', "", page)
    page = re.sub(r"<form .*?</form>", "", page, flags=re.S)
    # Comments to answer are the partner's: each viewer has their own count.
    page = re.sub(r"<li><strong>\d+</strong> comments? to answer</li>", "", page)
    page = re.sub(
        r"<li>(?:(?!</li>).)*Follow up on \d+ comments?(?:(?!</li>).)*</li>", "", page, flags=re.S
    )
    return re.sub(r"\s+", " ", page)


def test_both_partners_see_the_same_material(client, auth):
    pairing = make_pairing()
    _material(pairing)
    pages = []
    for person in (pairing.mentee, pairing.mentor):
        auth.login(person)
        pages.append(_material_only(client.get(f"/pairings/{pairing.id}/prep").text))
        auth.logout()
    assert pages[0] == pages[1]


def test_the_suggested_agenda_is_built_from_the_material(client, auth):
    pairing = make_pairing()
    _material(pairing)
    auth.login(pairing.mentor)
    page = client.get(f"/pairings/{pairing.id}/prep").text
    suggestions = page[page.index("Suggested from your material") :]
    assert "SHARED-PRACTICE”: 1 check-in — what did you notice?" in suggestions
    assert "SHARED-MENTEE-ENTRY" in suggestions or "SHARED-MENTOR-ENTRY" in suggestions
    # The only comment is the mentor's own: nothing for them to follow up...
    assert "Follow up on" not in suggestions
    auth.logout()
    auth.login(pairing.mentee)
    page = client.get(f"/pairings/{pairing.id}/prep").text
    suggestions = page[page.index("Suggested from your material") :]
    # ...while the mentee is asked to answer it, named and counted in the singular.
    assert f"Follow up on 1 comment from {pairing.mentor.first_name}." in suggestions
    assert "<strong>1</strong> comment to answer" in page
    for marker in NEVER:
        assert marker not in suggestions


def test_without_a_meeting_the_prep_page_covers_everything_since_pairing(client, auth):
    pairing = make_pairing()
    make_practice_entry(pairing.mentee, title="EARLY-SHARED", visibility=Visibility.shared)
    auth.login(pairing.mentee)
    page = client.get(f"/pairings/{pairing.id}/prep").text
    assert "Everything shared since you were paired" in page and "EARLY-SHARED" in page


def test_the_agenda_fragment_has_one_stable_root(client, auth):
    pairing = make_pairing()
    make_agenda_point(pairing, pairing.mentee, text="Fragment point")
    auth.login(pairing.mentee)
    response = client.get(f"/pairings/{pairing.id}/prep", headers=hx_headers("agenda"))
    assert response.text.lstrip().startswith('<section id="agenda"')
    assert "Fragment point" in response.text and "<html" not in response.text


def test_the_prep_page_can_be_printed(client, auth):
    pairing = make_pairing()
    auth.login(pairing.mentee)
    page = client.get(f"/pairings/{pairing.id}/prep").text
    assert "data-print" in page and "page--prep" in page
    css = client.get("/static/css/horizon.css").text
    assert "@media print" in css and ".page--prep" in css


def test_a_prolific_writer_fills_one_screen_and_the_page_counts_the_rest(client, auth):
    pairing = make_pairing()
    make_meeting(pairing, held_on=date.today() - timedelta(days=10))
    now = utcnow()
    for i in range(27):
        make_practice_entry(
            pairing.mentee,
            title=f"MANY-{i:02d}",
            visibility=Visibility.shared,
            created_at=now - timedelta(hours=i),
        )
    make_practice_entry(pairing.mentee, title="MANY-PRIVATE", created_at=now)
    auth.login(pairing.mentor)
    page = client.get(f"/pairings/{pairing.id}/prep").text
    section = page.split('id="entries-heading"', 1)[1].split("</section>", 1)[0]
    shown = re.findall(r"MANY-\d\d", section)
    assert shown == [f"MANY-{i:02d}" for i in range(20)]  # the newest 20, newest first
    assert "<strong>27</strong> shared entries" in page  # the private one is not counted
    assert "The newest 20 of 27 shared since the last meeting" in page
    assert "MANY-PRIVATE" not in page


def test_does_a_quiet_practice_read_right_and_an_excerpt_lose_its_markdown():
    from portal.services.pairings.meetings import Prep, PrepPractice, suggested_agenda
    from portal.services.platform.markdown import excerpt

    today = date.today()
    pairing = make_pairing()
    practice = make_practice(
        owner=pairing.mentee,
        title="Listen first",
        starts_on=today - timedelta(days=20),
        ends_on=today + timedelta(days=20),
        visibility=Visibility.shared,
    )

    class Progress:  # 3 of 6 done, none since the last meeting
        count, target = 3, 6

    prep = Prep(pairing=pairing, today=today, since=today, last_meeting=None)
    prep.practices = [PrepPractice(practice, Progress(), [], [])]
    points = suggested_agenda(prep, today)
    assert any("no check-in since the last meeting (3/6 so far)" in p for p in points), points
    assert not any("has no check-ins yet" in p for p in points)
    assert excerpt("**bold** _x_ and [a link](https://example.org)") == "bold x and a link"
    assert excerpt("word " * 100, 20).endswith("…") and len(excerpt("word " * 100, 20)) <= 20
