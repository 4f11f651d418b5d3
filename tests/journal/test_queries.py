"""Do the journal list and the review queue cost the same number of queries at any size?"""

from __future__ import annotations

import pytest

from portal.models.journal import Visibility
from tests.factories import make_comment, make_entry, make_pairing


def _fill(author, count: int, **overrides) -> None:
    for i in range(count):
        entry = make_entry(author=author, tags=[f"tag{i % 3}", "common"], **overrides)
        make_comment(entry=entry, author=author)


def _queries(client, count_queries, url: str) -> int:
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


@pytest.mark.parametrize(
    "url",
    ["/journal/", "/journal/?q=Entry&tag=common", "/journal/?page=2", "/journal/export.md"],
)
def test_the_journal_list_uses_a_fixed_number_of_queries(client, auth, count_queries, url):
    pairing = make_pairing()
    auth.login(pairing.mentee)
    _fill(pairing.mentee, 22)  # enough for a second page
    small = _queries(client, count_queries, url)
    _fill(pairing.mentee, 40)
    large = _queries(client, count_queries, url)
    assert large == small, f"{url}: {small} queries for 22 entries, {large} for 62"
    assert large <= 12


@pytest.mark.parametrize("url", ["/dashboard/", "/journal/shared"])
def test_the_review_queue_uses_a_fixed_number_of_queries(client, auth, count_queries, url):
    pairing = make_pairing()
    second = make_pairing(mentor=pairing.mentor, program=pairing.program)
    auth.login(pairing.mentor)
    _fill(pairing.mentee, 2, visibility=Visibility.shared)
    small = _queries(client, count_queries, url)
    _fill(pairing.mentee, 20, visibility=Visibility.shared)
    _fill(second.mentee, 20, visibility=Visibility.shared)
    large = _queries(client, count_queries, url)
    assert large == small, f"{url}: {small} queries for 2 entries, {large} for 42"
    # The dashboard's budget (19 until 6 December 2026, docs/performance.md): the person,
    # memberships, pairings, notifications, one lead check per request, the review queue and
    # its count (which the header's badge reuses), the practice panel, meeting dues in two,
    # first steps, circles and the header's unread count.
    assert large <= 14


def test_the_mentee_dashboard_stories_use_a_fixed_number_of_queries(client, auth, count_queries):
    pairing = make_pairing()
    auth.login(pairing.mentee)
    _fill(pairing.mentor, 1, visibility=Visibility.shared)
    small = _queries(client, count_queries, "/dashboard/")
    _fill(pairing.mentor, 15, visibility=Visibility.shared)
    assert _queries(client, count_queries, "/dashboard/") == small
