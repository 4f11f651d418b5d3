"""Demo material shared the way people share it: in one relationship, through the services.

Every shared entry and practice of the demo gets its audience from the sharing services
(``journal.share_entry``, ``practice.share_practice``), so the demo shows the sharing model
at work: the demo mentor's past mentee reads what was shared in their finished pairing, his
present mentee reads what is shared in hers, and neither reads the other's.
"""

from __future__ import annotations

from portal.extensions import db
from portal.models import Pairing
from portal.models.journal import EntryComment, JournalEntry
from portal.models.practice import Practice, PracticeComment
from portal.services import journal, practice


def open_pairing(pairing: Pairing) -> None:
    """A demo pairing approved in the past: both partners were told long ago."""
    pairing.opens_at = pairing.approved_at


def share_in(pairing: Pairing, *items: JournalEntry | Practice) -> None:
    """Share each entry or practice in this pairing (it must be active and open now)."""
    db.session.flush()
    for item in items:
        if isinstance(item, JournalEntry):
            journal.share_entry(item, [pairing.id])
        else:
            practice.share_practice(item, [pairing.id])


def written_in(pairing: Pairing, *comments: EntryComment | PracticeComment) -> None:
    """A partner's comment belongs to the relationship it was written in."""
    for comment in comments:
        comment.pairing_id = pairing.id
