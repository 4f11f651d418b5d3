"""Template rules that a reviewer would otherwise have to remember.

- Every download is a real download: never a boosted link that swaps CSV text into the page.
- No page script inside page content: a boosted visit runs such a script again, and its
  handlers bind twice (the print dialog opened once per visit). horizon.js is the one script.
- Every fragment a form swaps in shows its own messages (else the flash waits for the next page).
"""

import re
from pathlib import Path

TEMPLATES = Path(__file__).parents[2] / "portal" / "templates"
ANCHOR = re.compile(r"<a\b[^>]*>", re.DOTALL)
DOWNLOAD_HREF = re.compile(r"(\.csv|\.ics|\.zip|\.md|_csv|export|download)", re.I)
HX_TARGET = re.compile(r'data-hx-target="#([\w-]+)"')
# Fragments whose routes flash nothing when they answer htmx (a polled fragment must not
# announce itself either): the comments poll, the review badge, "mark all read", and the
# end-pairing confirm step (its POST answers with HX-Redirect to a full page).
QUIET = {"entry-comments", "entry-review", "notification-list", "confirm-end"}


def _templates():
    return sorted(TEMPLATES.rglob("*.html"))


def test_download_links_are_not_boosted():
    offenders = []
    for path in _templates():
        for tag in ANCHOR.findall(path.read_text()):
            href = tag.split("href=", 1)[-1][:120]
            is_download = " download" in tag or DOWNLOAD_HREF.search(href)
            if is_download and 'data-hx-boost="false"' not in tag:
                offenders.append(f"{path.relative_to(TEMPLATES)}: {tag[:100]}")
    assert offenders == []


def test_only_the_layout_loads_scripts():
    offenders = [
        str(path.relative_to(TEMPLATES))
        for path in _templates()
        if "<script" in path.read_text() and path.name != "base.html"
    ]
    assert offenders == []


def test_posted_fragments_show_their_own_flashes():
    """A form posting into #x: the template whose root has id="x" includes the fragment flashes."""
    posted = set()
    for path in _templates():
        text = path.read_text()
        for form in re.findall(r"<form\b[^>]*>", text, re.DOTALL):
            if "data-hx-post" in form and (target := HX_TARGET.search(form)):
                posted.add(target.group(1))
    missing = []
    for path in _templates():
        if not path.name.startswith("_"):
            continue
        text = path.read_text()
        root = re.search(r'<(?:div|section)\b[^>]*\bid="([\w-]+)"', text)
        speaks = "_fragment_flashes.html" in text or "data-announce" in text
        if root and root.group(1) in posted - QUIET and not speaks:
            missing.append(f"{path.relative_to(TEMPLATES)} (#{root.group(1)})")
    assert missing == []
