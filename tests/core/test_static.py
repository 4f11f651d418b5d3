"""Is the vendored htmx the exact file we reviewed, and is it the one pages load?"""

import base64
import hashlib
from pathlib import Path

HTMX = Path(__file__).parents[2] / "portal" / "static" / "vendor" / "htmx-2.0.11.min.js"
# sha384 of htmx.org@2.0.11 dist/htmx.min.js from the npm registry.
HTMX_SHA384 = "2OatzQy1H+Zd/IIrjr1TcuDGqLXeHhbooAyJY1KdQMKnr4LZ22k31GBLdYKHmVjg"


def test_is_the_vendored_htmx_unchanged():
    digest = base64.b64encode(hashlib.sha384(HTMX.read_bytes()).digest()).decode()
    assert digest == HTMX_SHA384


def test_is_htmx_version_two_zero():
    assert 'version:"2.0.11"' in HTMX.read_text().replace(" ", "")


def test_do_pages_load_the_vendored_htmx_and_config(client):
    html = client.get("/auth/login").text
    assert "/static/vendor/htmx-2.0.11.min.js" in html
    assert '"allowEval": false' in html and '"includeIndicatorStyles": false' in html
    assert 'hx-boost="true"' in html
    response = client.get("/static/vendor/htmx-2.0.11.min.js")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(
        ("application/javascript", "text/javascript")
    )


def test_does_every_stylesheet_close_each_block_it_opens():
    """An unclosed block (easily left by a merge) silently swallows every rule after it."""
    from pathlib import Path

    for sheet in Path("portal/static/css").glob("*.css"):
        depth = 0
        for number, line in enumerate(sheet.read_text().splitlines(), 1):
            depth += line.count("{") - line.count("}")
            assert depth >= 0, f"{sheet}:{number} closes a block that was never opened"
        assert depth == 0, f"{sheet} leaves {depth} block(s) open"
