"""Does a mentor's review queue work, and does the mentee hear about comments and reviews?"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.extensions import db
from portal.models import Notification, utcnow
from portal.models.journal import EntryStatus, Visibility
from portal.models.pairings import PairingStatus
from tests.conftest import hx_headers
from tests.factories import make_entry, make_pairing


def _shared(author, title, days_ago=0, **overrides):
    return make_entry(
        author=author,
        title=title,
        visibility=Visibility.shared,
        published_at=utcnow() - timedelta(days=days_ago),
        **overrides,
    )


def test_the_review_queue_puts_unreviewed_entries_first_with_a_count(client, auth, app):
    pairing = make_pairing()
    mentee = pairing.mentee
    _shared(mentee, "Old unreviewed", days_ago=9)
    _shared(mentee, "New reviewed", days_ago=1, reviewed_at=utcnow())
    _shared(mentee, "Newest unreviewed", days_ago=0)
    make_entry(author=mentee, title="Private one")
    make_entry(
        author=mentee, title="Shared draft", visibility=Visibility.shared, status=EntryStatus.draft
    )
    auth.login(pairing.mentor)
    dashboard = client.get("/dashboard/").text
    panel = dashboard.split('id="journal-review-panel"', 1)[1].split("</section>", 1)[0]
    order = [t for t in ("Newest unreviewed", "Old unreviewed", "New reviewed") if t in panel]
    assert order == ["Newest unreviewed", "Old unreviewed", "New reviewed"]
    assert panel.index("Old unreviewed") < panel.index("New reviewed")
    assert "2 to review" in panel
    assert "Private one" not in dashboard and "Shared draft" not in dashboard
    # The header carries the count on every page.
    header = client.get("/journal/").text.split("</header>", 1)[0]
    assert 'id="journal-review-badge"' in header and 'data-count="2"' in header
    queue = client.get("/journal/shared").text
    assert (
        queue.index("Newest unreviewed")
        < queue.index("Old unreviewed")
        < queue.index("New reviewed")
    )


def test_mentees_have_no_review_count(client, auth, app):
    pairing = make_pairing()
    _shared(pairing.mentor, "A mentor story")
    auth.login(pairing.mentee)
    assert 'id="journal-review-badge"' not in client.get("/dashboard/").text


def test_mentor_comments_through_htmx_and_the_mentee_is_notified(client, auth, app):
    pairing = make_pairing()
    entry = _shared(pairing.mentee, "My demo", body="The demo body")
    auth.login(pairing.mentor)
    page = client.get(f"/journal/{entry.id}").text
    assert f'hx-post="/journal/{entry.id}/comments"' in page
    response = client.post(
        f"/journal/{entry.id}/comments",
        data={"body": "Which part froze you?"},
        headers=hx_headers("entry-comments"),
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="entry-comments"')
    assert "Which part froze you?" in response.text
    (note,) = db.session.query(Notification).filter_by(user_id=pairing.mentee_id).all()
    assert note.message == f"{pairing.mentor.name} commented on your entry."
    assert note.link == f"/journal/{entry.id}#entry-comments"


def test_an_empty_comment_is_refused_next_to_the_field(client, auth, app):
    pairing = make_pairing()
    entry = _shared(pairing.mentee, "x")
    auth.login(pairing.mentor)
    response = client.post(
        f"/journal/{entry.id}/comments", data={"body": "  "}, headers=hx_headers("entry-comments")
    )
    assert response.status_code == 422
    assert "Write a comment first." in response.text


def test_a_plain_comment_post_redirects_back_to_the_entry(client, auth, app):
    pairing = make_pairing()
    entry = _shared(pairing.mentee, "x")
    auth.login(pairing.mentor)
    response = client.post(f"/journal/{entry.id}/comments", data={"body": "Nice"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/journal/{entry.id}#entry-comments"


def test_the_mentee_sees_new_comments_through_the_polled_fragment(client, auth, app):
    pairing = make_pairing()
    entry = _shared(pairing.mentee, "x")
    auth.login(pairing.mentee)
    page = client.get(f"/journal/{entry.id}").text
    assert 'hx-trigger="every 10s"' in page  # the comment list refreshes itself
    auth.logout()
    auth.login(pairing.mentor)
    client.post(f"/journal/{entry.id}/comments", data={"body": "Fresh comment"})
    auth.logout()
    auth.login(pairing.mentee)
    fragment = client.get(f"/journal/{entry.id}/comments", headers=hx_headers("comment-list"))
    assert fragment.text.lstrip().startswith('<div id="comment-list"')
    assert "Fresh comment" in fragment.text
    assert "<html" not in fragment.text


def test_mark_reviewed_leaves_the_queue_and_notifies_the_mentee(client, auth, app):
    pairing = make_pairing()
    entry = _shared(pairing.mentee, "x")
    auth.login(pairing.mentor)
    response = client.post(f"/journal/{entry.id}/review", headers=hx_headers("entry-review"))
    assert response.status_code == 200
    assert "Reviewed" in response.text
    db.session.expire_all()
    assert entry.reviewed_at is not None and entry.reviewed_by_id == pairing.mentor_id
    note = db.session.query(Notification).filter_by(user_id=pairing.mentee_id).one()
    assert note.message == f"{pairing.mentor.name} reviewed your shared entry."
    assert 'id="journal-review-badge"' not in client.get("/dashboard/").text


def test_the_mentee_cannot_review_and_a_mentee_cannot_review_the_mentors_story(client, auth, app):
    pairing = make_pairing()
    own = _shared(pairing.mentee, "mine")
    story = _shared(pairing.mentor, "story")
    auth.login(pairing.mentee)
    assert client.post(f"/journal/{own.id}/review").status_code == 403
    assert client.post(f"/journal/{story.id}/review").status_code == 403


@pytest.mark.parametrize("status", [PairingStatus.completed, PairingStatus.ended])
def test_a_mentor_still_reads_but_no_longer_reviews_once_the_pairing_is_over(
    client, auth, app, status
):
    pairing = make_pairing()
    entry = _shared(pairing.mentee, "Written during the year")
    pairing.status = status
    db.session.commit()
    auth.login(pairing.mentor)
    page = client.get(f"/journal/{entry.id}")
    assert page.status_code == 200 and "Written during the year" in page.text
    assert f'action="/journal/{entry.id}/review"' not in page.text
    assert client.post(f"/journal/{entry.id}/review").status_code == 403
    db.session.expire_all()
    assert entry.reviewed_at is None


def test_the_mentee_dashboard_shows_the_mentors_latest_shared_stories(client, auth, app):
    pairing = make_pairing()
    _shared(pairing.mentor, "When I failed a launch", body="It went badly", days_ago=2)
    _shared(pairing.mentor, "Old story", days_ago=30)
    make_entry(author=pairing.mentor, title="Private mentor notes", body="About Lena")
    auth.login(pairing.mentee)
    page = client.get("/dashboard/").text
    panel = page.split('id="mentor-stories-panel"', 1)[1].split("</section>", 1)[0]
    assert panel.index("When I failed a launch") < panel.index("Old story")
    assert "Private mentor notes" not in page and "About Lena" not in page


def test_an_admin_sees_journal_counts_and_never_a_title_or_text(client, auth, app):
    from tests.factories import make_admin

    pairing = make_pairing()
    _shared(pairing.mentee, "Shared title S", body="shared body S", reviewed_at=utcnow())
    make_entry(author=pairing.mentee, title="Private title P", body="private body P")
    admin = make_admin()
    auth.login(admin)
    page = client.get("/dashboard/").text
    panel = page.split('id="journal-activity-panel"', 1)[1].split("</section>", 1)[0]
    numbers = [int(n) for n in re.findall(r"<dd>(\d+)</dd>", panel)]
    assert numbers == [2, 1, 1, 0]  # entries, shared, reviewed, comments
    for text in ("Shared title S", "shared body S", "Private title P", "private body P"):
        assert text not in page


def test_marking_reviewed_refreshes_the_header_badge_out_of_band(client, auth, app):
    pairing = make_pairing()
    first, _ = _shared(pairing.mentee, "one"), _shared(pairing.mentee, "two")
    auth.login(pairing.mentor)
    response = client.post(f"/journal/{first.id}/review", headers=hx_headers("entry-review"))
    oob = response.text.split('id="journal-review-slot"', 1)[1]
    assert 'data-hx-swap-oob="true"' in oob.split(">", 1)[0]
    assert 'data-count="1"' in oob


def _older_link(page: str) -> str | None:
    match = re.search(r'href="(/journal/shared\?older=[^"]+)"', page)
    return match.group(1).replace("&amp;", "&") if match else None


def test_the_shared_list_pages_by_key_waiting_first_and_loses_nothing(client, auth, app):
    pairing = make_pairing()
    mentee = pairing.mentee
    same_moment = utcnow().replace(microsecond=0) - timedelta(days=3)
    for i in range(30):
        _shared(mentee, f"Waiting {i:02d}", days_ago=i % 7)
    for i in range(22):
        make_entry(
            author=mentee,
            title=f"Reviewed {i:02d}",
            visibility=Visibility.shared,
            reviewed_at=utcnow(),
            published_at=same_moment,
        )
    auth.login(pairing.mentor)
    pages, url = [], "/journal/shared"
    while url:
        page = client.get(url).text
        pages.append(page)
        url = _older_link(page)
    assert len(pages) == 3  # 52 entries, 25 a page
    assert "Back to the newest" in pages[1] and "Back to the newest" not in pages[0]
    titles = [t for page in pages for t in re.findall(r"(?:Waiting|Reviewed) \d\d", page)]
    assert len(titles) == len(set(titles)) == 52  # none twice, none lost
    assert all(t.startswith("Waiting") for t in titles[:30])
    assert all(t.startswith("Reviewed") for t in titles[30:])
    # A strange key means the first page, never an error.
    for token in ("w~nonsense", "x~2026-01-01T00:00:00.1", "r~", "~~", "w~9999-12-31T00:00:00.1"):
        assert client.get("/journal/shared", query_string={"older": token}).status_code == 200
