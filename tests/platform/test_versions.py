"""Does an optimistic save claim the next version once, and refuse a stale one writing nothing?"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models.journal import JournalEntry
from portal.services.platform.versions import claim_next_version
from tests.factories import make_entry


def _stored_version(entry_id: int) -> int:
    return db.session.scalar(select(JournalEntry.version).where(JournalEntry.id == entry_id))


def test_a_save_from_the_current_version_claims_the_next_one():
    entry = make_entry()
    seen = entry.version
    assert claim_next_version(entry, seen)
    assert entry.version == seen + 1
    db.session.commit()
    assert _stored_version(entry.id) == seen + 1


@pytest.mark.parametrize("stale", [lambda seen: seen, lambda seen: None, lambda seen: seen + 5])
def test_a_second_save_from_the_same_version_is_refused_and_writes_nothing(stale):
    entry = make_entry(title="Before")
    entry_id, seen = entry.id, entry.version
    assert claim_next_version(entry, seen)
    db.session.commit()
    entry.title = "Written by the loser"  # rolled back with the refused claim
    assert not claim_next_version(entry, stale(seen))
    assert _stored_version(entry_id) == seen + 1
    assert db.session.get(JournalEntry, entry_id).title == "Before"
