"""Does the practice list show closed practices a page at a time, newest first?"""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest

from portal.models.practice import PracticeStatus
from portal.services.practice import CLOSED_PAGE
from tests.factories import make_pairing, make_practice, make_user

START = date.today() - timedelta(days=400)


def _closed(owner, count: int) -> None:
    for n in range(count):
        make_practice(
            owner=owner,
            title=f"Closed {n:03d}",
            starts_on=START + timedelta(days=n),
            ends_on=START + timedelta(days=n + 20),
            status=PracticeStatus.done,
        )


def _closed_titles(html: str) -> list[str]:
    section = html.split('id="closed-heading"', 1)[1]
    return re.findall(r"Closed \d{3}", section)


def _older_link(html: str) -> str | None:
    found = re.search(r'href="(/practice/\?older=[^"#]+)#closed-heading">Older practices', html)
    return unescape(found[1]) if found else None


def test_are_closed_practices_paged_with_a_keyset(client, auth):
    user = make_user()
    _closed(user, 2 * CLOSED_PAGE + 5)
    make_practice(owner=user, title="Still going")
    auth.login(user)
    seen: list[str] = []
    url: str | None = "/practice/"
    pages = 0
    while url:
        html = client.get(url).text
        assert "Still going" in html  # open practices show on every page
        titles = _closed_titles(html)
        assert len(set(titles)) <= CLOSED_PAGE
        seen += list(dict.fromkeys(titles))
        url = _older_link(html)
        pages += 1
    assert pages == 3
    assert seen == [f"Closed {n:03d}" for n in reversed(range(2 * CLOSED_PAGE + 5))]


@pytest.mark.parametrize("token", ["", "junk", "2026-13-01.4", "2026-01-01.x", "." * 500])
def test_does_a_bad_page_key_show_the_newest_page(client, auth, token):
    user = make_user()
    _closed(user, 3)
    auth.login(user)
    response = client.get("/practice/", query_string={"older": token})
    assert response.status_code == 200
    assert _closed_titles(response.text)[:1] == ["Closed 002"]


def test_do_a_partners_closed_practices_stay_off_my_list(client, auth):
    pairing = make_pairing()
    _closed(pairing.mentor, 2)
    make_practice(owner=pairing.mentor, title="Mentor open one")
    auth.login(pairing.mentee)
    html = client.get("/practice/").text
    assert "Mentor open one" in html
    assert _closed_titles(html) == []


def test_does_the_list_cost_the_same_with_a_long_history(client, auth, count_queries):
    short, long = make_user(), make_user()
    _closed(short, 3)
    _closed(long, 3 * CLOSED_PAGE)
    counts, sizes = [], []
    for user in (short, long):
        auth.login(user)
        with count_queries() as counter:
            html = client.get("/practice/").text
        counts.append(counter.count)
        sizes.append(len(set(_closed_titles(html))))
        auth.logout()
    assert counts[0] == counts[1]
    assert sizes == [3, CLOSED_PAGE]
