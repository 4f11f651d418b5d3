"""Who can read which journal entry and comment, through every route the journal has?

The cast: a mentee (the author), her mentor (the partner), another mentor and another
mentee in a second pairing, and a portal admin. The author has a private entry, a shared
entry and a draft; each carries a comment. A denied read is a 404, and the private
texts appear in no response for anyone but their author.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import pytest

from portal.models.journal import EntryStatus, JournalEntry, Visibility
from tests.conftest import hx_headers
from tests.factories import make_admin, make_comment, make_entry, make_pairing, make_program

PRIVATE_SECRET = "PRIVATE-SECRET-quokka"
PRIVATE_TITLE = "Private title marmot"
DRAFT_SECRET = "DRAFT-SECRET-narwhal"
SHARED_TEXT = "SHARED-TEXT-heron"
OWN_NOTE = "OWN-NOTE-on-private-ibis"
PARTNER_COMMENT = "PARTNER-COMMENT-otter"

ROLES = ["author", "partner", "other_mentor", "other_mentee", "admin"]


@dataclass
class World:
    users: dict
    entries: dict[str, JournalEntry]


@pytest.fixture
def world(app) -> World:
    program = make_program()
    pairing = make_pairing(program=program)
    other = make_pairing(program=program)
    admin = make_admin()
    author = pairing.mentee
    private = make_entry(
        author=author, title=PRIVATE_TITLE, body=PRIVATE_SECRET, tags=["secret-tag"]
    )
    shared = make_entry(
        author=author,
        title="Shared title",
        body=SHARED_TEXT,
        tags=["open"],
        visibility=Visibility.shared,  # shared in the author's pairing (the factory's default)
    )
    draft = make_entry(
        author=author,
        title="Draft title",
        body=DRAFT_SECRET,
        visibility=Visibility.shared,  # chosen, but a draft stays private until published
        status=EntryStatus.draft,
        published_at=None,
    )
    make_comment(entry=private, author=author, body=OWN_NOTE)
    make_comment(entry=shared, author=pairing.mentor, body=PARTNER_COMMENT)
    users = {
        "author": author,
        "partner": pairing.mentor,
        "other_mentor": other.mentor,
        "other_mentee": other.mentee,
        "admin": admin,
    }
    return World(users=users, entries={"private": private, "shared": shared, "draft": draft})


def switch_to(auth, user) -> None:
    """Sign the test client out and in again as someone else."""
    auth.logout()
    auth.login(user)


def _readers(kind: str) -> set[str]:
    return {"author", "partner"} if kind == "shared" else {"author"}


# (route name, method, url template, headers); {id} is the entry's id.
READ_ROUTES = [
    ("detail", "GET", "/journal/{id}", None),
    ("detail-boosted", "GET", "/journal/{id}", hx_headers("main", **{"HX-Boosted": "true"})),
    ("comments", "GET", "/journal/{id}/comments", None),
    ("comments-fragment", "GET", "/journal/{id}/comments", hx_headers("comment-list")),
    ("comments-section-fragment", "GET", "/journal/{id}/comments", hx_headers("entry-comments")),
]


@pytest.mark.parametrize("kind", ["private", "shared", "draft"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("route", "method", "url", "headers"), READ_ROUTES)
def test_who_can_read_an_entry_and_its_comments(
    client, auth, world, role, kind, route, method, url, headers
):
    entry = world.entries[kind]
    auth.login(world.users[role])
    response = client.open(url.format(id=entry.id), method=method, headers=headers)
    comment = {"private": OWN_NOTE, "shared": PARTNER_COMMENT, "draft": None}[kind]
    if role in _readers(kind):
        assert response.status_code == 200
        if "fragment" not in route:
            assert entry.body in response.text
        if comment:
            assert comment in response.text
    else:
        assert response.status_code == 404
        for text in (entry.body, entry.title, OWN_NOTE, PARTNER_COMMENT):
            assert text not in response.text


@pytest.mark.parametrize("kind", ["private", "shared", "draft"])
@pytest.mark.parametrize("role", ROLES)
def test_only_the_author_opens_the_edit_form(client, auth, world, role, kind):
    entry = world.entries[kind]
    auth.login(world.users[role])
    response = client.get(f"/journal/{entry.id}/edit")
    if role == "author":
        assert response.status_code == 200
        assert entry.body in response.text
    else:
        # A partner can read a shared entry, so writing to it is forbidden (403); anyone
        # who cannot even read it gets a 404, as if it did not exist.
        assert response.status_code == (403 if role in _readers(kind) else 404)
        assert entry.body not in response.text


def _write_requests(entry_id: int, version: int) -> list[tuple[str, str, dict, dict | None]]:
    form = {"title": "Overwritten", "body": "Overwritten", "visibility": "private"}
    return [
        ("edit", f"/journal/{entry_id}/edit", {**form, "version": str(version)}, None),
        ("edit-htmx", f"/journal/{entry_id}/edit", {**form, "version": str(version)}, "entry-form"),
        ("autosave", "/journal/autosave", {**form, "draft_id": str(entry_id)}, "autosave-status"),
        ("publish-draft", "/journal/new", {**form, "draft_id": str(entry_id)}, None),
        ("unshare", f"/journal/{entry_id}/visibility", {"visibility": "private"}, None),
        ("share", f"/journal/{entry_id}/visibility", {"visibility": "shared"}, None),
        ("delete", f"/journal/{entry_id}/delete", {}, None),
        ("comment", f"/journal/{entry_id}/comments", {"body": "Hi"}, "entry-comments"),
        ("review", f"/journal/{entry_id}/review", {}, "entry-review"),
    ]


WRITE_NAMES = [name for name, *_ in _write_requests(0, 0)]


@pytest.mark.parametrize("kind", ["private", "shared", "draft"])
@pytest.mark.parametrize("role", ["partner", "other_mentor", "other_mentee", "admin"])
@pytest.mark.parametrize("action", WRITE_NAMES)
def test_nobody_but_the_author_writes_and_strangers_get_404(
    client, auth, world, role, kind, action
):
    entry = world.entries[kind]
    before = (entry.title, entry.body, entry.visibility, entry.version)
    requests = {name: rest for name, *rest in _write_requests(entry.id, entry.version)}
    url, form, target = requests[action]
    auth.login(world.users[role])
    response = client.post(url, data=form, headers=hx_headers(target) if target else None)
    readable = role in _readers(kind)
    if readable and action in {"comment", "review"}:
        assert response.status_code == 200  # the partner comments on and reviews shared entries
    elif readable and action not in {"autosave", "publish-draft"}:
        assert response.status_code == 403
    else:
        # Drafts are looked up among your own entries only, so even a partner gets a 404.
        assert response.status_code == 404
    assert entry.body not in response.text or readable
    from portal.extensions import db

    db.session.expire_all()
    stored = db.session.get(JournalEntry, entry.id)
    assert stored is not None
    assert (stored.title, stored.body, stored.visibility, stored.version) == before


LIST_ROUTES = [
    ("list", "/journal/", None),
    # The search words are part of the secrets, never a whole one: the form echoes them.
    ("search", "/journal/?q=quokka", None),
    ("search-shared", "/journal/?q=heron", None),
    ("search-fragment", "/journal/?q=quokka", hx_headers("journal-results")),
    ("tag-filter", "/journal/?tag=secret-tag", None),
    ("visibility-filter", "/journal/?visibility=private", None),
    ("drafts-filter", "/journal/?visibility=draft", None),
    ("load-more", "/journal/?page=1", hx_headers("journal-more")),
    ("shared-with-me", "/journal/shared", None),
    ("dashboard", "/dashboard/", None),
    ("notifications", "/notifications/", None),
    ("export-md", "/journal/export.md", None),
    ("new-form", "/journal/new", None),
]


def _text_of(response) -> str:
    if response.mimetype == "application/zip":
        with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
            return "\n".join(archive.read(name).decode() for name in archive.namelist())
    return response.get_data(as_text=True)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("route", "url", "headers"), [*LIST_ROUTES, ("zip", "/journal/export.zip", None)]
)
def test_private_text_shows_in_no_list_search_or_export_but_the_authors(
    client, auth, world, role, route, url, headers
):
    auth.login(world.users[role])
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    text = _text_of(response)
    for secret in (PRIVATE_SECRET, PRIVATE_TITLE, DRAFT_SECRET, OWN_NOTE):
        if role != "author":
            assert secret not in text, f"{secret} leaked to the {role} on {route}"
    if role not in {"author", "partner"}:
        assert SHARED_TEXT not in text
        assert PARTNER_COMMENT not in text


@pytest.mark.parametrize("role", ROLES)
def test_exports_hold_exactly_your_own_entries(client, auth, world, role):
    auth.login(world.users[role])
    text = _text_of(client.get("/journal/export.zip"))
    own = role == "author"
    assert (PRIVATE_SECRET in text) is own
    assert (DRAFT_SECRET in text) is own
    assert (SHARED_TEXT in text) is own  # a partner's shared entry is not theirs to export


def test_author_search_finds_private_text_and_strangers_search_finds_nothing(client, auth, world):
    auth.login(world.users["author"])
    assert PRIVATE_TITLE in client.get("/journal/?q=quokka").text
    switch_to(auth, world.users["partner"])
    response = client.get("/journal/?q=heron")
    assert "Shared title" not in response.text  # the list and its search are your own text


def test_partner_sees_a_shared_entry_until_it_is_unshared(client, auth, world):
    shared = world.entries["shared"]
    auth.login(world.users["partner"])
    assert client.get(f"/journal/{shared.id}").status_code == 200
    assert "Shared title" in client.get("/journal/shared").text

    switch_to(auth, world.users["author"])
    response = client.post(f"/journal/{shared.id}/visibility", data={"visibility": "private"})
    assert response.status_code == 303

    switch_to(auth, world.users["partner"])
    assert client.get(f"/journal/{shared.id}").status_code == 404
    assert (
        client.get(f"/journal/{shared.id}/comments", headers=hx_headers("comment-list")).status_code
        == 404
    )
    assert "Shared title" not in client.get("/journal/shared").text
    assert "Shared title" not in client.get("/dashboard/").text


def test_after_unsharing_each_comment_is_seen_by_its_own_author_only(client, auth, world):
    shared = world.entries["shared"]
    auth.login(world.users["author"])
    client.post(f"/journal/{shared.id}/comments", data={"body": "AUTHOR-REPLY-wren"})
    client.post(f"/journal/{shared.id}/visibility", data={"visibility": "private"})
    page = client.get(f"/journal/{shared.id}").text
    assert "AUTHOR-REPLY-wren" in page
    assert PARTNER_COMMENT not in page  # the mentor's comment stays with the mentor


def test_a_shared_draft_stays_invisible_until_published(client, auth, world):
    draft = world.entries["draft"]
    auth.login(world.users["partner"])
    assert client.get(f"/journal/{draft.id}").status_code == 404
    switch_to(auth, world.users["author"])
    response = client.post(
        "/journal/new",
        data={
            "title": "Draft title",
            "body": DRAFT_SECRET,
            "visibility": "shared",
            "draft_id": str(draft.id),
            "version": str(draft.version),
        },
    )
    assert response.status_code == 303
    switch_to(auth, world.users["partner"])
    assert DRAFT_SECRET in client.get(f"/journal/{draft.id}").text


def test_a_proposed_or_ended_pairing_shares_nothing(client, auth, app):
    for status in ("proposed", "ended"):
        pairing = make_pairing(status=status)
        entry = make_entry(author=pairing.mentee, visibility=Visibility.shared, body="x-y-z")
        switch_to(auth, pairing.mentor)
        assert client.get(f"/journal/{entry.id}").status_code == 404


def test_a_completed_pairing_still_shares(client, auth, app):
    """What was shared while the pairing ran stays readable after it completes."""
    pairing = make_pairing()
    entry = make_entry(author=pairing.mentee, visibility=Visibility.shared, body="kept")
    pairing.status = "completed"
    from portal.extensions import db

    db.session.commit()
    auth.login(pairing.mentor)
    assert client.get(f"/journal/{entry.id}").status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in(client, world):
    entry = world.entries["shared"]
    for url in ("/journal/", f"/journal/{entry.id}", "/journal/export.md", "/journal/shared"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/auth/login" in response.headers["Location"]


def test_notifications_never_quote_an_entry(client, auth, world):
    shared = world.entries["shared"]
    auth.login(world.users["partner"])
    client.post(f"/journal/{shared.id}/comments", data={"body": "Lovely SECRET-IN-COMMENT"})
    client.post(f"/journal/{shared.id}/review")
    from portal.extensions import db
    from portal.models import Notification

    messages = [n.message for n in db.session.query(Notification).all()]
    assert any("commented" in m for m in messages)
    assert any("reviewed" in m for m in messages)
    for message in messages:
        for text in (SHARED_TEXT, "Shared title", "SECRET-IN-COMMENT", PRIVATE_SECRET):
            assert text not in message
