"""Switching a person off (the company's directory says they left) and on again.

The rule (docs/identity.md, "When someone leaves"): nothing the person wrote is deleted.
Their sessions end at once and they cannot sign in by any route; they leave every programme
they applied to or take part in (so no queue and no matching run sees them); an active
pairing ends the way an admin ends one, so each partner is told that it ended, in words that
never say why (and by an e-mail that names no reason). As in any ended pairing, the partner
still reads what was shared in it, and nothing new can be shared (docs/sharing.md).
"""

from __future__ import annotations

from sqlalchemy import and_, delete, or_, select, update

from portal.extensions import db
from portal.models import (
    Membership,
    MembershipStatus,
    Pairing,
    PairingStatus,
    User,
    utcnow,
)
from portal.services.accounts import end_sessions_of
from portal.services.platform import audit
from portal.services.programmes.holds import withdraw_held_notices

LEFT_REASON = "The person left the organisation (company directory)."


def deactivate(person: User, *, action: str, audited: bool = True, **detail) -> dict[str, int]:
    """Switch the account off; the caller commits. Returns what was ended, for the audit.

    `audited=False` leaves the audit line to the caller (an erasure records ids only).
    """
    from portal.services.matching.proposals import MatchingError, end_pairing
    from portal.services.pairings.mail import send

    person.deactivated_at = utcnow()
    sessions = end_sessions_of(person)
    involved = or_(Pairing.mentor_id == person.id, Pairing.mentee_id == person.id)
    # Proposals not yet approved, and approvals still inside their undo window, reached
    # nobody: they go quietly, with the notices held for their two people.
    unopened = db.session.scalars(
        select(Pairing).where(
            involved,
            or_(
                Pairing.status == PairingStatus.proposed,
                and_(Pairing.status == PairingStatus.active, Pairing.opens_at > utcnow()),
            ),
        )
    ).all()
    for pairing in unopened:
        withdraw_held_notices(pairing)
    proposed = db.session.execute(
        delete(Pairing)
        .where(Pairing.id.in_([p.id for p in unopened]))
        .execution_options(synchronize_session=False)
    ).rowcount
    ended = 0
    active = db.session.scalars(
        select(Pairing).where(involved, Pairing.status == PairingStatus.active)
    ).all()
    for pairing in active:
        partner = pairing.mentee if pairing.mentor_id == person.id else pairing.mentor
        try:
            with db.session.begin_nested():
                end_pairing(pairing, LEFT_REASON, None, commit=False, email=False)
        except MatchingError:
            continue  # ended at the same moment by an admin, or still inside its undo window
        ended += 1
        send(
            partner,
            f"Your pairing in {pairing.program.name} has ended",
            "auth/email/partner_left.txt",
            key=f"partner-left:{pairing.id}:{partner.id}",
            partner=partner,
            person=person,
            program=pairing.program,
        )
    withdrawn = db.session.execute(
        update(Membership)
        .where(
            Membership.user_id == person.id,
            Membership.status.in_([MembershipStatus.applied, MembershipStatus.active]),
        )
        .values(status=MembershipStatus.withdrawn)
        .execution_options(synchronize_session=False)
    ).rowcount
    outcome = {
        "sessions_ended": sessions,
        "pairings_ended": ended,
        "proposals_dropped": proposed or 0,  # with approvals nobody was told of yet
        "memberships_withdrawn": withdrawn or 0,
    }
    if not audited:
        return outcome
    audit.record(
        None,
        action,
        f"Account of {person.email} switched off",
        user_id=person.id,
        **outcome,
        **detail,
    )
    return outcome


def reactivate(person: User, *, action: str, **detail) -> None:
    """Switch the account on again: the person can sign in; programmes are applied to anew."""
    person.deactivated_at = None
    audit.record(
        None, action, f"Account of {person.email} switched on", user_id=person.id, **detail
    )
