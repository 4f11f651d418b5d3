"""Does journal search use the database's full-text index, rank by relevance and stay private?"""

from __future__ import annotations

import re

import pytest

from portal.extensions import db
from portal.models.journal import Visibility
from portal.services import access
from portal.services.journal import EntryFilters, list_entries
from portal.services.platform import search
from tests.factories import make_entry, make_pairing, make_user


def _titles(user, text: str) -> list[str]:
    return [e.title for e in list_entries(user, EntryFilters(q=text)).entries]


def test_does_every_word_have_to_match_as_a_prefix(app):
    user = make_user()
    make_entry(author=user, title="Listening at work", body="My manager gave feedback")
    make_entry(author=user, title="Feedback loop", body="nothing about hearing")
    make_entry(author=user, title="Vision", body="A statement for next year")
    assert set(_titles(user, "feedback")) == {"Listening at work", "Feedback loop"}
    assert _titles(user, "LISTEN feedb") == ["Listening at work"]
    assert _titles(user, "statement   vision!") == ["Vision"]
    assert _titles(user, "astronaut") == []


def test_do_better_matches_come_first(app):
    user = make_user()
    make_entry(author=user, title="Once", body="feedback once, then other things entirely")
    make_entry(author=user, title="Often", body="feedback feedback feedback and more feedback")
    assert _titles(user, "feedback") == ["Often", "Once"]


def test_does_an_edited_entry_match_its_new_words_only(app):
    user = make_user()
    entry = make_entry(author=user, title="Heron", body="grey bird")
    entry.title, entry.body = "Kingfisher", "blue bird"
    db.session.commit()
    assert _titles(user, "heron") == []
    assert _titles(user, "kingfisher") == ["Kingfisher"]
    db.session.delete(entry)
    db.session.commit()
    assert _titles(user, "kingfisher") == []


def test_does_search_keep_the_privacy_filter(app):
    pairing = make_pairing()
    make_entry(author=pairing.mentor, title="Mentor private otter", body="otter")
    make_entry(
        author=pairing.mentor,
        title="Mentor shared otter",
        body="otter",
        visibility=Visibility.shared,
    )
    make_entry(author=make_user(), title="Stranger otter", body="otter")
    make_entry(author=pairing.mentee, title="My otter", body="otter")
    assert _titles(pairing.mentee, "otter") == ["My otter"]  # the list is your own journal
    readable = search.matching(access.visible_entries(pairing.mentee), "otter")[0]
    assert {e.title for e in db.session.scalars(readable)} == {"My otter", "Mentor shared otter"}


@pytest.mark.parametrize(
    "text",
    ["", "%", "_", "'", '"', "\\", "a:*", "!(x)", "x & y | z", "NEAR(a b)", "é" * 300, "∑∫∂"],
)
def test_does_no_search_text_fail(client, auth, text):
    user = make_user()
    make_entry(author=user, title="Plain entry", body="something")
    auth.login(user)
    response = client.get("/journal/", query_string={"q": text})
    assert response.status_code == 200


def test_does_a_search_with_many_words_use_the_first_twelve(app):
    assert search.words("a " * 3 + " ".join(f"w{n}" for n in range(20))) == ["a"] + [
        f"w{n}" for n in range(11)
    ]


def test_does_the_results_page_show_the_matches(client, auth):
    user = make_user()
    make_entry(author=user, title="About delegation", body="I let go of the report")
    make_entry(author=user, title="About budgets", body="numbers")
    auth.login(user)
    page = client.get("/journal/?q=deleg").text
    assert re.findall(r'class="entry-card__title"><a [^>]*>([^<]+)</a>', page) == [
        "About delegation"
    ]


def test_do_ranked_pages_follow_each_other_without_gap_or_repeat(app):
    user = make_user()
    stranger = make_user()
    for n in range(7):
        make_entry(author=user, title=f"Mine {n}", body="feedback " * (n % 3 + 1))
    make_entry(author=stranger, title="Theirs", body="feedback feedback feedback feedback")
    pages = [list_entries(user, EntryFilters(q="feedback", page=p), page_size=3) for p in (1, 2, 3)]
    seen = [e.title for page in pages for e in page.entries]
    assert sorted(seen) == [f"Mine {n}" for n in range(7)]
    assert [page.has_more for page in pages] == [True, True, False]
    # Best first: the entries saying the word three times, then twice, then once.
    repeats = [e.body.count("feedback") for page in pages for e in page.entries]
    assert repeats == sorted(repeats, reverse=True)
    assert all(page.total == 7 for page in pages)


def test_does_a_count_past_the_cap_say_more_than(client, auth, monkeypatch):
    from portal.services import journal

    monkeypatch.setattr(journal, "COUNT_CAP", 2)
    user = make_user()
    for n in range(3):
        make_entry(author=user, title=f"Team {n}", body="team work")
    make_entry(author=user, title="Alone", body="solo")
    auth.login(user)
    page = client.get("/journal/?q=team").text
    assert "More than 2 entries" in page
    assert len(re.findall(r'class="entry-card__title"', page)) == 3
    page = client.get("/journal/?q=solo").text
    assert "1 entry" in page and "More than" not in page
