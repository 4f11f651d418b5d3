"""Does private text ever reach anyone it was not written for, through any page or fragment?

This sweep plants two kinds of marker text:
- PRIVATE, in material only its author may read (private and draft entries, a private tag,
  a private practice with its check-ins, the author's own notes on them);
- PAIR, in material the two partners share (a shared entry and its comment, a shared
  practice's check-in, the meeting log and an agenda point).
Then it requests every GET route of the app, for every id and slug that exists, as a page
and as an htmx fragment, as each other role. New routes are swept automatically.
"""

from __future__ import annotations

import io
import itertools
import zipfile

import pytest
from flask import url_for
from sqlalchemy import select

from portal.extensions import db
from portal.models import Program
from portal.models.journal import EntryStatus, Visibility
from tests.conftest import hx_headers
from tests.factories import (
    make_admin,
    make_agenda_point,
    make_check_in,
    make_comment,
    make_entry,
    make_lead,
    make_meeting,
    make_pairing,
    make_practice,
    make_practice_comment,
    make_program,
    make_user,
)

PRIVATE = "zebra-private-7731"
PAIR = "okapi-pair-5512"
SKIPPED_ENDPOINTS = {"static", "auth.logout"}


def plant(pairing) -> None:
    mentee, mentor = pairing.mentee, pairing.mentor
    private = make_entry(author=mentee, title=f"Title {PRIVATE}", body=f"Body {PRIVATE}")
    make_entry(
        author=mentee,
        title=f"Draft {PRIVATE}",
        body=f"Draft {PRIVATE}",
        visibility=Visibility.shared,
        status=EntryStatus.draft,
        published_at=None,
    )
    make_comment(entry=private, author=mentee, body=f"Own note {PRIVATE}")
    from portal.models.journal import EntryTag

    db.session.add(EntryTag(entry_id=private.id, name=PRIVATE))
    shared = make_entry(
        author=mentee, title="A shared story", body=f"Shared {PAIR}", visibility=Visibility.shared
    )
    make_comment(entry=shared, author=mentor, body=f"Mentor says {PAIR}")
    # Shared once, private now: the mentor's comment stays with the mentor.
    unshared = make_entry(
        author=mentee, title="Unshared", body="Plain", visibility=Visibility.private
    )
    make_comment(entry=unshared, author=mentee, body=f"Reply {PRIVATE}")

    secret_practice = make_practice(
        owner=mentee,
        title=f"Practice {PRIVATE}",
        action=f"Action {PRIVATE}",
        idea=f"Idea {PRIVATE}",
        visibility=Visibility.private,
    )
    make_check_in(secret_practice, note=f"Noticed {PRIVATE}")
    make_practice_comment(secret_practice, mentee, body=f"Self {PRIVATE}")
    open_practice = make_practice(owner=mentee, title="Listening", visibility=Visibility.shared)
    make_check_in(open_practice, note=f"Shared check-in {PAIR}")
    make_meeting(pairing, notes=f"Meeting notes {PAIR}")
    make_agenda_point(pairing, mentor, text=f"Agenda {PAIR}")
    db.session.commit()


def _candidate_values(converter: str) -> list:
    if "Integer" in converter:
        ids: set[int] = set()
        for table in db.metadata.sorted_tables:
            if "id" in table.c:
                ids.update(db.session.scalars(select(table.c.id)).all())
        return sorted(ids)
    # Slugs, plus the names of the admin exports (participants.csv, pairs.csv).
    return [*db.session.scalars(select(Program.slug)).all(), "sample", "participants", "pairs"]


def get_urls(app) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        arguments = sorted(rule.arguments)
        choices = [_candidate_values(rule._converters[a].__class__.__name__) for a in arguments]
        for values in itertools.product(*choices):
            urls.append(url_for(rule.endpoint, **dict(zip(arguments, values, strict=True))))
    return urls


def readable_text(response) -> str:
    """The response as text; a zip export is opened and every file in it is read."""
    body = response.get_data()
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "\n".join(archive.read(name).decode("utf-8") for name in archive.namelist())
    return body.decode("utf-8")


def texts_seen(client, urls: list[str]):
    for url in urls:
        for headers in ({}, hx_headers()):
            yield url, readable_text(client.get(url, headers=headers))


@pytest.mark.parametrize(
    ("viewer", "forbidden"),
    [
        ("mentor", [PRIVATE]),
        ("other_mentor", [PRIVATE, PAIR]),
        ("other_mentee", [PRIVATE, PAIR]),
        ("admin", [PRIVATE, PAIR]),
        ("lead", [PRIVATE, PAIR]),
        ("other_lead", [PRIVATE, PAIR]),
    ],
)
def test_does_text_reach_only_the_people_it_was_written_for(app, client, auth, viewer, forbidden):
    pairing = make_pairing()
    cast = {
        "mentor": pairing.mentor,
        "other_mentor": make_pairing(program=pairing.program).mentor,
        "other_mentee": make_user(),
        "admin": make_admin(),
        "lead": make_lead(pairing.program),
        "other_lead": make_lead(make_program()),
    }
    plant(pairing)
    urls = get_urls(app)

    # The sweep must reach the pages where the rightful readers do see the text.
    auth.login(pairing.mentee)
    assert any(PRIVATE in text for _, text in texts_seen(client, urls))
    auth.logout()
    auth.login(pairing.mentor)
    assert any(PAIR in text for _, text in texts_seen(client, urls))
    auth.logout()

    auth.login(cast[viewer])
    leaks = [
        (url, marker)
        for url, text in texts_seen(client, urls)
        for marker in forbidden
        if marker in text
    ]
    assert leaks == []
