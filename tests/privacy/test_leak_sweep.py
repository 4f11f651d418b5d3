"""The leak sweep of test_no_leaks.py, walked as every viewer: does text reach only its readers?

test_no_leaks.py plants the world and declares who must never see which marker (FORBIDDEN)
and who must find which (READ_BY). The world is built once per module and xdist worker
(`shared_world`: the tests only read it, and tests/conftest.py fails any test that writes),
and every viewer signs in with a session made with the world, so that the sweep's requests
are its only work. The walk is split so that parallel workers share it:

- each viewer's URLs in SHARDS shares (every SHARDS-th URL, as a page and as an htmx
  fragment): none may show that viewer a FORBIDDEN marker, and the log lines of every
  request name no marker at all;
- each rightful reader walks every page, then every fragment, until each of its READ_BY
  markers has shown up (so the sweep does reach the pages where it is read).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pytest

from portal.extensions import db
from tests.conftest import hx_headers, session_of, use_session
from tests.privacy.test_no_leaks import (
    CIRCLE,
    FORBIDDEN,
    LEAVE,
    NOTE,
    ONE,
    ONE_MATE,
    PAIR,
    PRIVATE,
    QUESTION,
    READ_BY,
    REPLY,
    _sweep_world,
    get_urls,
    readable_text,
    texts_seen,
)

pytestmark = pytest.mark.shared_world

EVERY_MARKER = (PRIVATE, PAIR, NOTE, REPLY, QUESTION, CIRCLE, LEAVE, ONE, ONE_MATE)
# Each viewer's walk in this many tests; a share takes every SHARDS-th URL of the list.
SHARDS = 3


@dataclass(frozen=True)
class SweptWorld:
    urls: list[str]
    sessions: dict[str, tuple[str, str]]  # viewer: (Flask-Login user id, session token)


@pytest.fixture(scope="module")
def world(module_app) -> SweptWorld:
    """The planted world, committed once; a signed-in session for every viewer."""
    with module_app.app_context():
        _, cast = _sweep_world()
        sessions = {viewer: session_of(person) for viewer, person in cast.items()}
        urls = get_urls(module_app)
        db.session.remove()
    return SweptWorld(urls=urls, sessions=sessions)


@pytest.mark.parametrize("share", range(SHARDS))
@pytest.mark.parametrize("viewer", list(FORBIDDEN))
def test_does_text_reach_only_the_people_it_was_written_for(world, client, caplog, viewer, share):
    caplog.set_level(logging.DEBUG)
    use_session(client, world.sessions[viewer])
    urls = world.urls[share::SHARDS]
    forbidden = FORBIDDEN[viewer]
    leaks = [
        (url, marker)
        for url, text in texts_seen(client, urls)
        for marker in forbidden
        if marker in text
    ]
    assert leaks == []
    # Every request was logged (one access line each), never with what anyone wrote.
    logged = "\n".join(record.getMessage() + repr(record.__dict__) for record in caplog.records)
    assert "portal.access" in logged
    assert [m for m in EVERY_MARKER if m in logged] == []


def pages_then_fragments(client, urls: list[str]):
    """Every URL as a page, then every URL as an htmx fragment: (url, text) one by one."""
    for headers in ({}, hx_headers()):
        for url in urls:
            yield url, readable_text(client.get(url, headers=headers))


@pytest.mark.parametrize("reader", list(READ_BY))
def test_does_the_sweep_reach_the_pages_where_each_rightful_reader_finds_the_text(
    world, client, reader
):
    use_session(client, world.sessions[reader])
    wanted = set(READ_BY[reader])
    found: dict[str, str] = {}
    for url, text in pages_then_fragments(client, world.urls):
        found.update({marker: url for marker in wanted - set(found) if marker in text})
        if set(found) == wanted:
            break
    missing = sorted(wanted - set(found))
    assert missing == [], f"{reader} finds {missing} on no page or fragment of the sweep"
