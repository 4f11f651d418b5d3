"""Does every journal POST route refuse a request without a CSRF token?"""

from __future__ import annotations

import pytest

from portal.models.journal import Visibility
from tests.conftest import open_session
from tests.factories import make_entry, make_pairing


@pytest.fixture
def app_config() -> dict:
    return {"WTF_CSRF_ENABLED": True}


def _journal_post_rules(app) -> list[str]:
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("journal.") and "POST" in (rule.methods or set())
    )


def test_every_journal_post_route_needs_a_csrf_token(app, client):
    pairing = make_pairing()
    entry = make_entry(author=pairing.mentee, visibility=Visibility.shared)
    open_session(client, pairing.mentee)  # signed in, so only the token is missing
    rules = _journal_post_rules(app)
    assert len(rules) >= 7
    for rule in rules:
        url = rule.replace("<int:entry_id>", str(entry.id))
        response = client.post(url, data={"title": "x", "body": "y", "visibility": "private"})
        assert response.status_code == 400, f"{url} accepted a POST without a CSRF token"
    from portal.extensions import db

    db.session.expire_all()
    assert entry.visibility is Visibility.shared
