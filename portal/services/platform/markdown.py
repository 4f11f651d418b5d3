"""Markdown to safe HTML: markdown-it-py renders, nh3 keeps only harmless tags and links.

Raw HTML in the source is not rendered at all (``html=False``), and nh3 then removes
anything that slipped through: scripts, event handlers, styles and ``javascript:`` links.
"""

from __future__ import annotations

import html as html_lib

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_markdown.enable(["table", "strikethrough"])

ALLOWED_TAGS = {
    "a",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str | None) -> Markup:
    """Render user Markdown to sanitised HTML that is safe to put in a page."""
    if not text:
        return Markup("")
    html = _markdown.render(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 (sanitised by nh3 just above)


def excerpt(text: str | None, length: int = 180) -> str:
    """The first words of a Markdown text as plain text ("**bold** _x_" -> "bold x"): for
    listings, where raw Markdown reads as noise. Jinja escapes the result."""
    if not text:
        return ""
    words = " ".join(nh3.clean(_markdown.render(text), tags=set()).split())
    words = html_lib.unescape(words)
    if len(words) <= length:
        return words
    return words[: length - 1].rsplit(" ", 1)[0] + "…"
