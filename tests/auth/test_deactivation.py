"""When the company switches someone off inside an approval's undo window, does the pairing
go without a word, and does the lead's undo of the rest of that decision still work?"""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Notification, Pairing, PairingStatus
from portal.models.outbox import OutboxMessage
from portal.services.accounts.deactivation import deactivate
from portal.services.matching import proposals
from portal.services.programmes import holds
from tests.factories import make_admin, make_pairing


def _held(user) -> int:
    query = select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.deliver_after.is_not(None)
    )
    return db.session.scalar(query)


def test_a_person_switched_off_in_the_undo_window_is_never_announced(app):
    admin = make_admin()
    leaving = make_pairing(status=PairingStatus.proposed)
    staying = make_pairing(status=PairingStatus.proposed, program=leaving.program)
    key = holds.new_undo_key()
    for pairing in (leaving, staying):
        proposals.approve(pairing, admin, commit=False, undo_key=key)
    db.session.commit()
    mentor, mentee, leaving_id = leaving.mentor, leaving.mentee, leaving.id
    approved_at = leaving.approved_at
    assert _held(mentor) == 1 and _held(mentee) == 1

    outcome = deactivate(mentee, action="scim.deactivated")
    db.session.commit()

    assert outcome["pairings_ended"] == 0 and outcome["proposals_dropped"] == 1
    assert db.session.get(Pairing, leaving_id) is None
    assert _held(mentor) == 0 and _held(mentee) == 0  # the mentor is never told of it
    held_mail = select(OutboxMessage).where(OutboxMessage.deliver_after.is_not(None))
    recipients = [address for row in db.session.scalars(held_mail) for address in row.to]
    assert mentor.email not in recipients and mentee.email not in recipients
    assert staying.mentor.email in recipients and staying.mentee.email in recipients
    assert _held(staying.mentor) == 1
    # The lead's undo takes back the rest of that decision.
    assert holds.undo(admin, key)
    db.session.refresh(staying)
    assert staying.status is PairingStatus.proposed
    # Whatever is released later, nothing about the gone pairing reaches anyone.
    holds.release_due_notifications(now=approved_at + holds.window() * 2)
    assert db.session.scalar(select(func.count()).where(Notification.user_id == mentor.id)) == 0


def test_an_open_pairing_still_ends_with_the_partner_told(app):
    pairing = make_pairing()
    outcome = deactivate(pairing.mentee, action="scim.deactivated")
    db.session.commit()
    assert outcome["pairings_ended"] == 1 and outcome["proposals_dropped"] == 0
    db.session.refresh(pairing)
    assert pairing.status is PairingStatus.ended
    assert db.session.scalar(select(func.count()).where(Notification.user_id == pairing.mentor_id))
