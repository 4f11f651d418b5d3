"""Do pages answer 304 when unchanged, and are static files versioned, long-lived and small?"""

from __future__ import annotations

import gzip
import re

from tests.conftest import hx_headers
from tests.factories import make_entry, make_user


def test_does_an_unchanged_page_answer_304_without_its_body(client, auth):
    user = make_user()
    make_entry(author=user, title="Quiet morning")
    auth.login(user)
    first = client.get("/journal/")
    etag = first.headers["ETag"]
    # A signed-in page may hold private text: the browser must not store it.
    assert first.headers["Cache-Control"] == "no-store"
    again = client.get("/journal/", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert "Content-Security-Policy" in again.headers
    assert "HX-Request" in again.headers["Vary"]


def test_does_a_change_give_the_page_a_new_etag(client, auth):
    user = make_user()
    auth.login(user)
    before = client.get("/journal/").headers["ETag"]
    make_entry(author=user, title="Something new")
    after = client.get("/journal/", headers={"If-None-Match": before})
    assert after.status_code == 200
    assert "Something new" in after.text
    assert after.headers["ETag"] != before


def test_is_the_etag_stable_although_each_csrf_token_is_signed_anew(client, auth, monkeypatch):
    import itsdangerous.timed

    auth.login(make_user())
    first = client.get("/practice/new")
    later = itsdangerous.timed.time.time() + 120
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: later)
    second = client.get("/practice/new")
    tokens = [re.search(r'name="csrf_token" value="([^"]+)"', p.text)[1] for p in (first, second)]
    assert tokens[0] != tokens[1]  # the token's signature carries the time
    assert first.headers["ETag"] == second.headers["ETag"]


def test_do_a_fragment_and_its_page_have_different_etags(client, auth):
    auth.login(make_user())
    page = client.get("/journal/?q=x")
    fragment = client.get("/journal/?q=x", headers=hx_headers("journal-results"))
    assert fragment.status_code == 200 and fragment.headers["ETag"] != page.headers["ETag"]
    again = client.get(
        "/journal/?q=x",
        headers={**hx_headers("journal-results"), "If-None-Match": fragment.headers["ETag"]},
    )
    assert again.status_code == 304


def test_do_two_people_never_share_a_page_etag(client, auth):
    first, second = make_user(), make_user()
    auth.login(first)
    mine = client.get("/journal/").headers["ETag"]
    auth.logout()
    auth.login(second)
    theirs = client.get("/journal/", headers={"If-None-Match": mine})
    assert theirs.status_code == 200


def test_do_downloads_and_errors_stay_uncached(client, auth):
    auth.login(make_user())
    export = client.get("/journal/export.md")
    assert export.headers["Cache-Control"] == "no-store" and "ETag" not in export.headers
    missing = client.get("/journal/999999")
    assert missing.status_code == 404 and "ETag" not in missing.headers


def _static_urls(html: str) -> list[str]:
    return re.findall(r'(/static/[^"?]+)\?v=([0-9a-f]{12})"', html)


def test_are_static_urls_versioned_by_content_and_cached_for_a_year(client):
    html = client.get("/auth/login").text
    urls = _static_urls(html)
    assert {path.rsplit("/", 1)[1] for path, _ in urls} >= {"horizon.css", "htmx-2.0.11.min.js"}
    for path, version in urls:
        response = client.get(f"{path}?v={version}")
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_is_a_stale_or_missing_version_revalidated_instead(client):
    path, _ = _static_urls(client.get("/auth/login").text)[0]
    for url in (path, f"{path}?v=000000000000"):
        assert client.get(url).headers["Cache-Control"] == "public, no-cache"


def test_are_css_and_javascript_sent_compressed_to_who_accepts_it(client):
    html = client.get("/auth/login").text
    css = next(f"{p}?v={v}" for p, v in _static_urls(html) if p.endswith(".css"))
    plain = client.get(css)
    packed = client.get(css, headers={"Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 2
    assert packed.headers["ETag"] != plain.headers["ETag"]


def test_is_a_signed_out_page_kept_and_revalidated(client):
    first = client.get("/auth/login")
    assert first.headers["Cache-Control"] == "private, no-cache"
    assert (
        client.get("/auth/login", headers={"If-None-Match": first.headers["ETag"]}).status_code
        == 304
    )
