"""Can a person write, autosave, edit without clobbering, share, unshare and export?"""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from portal.extensions import db
from portal.models.journal import EntryStatus, JournalEntry, Visibility
from tests.conftest import hx_headers
from tests.factories import make_entry, make_membership, make_pairing, make_user


def _entries(author) -> list[JournalEntry]:
    db.session.expire_all()
    return list(db.session.query(JournalEntry).filter_by(author_id=author.id))


def _form(**overrides) -> dict[str, str]:
    values = {"title": "My goal", "body": "Lead the team.", "visibility": "private", "tags": ""}
    values.update(overrides)
    return values


# --- writing ---------------------------------------------------------------------------


def test_a_new_entry_is_saved_with_its_tags_and_prompt(client, auth, app):
    user = make_user()
    auth.login(user)
    response = client.post(
        "/journal/new",
        data=_form(tags="Feedback, #Confidence, feedback", prompt_key="share.achieve"),
    )
    assert response.status_code == 303
    (entry,) = _entries(user)
    assert response.headers["Location"].endswith(f"/journal/{entry.id}")
    assert entry.tag_names == ["confidence", "feedback"]
    assert entry.prompt_key == "share.achieve"
    assert entry.status is EntryStatus.published
    assert entry.visibility is Visibility.private
    assert "What am I trying to achieve?" in client.get(f"/journal/{entry.id}").text


def test_the_new_form_starts_from_a_chosen_prompt(client, auth, app):
    auth.login(make_user())
    page = client.get("/journal/new?prompt=learn.self").text
    assert re.search(r'<option selected value="learn.self">|value="learn.self" selected', page)
    assert "What did I learn about myself?" in page


def test_mentors_get_prompts_of_their_own_and_mentees_do_not(client, auth, app):
    mentor = make_membership(role="mentor").user
    mentee = make_membership(role="mentee").user
    auth.login(mentor)
    assert "A story from my career" in client.get("/journal/new").text
    auth.logout()
    auth.login(mentee)
    assert "A story from my career" not in client.get("/journal/new").text
    response = client.post("/journal/new", data=_form(prompt_key="mentor.career"))
    assert response.status_code == 422  # not a choice a mentee is offered


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "This field is required."),
        ({"title": "x" * 201}, "Field cannot be longer than 200 characters."),
        ({"visibility": "everyone"}, "Not a valid choice."),
        ({"tags": "ok, <b>bad</b>"}, "Tags may use letters, digits, spaces and hyphens only."),
        ({"tags": ",".join(f"t{i}" for i in range(9))}, "Use at most 8 tags."),
        ({"prompt_key": "nonsense"}, "Not a valid choice."),
    ],
)
def test_bad_input_keeps_the_text_and_saves_nothing(client, auth, app, overrides, message):
    user = make_user()
    auth.login(user)
    data = _form(body="Keep this story safe", **overrides)
    response = client.post("/journal/new", data=data, headers=hx_headers("entry-form"))
    assert response.status_code == 422
    assert message in response.text
    assert "Keep this story safe" in response.text
    assert 'id="entry-form"' in response.text
    assert _entries(user) == []


def test_an_htmx_save_sends_the_browser_to_the_entry(client, auth, app):
    user = make_user()
    auth.login(user)
    response = client.post("/journal/new", data=_form(), headers=hx_headers("entry-form"))
    assert response.status_code == 204
    (entry,) = _entries(user)
    assert response.headers["HX-Redirect"] == f"/journal/{entry.id}"


def test_keep_as_draft_saves_a_private_draft(client, auth, app):
    pairing = make_pairing()
    auth.login(pairing.mentee)
    client.post("/journal/new", data={**_form(visibility="shared"), "action": "draft"})
    (entry,) = _entries(pairing.mentee)
    assert entry.status is EntryStatus.draft
    assert not entry.is_shared
    auth.logout()
    auth.login(pairing.mentor)
    assert client.get(f"/journal/{entry.id}").status_code == 404


# --- autosave --------------------------------------------------------------------------


def test_the_first_autosave_creates_a_draft_and_later_ones_update_it(client, auth, app):
    user = make_user()
    auth.login(user)
    first = client.post(
        "/journal/autosave",
        data=_form(title="", body="Half a thought"),
        headers=hx_headers("autosave-status"),
    )
    assert first.status_code == 200
    (draft,) = _entries(user)
    assert draft.status is EntryStatus.draft
    assert draft.body == "Half a thought"
    # The response tells the form which row and version it now writes to.
    assert f'id="draft_id" name="draft_id" value="{draft.id}" data-hx-swap-oob="true"' in first.text
    assert f'id="version" name="version" value="{draft.version}"' in first.text
    assert first.headers["HX-Replace-Url"] == f"/journal/{draft.id}/edit"

    second = client.post(
        "/journal/autosave",
        data=_form(
            title="A thought",
            body="Half a thought, finished",
            draft_id=str(draft.id),
            version=str(draft.version),
        ),
        headers=hx_headers("autosave-status"),
    )
    assert second.status_code == 200
    (same,) = _entries(user)
    assert same.id == draft.id
    assert (same.title, same.body) == ("A thought", "Half a thought, finished")
    assert "Draft saved" in second.text


def test_closing_the_tab_loses_nothing_the_draft_is_in_the_journal(client, auth, app):
    user = make_user()
    auth.login(user)
    client.post("/journal/autosave", data=_form(title="Unfinished", body="Words I typed"))
    (draft,) = _entries(user)
    listing = client.get("/journal/?visibility=draft").text
    assert "Unfinished" in listing
    edit = client.get(f"/journal/{draft.id}/edit").text
    assert "Words I typed" in edit


def test_publishing_from_the_new_form_uses_the_autosaved_draft_row(client, auth, app):
    user = make_user()
    auth.login(user)
    client.post("/journal/autosave", data=_form(body="draft"))
    (draft,) = _entries(user)
    response = client.post(
        "/journal/new",
        data=_form(body="final", draft_id=str(draft.id), version=str(draft.version)),
    )
    assert response.status_code == 303
    (entry,) = _entries(user)  # still one row: no duplicate entry
    assert entry.id == draft.id
    assert entry.status is EntryStatus.published
    assert entry.body == "final"


def test_autosaving_a_published_entry_hides_the_changes_from_the_partner(client, auth, app):
    pairing = make_pairing()
    entry = make_entry(author=pairing.mentee, visibility=Visibility.shared, body="Saved text")
    auth.login(pairing.mentee)
    response = client.post(
        "/journal/autosave",
        data=_form(body="Half-written change", draft_id=str(entry.id), version=str(entry.version)),
    )
    assert response.status_code == 200
    db.session.expire_all()
    assert entry.body == "Saved text"
    assert entry.draft_body == "Half-written change"
    assert "Half-written change" in client.get(f"/journal/{entry.id}/edit").text

    auth.logout()
    auth.login(pairing.mentor)
    page = client.get(f"/journal/{entry.id}").text
    assert "Saved text" in page
    assert "Half-written change" not in page


def test_an_autosave_from_a_stale_tab_is_refused_and_changes_nothing(client, auth, app):
    user = make_user()
    entry = make_entry(author=user, body="Original")
    auth.login(user)
    data = _form(body="From tab B", draft_id=str(entry.id), version=str(entry.version - 1 or 0))
    response = client.post("/journal/autosave", data=data, headers=hx_headers("autosave-status"))
    assert response.status_code == 409
    assert "Autosave paused" in response.text
    db.session.expire_all()
    assert entry.draft_body is None
    assert entry.body == "Original"


def test_the_edit_form_autosaves_through_htmx_on_typing_and_on_leaving_a_field(client, auth, app):
    user = make_user()
    entry = make_entry(author=user)
    auth.login(user)
    page = client.get(f"/journal/{entry.id}/edit").text
    status = re.search(r'<p id="autosave-status"[^>]*>', page, re.S).group(0)
    assert 'data-hx-post="/journal/autosave"' in status
    assert "input delay:2s from:closest form" in status
    assert "focusout from:closest form" in status
    assert 'data-hx-include="closest form"' in status


# --- edit conflicts --------------------------------------------------------------------


def _edit(client, entry, version, body, htmx=False):
    return client.post(
        f"/journal/{entry.id}/edit",
        data=_form(title="Edited", body=body, version=str(version)),
        headers=hx_headers("entry-form") if htmx else None,
    )


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_two_tabs_do_not_silently_overwrite_each_other(client, auth, app, htmx):
    user = make_user()
    entry = make_entry(author=user, body="Version one")
    auth.login(user)
    opened_at = entry.version
    assert _edit(client, entry, opened_at, "Tab A text").status_code == 303
    response = _edit(client, entry, opened_at, "Tab B text", htmx=htmx)
    assert response.status_code == 409
    assert "This entry changed while you were writing" in response.text
    assert "Nothing was overwritten" in response.text
    assert "Tab B text" in response.text  # the writer's own text, still in the form
    assert "Tab A text" in response.text  # and the saved text beside it
    assert ('id="entry-form"' in response.text) and (("<html" in response.text) is not htmx)
    db.session.expire_all()
    assert entry.body == "Tab A text"
    # The conflict form carries the new version: saving again keeps the writer's text.
    version = re.search(r'id="version" name="version" type="hidden" value="(\d+)"', response.text)
    assert version is not None
    assert int(version.group(1)) == entry.version
    assert _edit(client, entry, int(version.group(1)), "Tab B text").status_code == 303
    db.session.expire_all()
    assert entry.body == "Tab B text"


def test_an_edit_without_a_version_is_a_conflict_not_an_overwrite(client, auth, app):
    user = make_user()
    entry = make_entry(author=user, body="Keep me")
    auth.login(user)
    response = client.post(f"/journal/{entry.id}/edit", data=_form(body="No version"))
    assert response.status_code == 409
    db.session.expire_all()
    assert entry.body == "Keep me"


def test_saving_clears_autosaved_changes_and_moves_the_version_on(client, auth, app):
    user = make_user()
    entry = make_entry(author=user, draft_body="pending", draft_title="t")
    entry.draft_saved_at = entry.created_at
    db.session.commit()
    auth.login(user)
    before = entry.version
    assert _edit(client, entry, before, "Saved now").status_code == 303
    db.session.expire_all()
    assert entry.version == before + 1
    assert entry.draft_body is None
    assert not entry.has_pending_draft


# --- sharing ---------------------------------------------------------------------------


def test_sharing_notifies_the_partner_and_unsharing_hides_it_again(client, auth, app):
    pairing = make_pairing()
    entry = make_entry(author=pairing.mentee, title="Title T")
    auth.login(pairing.mentee)
    client.post(f"/journal/{entry.id}/visibility", data={"visibility": "shared"})
    auth.logout()
    auth.login(pairing.mentor)
    assert client.get(f"/journal/{entry.id}").status_code == 200
    notes = client.get("/notifications/").text
    assert f"{pairing.mentee.name} shared a journal entry." in notes
    assert "Title T" not in notes
    auth.logout()
    auth.login(pairing.mentee)
    client.post(f"/journal/{entry.id}/visibility", data={"visibility": "private"})
    auth.logout()
    auth.login(pairing.mentor)
    assert client.get(f"/journal/{entry.id}").status_code == 404


def test_the_author_deletes_an_entry(client, auth, app):
    user = make_user()
    entry = make_entry(author=user)
    auth.login(user)
    response = client.post(f"/journal/{entry.id}/delete")
    assert response.status_code == 303
    assert _entries(user) == []


# --- list, search and paging -----------------------------------------------------------


def test_search_and_filters_narrow_the_list(client, auth, app):
    user = make_user()
    make_entry(author=user, title="About listening", body="I listened", tags=["listening"])
    make_entry(author=user, title="About goals", body="Promotion", prompt_key="share.achieve")
    make_entry(author=user, title="A shared one", body="x", visibility=Visibility.shared)
    make_entry(author=user, title="100% honest_note", body="odd chars")
    auth.login(user)

    def titles(query: str) -> set[str]:
        page = client.get(f"/journal/?{query}").text
        return set(re.findall(r'class="entry-card__title"><a [^>]*>([^<]+)</a>', page))

    assert titles("q=LISTEN") == {"About listening"}
    assert titles("q=promotion") == {"About goals"}
    assert titles("tag=listening") == {"About listening"}
    assert titles("prompt=share.achieve") == {"About goals"}
    assert titles("prompt=share") == {"About goals"}
    assert titles("visibility=shared") == {"A shared one"}
    assert titles("q=100%25") == {"100% honest_note"}  # % and _ are searched literally
    assert titles("q=_") == {"100% honest_note"}
    assert len(titles("")) == 4


def test_the_search_form_is_a_real_get_form_enhanced_by_htmx(client, auth, app):
    auth.login(make_user())
    page = client.get("/journal/").text
    form = re.search(r'<form class="card journal-search"[^>]*>', page, re.S).group(0)
    assert 'method="get"' in form
    assert 'action="/journal/"' in form
    assert 'data-hx-target="#journal-results"' in form
    fragment = client.get("/journal/?q=x", headers=hx_headers("journal-results"))
    assert fragment.text.lstrip().startswith('<section id="journal-results"')
    assert "HX-Request" in fragment.headers["Vary"]


def _more_link(page: str) -> str:
    match = re.search(r'<a id="journal-more"[^>]*href="([^"]+)"', page)
    assert match, "no 'Load older entries' link"
    return match.group(1).replace("&amp;", "&")


def test_load_more_pages_through_the_list_newest_first(client, auth, app):
    from datetime import timedelta

    from portal.models import utcnow

    user = make_user()
    now = utcnow()
    for i in range(45):
        make_entry(author=user, title=f"Entry number {i:02d}", created_at=now - timedelta(hours=i))
    auth.login(user)
    first = client.get("/journal/").text
    assert "Entry number 00" in first and "Entry number 19" in first
    assert "Entry number 20" not in first
    assert 'id="journal-more"' in first and 'data-hx-trigger="click, revealed"' in first
    # The next page starts after the last entry shown (a key, not an offset).
    link = _more_link(first)
    assert "older=" in link and "page=" not in link
    # An entry written meanwhile does not shift the next page.
    make_entry(author=user, title="Written meanwhile", created_at=now + timedelta(minutes=1))
    more = client.get(link, headers=hx_headers("journal-more"))
    assert more.text.lstrip().startswith('<div id="journal-page-')
    assert "Entry number 20" in more.text and "Entry number 39" in more.text
    assert "Entry number 19" not in more.text and "Written meanwhile" not in more.text
    last = client.get(_more_link(more.text), headers=hx_headers("journal-more")).text
    assert "Entry number 44" in last and "Entry number 39" not in last
    assert 'id="journal-more"' not in last  # nothing more to load
    # Without JavaScript the same link is a full page.
    assert "<html" in client.get(link).text


def test_entries_written_in_the_same_instant_page_by_id(client, auth, app):
    from portal.models import utcnow

    user = make_user()
    moment = utcnow().replace(microsecond=0)
    for i in range(25):
        make_entry(author=user, title=f"Same moment {i:02d}", created_at=moment)
    auth.login(user)
    first = client.get("/journal/").text
    second = client.get(_more_link(first)).text
    seen = re.findall(r"Same moment \d\d", first) + re.findall(r"Same moment \d\d", second)
    assert sorted(seen) == [f"Same moment {i:02d}" for i in range(25)]  # none twice, none lost


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        "2026-01-01.",
        ".5",
        "2026-13-40T00:00:00.5",
        "2026-01-01T00:00:00.99999999999",
        "9999-12-31T23:59:59.1",
        "2026-01-01T10:00:00+14:00.3",
        "0001-01-01.1",
    ],
)
def test_a_strange_older_key_never_fails(client, auth, app, token):
    user = make_user()
    make_entry(author=user, title="Still here")
    auth.login(user)
    response = client.get("/journal/", query_string={"older": token})
    assert response.status_code == 200
    # A malformed key means the first page; a well-formed one lists what is older than it.
    older_than_the_entry = token in {"0001-01-01.1", "2026-01-01T10:00:00+14:00.3"}
    assert ("Still here" in response.text) is not older_than_the_entry


def test_search_results_page_by_number(client, auth, app):
    user = make_user()
    for i in range(25):
        make_entry(author=user, title=f"Listening note {i:02d}")
    auth.login(user)
    first = client.get("/journal/?q=listening").text
    link = _more_link(first)
    assert "page=2" in link and "older=" not in link
    second = client.get(link).text
    assert len(re.findall(r"Listening note \d\d", first + second)) == 25


# --- export ----------------------------------------------------------------------------


def test_export_markdown_and_zip_hold_the_journal(client, auth, app):
    user = make_user(name="Ada Lovelace")
    make_entry(author=user, title="First", body="**Bold** start", tags=["origin"])
    make_entry(author=user, title="Second", body="Then more", status=EntryStatus.draft)
    auth.login(user)
    md = client.get("/journal/export.md")
    assert md.status_code == 200
    assert md.mimetype == "text/markdown"
    assert "attachment;" in md.headers["Content-Disposition"]
    assert "## First" in md.text and "**Bold** start" in md.text and "- Tags: origin" in md.text
    assert "- Visibility: draft" in md.text
    archive = zipfile.ZipFile(io.BytesIO(client.get("/journal/export.zip").data))
    names = archive.namelist()
    assert "journal.md" in names
    assert len([n for n in names if n.startswith("entries/")]) == 2
    assert any(n.endswith("-first.md") for n in names)
