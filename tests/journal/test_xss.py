"""Can a title, a body, a tag or a comment smuggle script into a page?"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from portal.models.journal import Visibility
from portal.services.platform.markdown import render_markdown
from tests.conftest import hx_headers
from tests.factories import make_comment, make_entry, make_pairing

ATTACKS = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    '<a href="javascript:alert(1)">link</a>',
    '<svg onload="alert(1)"></svg>',
    '<iframe src="https://evil.example"></iframe>',
    '"><script>alert(1)</script>',
    "![x](javascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
]
FORBIDDEN_TAGS = {"script", "img", "iframe", "svg", "object", "embed", "style"}


class _MarkupAudit(HTMLParser):
    """Collects the live elements and attributes of a piece of HTML (escaped text is inert)."""

    def __init__(self, page: bool = False) -> None:
        super().__init__()
        self.page = page
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if self.page and tag == "script" and (values.get("src") or "").startswith("/static/"):
            return  # the page's own scripts
        if self.page and tag in {"svg", "path"}:
            return  # the header's icons (their attributes are still audited below)
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag}[{name}]")
            if name in {"href", "src"} and not re.match(r"^(https?:|mailto:|/|#)", value or ""):
                self.problems.append(f"{tag}[{name}={value}]")


def _assert_safe(html: str, page: bool = False) -> None:
    audit = _MarkupAudit(page=page)
    audit.feed(html)
    assert audit.problems == []


@pytest.mark.parametrize("attack", ATTACKS)
def test_markdown_renderer_strips_scripts_handlers_and_javascript_links(attack):
    _assert_safe(str(render_markdown(f"Hello\n\n{attack}\n\n**bold**")))


def test_markdown_keeps_the_harmless_formatting():
    html = str(render_markdown("**b** _i_ [ok](https://example.org)\n\n- one\n\n> quote"))
    assert "<strong>b</strong>" in html and "<em>i</em>" in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">ok</a>' in html
    assert "<li>one</li>" in html and "<blockquote>" in html


@pytest.fixture
def shared_scene(app):
    pairing = make_pairing()
    return pairing


def _pages(client, entry):
    urls = [
        f"/journal/{entry.id}",
        f"/journal/{entry.id}/edit",
        "/journal/",
        "/journal/?q=a",
        "/dashboard/",
        "/journal/export.md",
    ]
    return {url: client.get(url).text for url in urls}


@pytest.mark.parametrize("attack", ATTACKS)
def test_attacks_in_title_body_tag_and_comment_render_inert(client, auth, shared_scene, attack):
    pairing = shared_scene
    entry = make_entry(
        author=pairing.mentee, title=f"T {attack}", body=attack, visibility=Visibility.shared
    )
    make_comment(entry=entry, author=pairing.mentor, body=attack)
    auth.login(pairing.mentee)
    for url, html in _pages(client, entry).items():
        if url.endswith(".md"):
            continue  # a download, served as text/markdown, never rendered as HTML
        # Escaped text is fine ("&lt;script&gt;"); live markup is not.
        _assert_safe(html, page=True)
    auth.logout()
    auth.login(pairing.mentor)
    for url in (f"/journal/{entry.id}", "/journal/shared", "/dashboard/"):
        _assert_safe(client.get(url).text, page=True)
    fragment = client.get(f"/journal/{entry.id}/comments", headers=hx_headers("comment-list"))
    _assert_safe(fragment.text)


def test_a_tag_cannot_carry_markup(client, auth, app):
    pairing = make_pairing()
    auth.login(pairing.mentee)
    response = client.post(
        "/journal/new",
        data={"title": "t", "body": "b", "visibility": "private", "tags": '"><script>x</script>'},
    )
    assert response.status_code == 422
    assert "<script>x</script>" not in response.text
    assert "&#34;&gt;&lt;script&gt;" in response.text or "&quot;&gt;&lt;script&gt;" in response.text


def test_a_comment_posted_through_htmx_is_escaped(client, auth, app):
    pairing = make_pairing()
    entry = make_entry(author=pairing.mentee, visibility=Visibility.shared)
    auth.login(pairing.mentor)
    response = client.post(
        f"/journal/{entry.id}/comments",
        data={"body": "<script>alert(1)</script> [x](javascript:alert(1))"},
        headers=hx_headers("entry-comments"),
    )
    assert response.status_code == 200
    _assert_safe(response.text.split('id="comment-list"', 1)[1].split("</ol>")[0])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
