"""Who may see and touch a practice, its check-ins and comments? Role x object x action.

The journal's rules: private = the owner only; shared = the owner and the partner in an
active or completed pairing; admins see no text; a denied read answers 404, and a write
on something the person may see but not change answers 403.
"""

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import User
from portal.models.journal import Visibility
from portal.services import access
from tests.conftest import hx_headers
from tests.factories import (
    make_admin,
    make_check_in,
    make_pairing,
    make_practice,
    make_practice_comment,
)

ROLES = ["owner", "partner", "other_mentor", "other_mentee", "admin"]
VISIBILITIES = ["private", "shared"]
SECRETS = ("PRACTICE-TITLE-7", "CHECKIN-NOTE-7", "OWNER-COMMENT-7", "PARTNER-COMMENT-7")


@dataclass
class World:
    people: dict[str, User]
    practice: object
    check_in: object


def _world(visibility: str) -> World:
    pairing = make_pairing()
    other = make_pairing(program=pairing.program)
    admin = make_admin()
    practice = make_practice(
        owner=pairing.mentee, title=SECRETS[0], visibility=Visibility(visibility)
    )
    check_in = make_check_in(practice, note=SECRETS[1])
    make_practice_comment(practice, pairing.mentee, body=SECRETS[2])
    make_practice_comment(practice, pairing.mentor, body=SECRETS[3], check_in_id=check_in.id)
    people = {
        "owner": pairing.mentee,
        "partner": pairing.mentor,
        "other_mentor": other.mentor,
        "other_mentee": other.mentee,
        "admin": admin,
    }
    return World(people, practice, check_in)


def can_read(role: str, visibility: str) -> bool:
    return role == "owner" or (role == "partner" and visibility == "shared")


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("role", ROLES)
def test_the_access_queries_follow_the_rules(role, visibility):
    world = _world(visibility)
    user = world.people[role]
    expected = can_read(role, visibility)
    practices = db.session.scalars(access.visible_practices(user)).all()
    check_ins = db.session.scalars(access.visible_check_ins(user)).all()
    comments = db.session.scalars(access.visible_practice_comments(user)).all()
    assert (world.practice in practices) is expected
    assert (world.check_in in check_ins) is expected
    # A comment is its author's always; the other's comment only while the practice is shared.
    own_comment = 1 if role in ("owner", "partner") else 0
    assert len(comments) == (2 if expected and visibility == "shared" else own_comment)
    assert access.can_read_practice(user, world.practice) is expected
    assert access.can_comment_on_practice(user, world.practice) is expected
    assert access.can_edit_practice(user, world.practice) is (role == "owner")


READ_ROUTES = {
    "page": ("/practice/{id}", None),
    "htmx fragment": ("/practice/{id}", "practice-activity"),
}


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("role", ROLES)
def test_only_the_owner_opens_the_edit_form(client, auth, role, visibility):
    world = _world(visibility)
    auth.login(world.people[role])
    response = client.get(f"/practice/{world.practice.id}/edit")
    if role == "owner":
        assert response.status_code == 200
    else:
        assert response.status_code == (403 if can_read(role, visibility) else 404)
        assert SECRETS[1] not in response.text


@pytest.mark.parametrize("route", list(READ_ROUTES))
@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("role", ROLES)
def test_reading_a_practice(client, auth, role, visibility, route):
    world = _world(visibility)
    auth.login(world.people[role])
    path, target = READ_ROUTES[route]
    response = client.get(
        path.format(id=world.practice.id), headers=hx_headers(target) if target else {}
    )
    if can_read(role, visibility):
        assert response.status_code == 200
        for secret in SECRETS[1:3]:
            assert secret in response.text
        # The partner's comment shows only while the practice is shared: after unsharing,
        # each comment stays with its own author, as in the journal.
        assert (SECRETS[3] in response.text) is (visibility == "shared")
    else:
        assert response.status_code == 404
        for secret in SECRETS:
            assert secret not in response.text


@pytest.mark.parametrize("page", ["/practice/", "/dashboard/"])
@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("role", ROLES)
def test_lists_and_the_dashboard_show_only_readable_practices(client, auth, role, visibility, page):
    world = _world(visibility)
    auth.login(world.people[role])
    body = client.get(page).text
    if page == "/practice/":
        assert (SECRETS[0] in body) is can_read(role, visibility)
    else:
        # The partner's dashboard shows shared check-ins; nobody else's shows any of it.
        assert (SECRETS[1] in body) is (role == "partner" and visibility == "shared")
    if not can_read(role, visibility):
        for secret in SECRETS:
            assert secret not in body


def _write_expectation(role: str, visibility: str, owner_only: bool) -> set[int]:
    if role == "owner":
        return {200, 303, 409}
    if not can_read(role, visibility):
        return {404}
    return {403} if owner_only else {200, 303}


WRITE_ROUTES = {
    # name: (path, data, htmx target, owner only)
    "check in": ("/practice/{id}/check-ins", {"note": "hi"}, None, True),
    "check in (htmx)": ("/practice/{id}/check-ins", {"note": "hi"}, "practice-activity", True),
    "practised today (htmx)": ("/practice/{id}/check-ins", {}, "practice-activity", True),
    "comment": ("/practice/{id}/comments", {"body": "nice"}, None, False),
    "comment (htmx)": ("/practice/{id}/comments", {"body": "nice"}, "practice-activity", False),
    "encourage a check-in (htmx)": (
        "/practice/{id}/comments",
        {"body": "Keep going!", "kind": "encouragement", "check_in_id": "{check_in}"},
        "practice-activity",
        False,
    ),
    "close": ("/practice/{id}/close", {"outcome": "done", "reflection": "r"}, None, True),
    "to journal": ("/practice/{id}/journal", {}, None, True),
    "reopen": ("/practice/{id}/reopen", {}, None, True),
    "visibility": ("/practice/{id}/visibility", {"visibility": "private"}, None, True),
    "edit": ("/practice/{id}/edit", {"title": "x"}, None, True),
}


@pytest.mark.parametrize("route", list(WRITE_ROUTES))
@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("role", ROLES)
def test_writing_to_a_practice(client, auth, role, visibility, route):
    world = _world(visibility)
    auth.login(world.people[role])
    path, data, target, owner_only = WRITE_ROUTES[route]
    data = {k: v.format(check_in=world.check_in.id) for k, v in data.items()}
    response = client.post(
        path.format(id=world.practice.id), data=data, headers=hx_headers(target) if target else {}
    )
    assert response.status_code in _write_expectation(role, visibility, owner_only)
    if response.status_code in (403, 404):
        for secret in SECRETS:
            assert secret not in response.text


@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_an_ended_pairing_keeps_what_was_shared_readable_and_closed_to_comments(visibility):
    """The sharing model (docs/sharing.md): after a pairing ends both partners keep reading
    what was shared in it, read-only; a private practice stays private."""
    world = _world(visibility)
    from portal.models import Pairing

    pairing = db.session.scalars(
        select(Pairing).where(Pairing.mentee_id == world.people["owner"].id)
    ).one()
    pairing.end("moved teams")
    db.session.commit()
    partner = world.people["partner"]
    shared = visibility == "shared"
    readable = db.session.scalars(access.visible_practices(partner)).all()
    assert (world.practice in readable) is shared
    assert access.can_read_practice(partner, world.practice) is shared
    assert access.can_comment_on_practice(partner, world.practice) is False


def test_a_completed_pairing_still_shares():
    world = _world("shared")
    from portal.models import Pairing, PairingStatus

    pairing = db.session.scalars(
        select(Pairing).where(Pairing.mentee_id == world.people["owner"].id)
    ).one()
    pairing.status = PairingStatus.completed
    db.session.commit()
    assert access.can_read_practice(world.people["partner"], world.practice) is True
