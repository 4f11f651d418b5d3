"""Who reads a comment on a story shared with several people?

The rule (portal/services/access.py::visible_comments): a comment is read by its author;
and, while the entry is shared, by the entry's author and by readers who are the comment
author's partners. A mentor's story shared with two mentees therefore shows each mentee
their own comments and the mentor's replies, never the other mentee's.
"""

from __future__ import annotations

import pytest

from portal.models.journal import Visibility
from tests.factories import (
    make_admin,
    make_comment,
    make_entry,
    make_pairing,
    make_practice,
    make_practice_comment,
    make_user,
)

FROM_A = "heron-from-mentee-a-4410"
REPLY = "stork-from-mentor-8812"
FROM_B = "crane-from-mentee-b-1907"


@pytest.fixture
def story():
    first = make_pairing()
    mentor = first.mentor
    second = make_pairing(program=first.program, mentor=mentor)
    entry = make_entry(author=mentor, visibility=Visibility.shared, title="When I failed")
    make_comment(entry=entry, author=first.mentee, body=FROM_A)
    make_comment(entry=entry, author=mentor, body=REPLY)
    make_comment(entry=entry, author=second.mentee, body=FROM_B)
    practice = make_practice(owner=mentor, visibility=Visibility.shared, title="Listen")
    make_practice_comment(practice, first.mentee, body=FROM_A)
    make_practice_comment(practice, mentor, body=REPLY)
    make_practice_comment(practice, second.mentee, body=FROM_B)
    cast = {
        "mentor": mentor,
        "mentee_a": first.mentee,
        "mentee_b": second.mentee,
        "outsider": make_user(),
        "admin": make_admin(),
    }
    return entry, practice, cast


MATRIX = [
    ("mentor", {FROM_A, REPLY, FROM_B}, set()),
    ("mentee_a", {FROM_A, REPLY}, {FROM_B}),
    ("mentee_b", {FROM_B, REPLY}, {FROM_A}),
    ("outsider", set(), {FROM_A, REPLY, FROM_B}),
    ("admin", set(), {FROM_A, REPLY, FROM_B}),
]


@pytest.mark.parametrize(("viewer", "sees", "never"), MATRIX)
def test_who_reads_comments_on_a_story_shared_with_two_mentees(
    client, auth, story, viewer, sees, never
):
    entry, practice, cast = story
    auth.login(cast[viewer])
    for url in (
        f"/journal/{entry.id}",
        f"/journal/{entry.id}/comments",
        f"/practice/{practice.id}",
    ):
        response = client.get(url)
        if not sees:
            assert response.status_code == 404, url
            continue
        assert response.status_code == 200, url
        assert all(marker in response.text for marker in sees), url
        assert not any(marker in response.text for marker in never), url


def test_does_unsharing_keep_each_comment_with_its_author(client, auth, story):
    from portal.extensions import db

    entry, _, cast = story
    entry.visibility = Visibility.private
    db.session.commit()
    auth.login(cast["mentor"])
    text = client.get(f"/journal/{entry.id}").text
    assert REPLY in text and FROM_A not in text and FROM_B not in text
