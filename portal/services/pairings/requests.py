"""Confidential requests to the programme team: end the pairing early, or be re-matched."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import Pairing, PairingStatus, User, utcnow
from portal.models.guide import PairingRequest, RequestKind, RequestStatus
from portal.services.reminders import GuideError

REASON_MAX = 2000
ALREADY_OPEN = "You already have an open request; the programme team will reply."


def open_request(pairing: Pairing, user: User) -> PairingRequest | None:
    """The person's own open request for this pairing (never the partner's)."""
    return db.session.scalar(
        select(PairingRequest).where(
            PairingRequest.pairing_id == pairing.id,
            PairingRequest.requester_id == user.id,
            PairingRequest.status == RequestStatus.open,
        )
    )


def ask(pairing: Pairing, user: User, kind: str | None, reason: str) -> PairingRequest:
    """Record the request for the admin queue; the partner is told nothing. Caller commits."""
    if pairing.status is not PairingStatus.active:
        raise GuideError("This pairing is no longer active.", "kind")
    try:
        chosen = RequestKind(kind or "")
    except ValueError as error:
        raise GuideError("Choose what you would like to ask for.", "kind") from error
    reason = (reason or "").replace("\x00", "").strip()
    if not reason:
        raise GuideError("Tell the programme team why, in a few words.", "reason")
    if len(reason) > REASON_MAX:
        raise GuideError(f"Keep the reason under {REASON_MAX} characters.", "reason")
    if open_request(pairing, user) is not None:
        raise GuideError(ALREADY_OPEN, "kind")
    request = PairingRequest(
        pairing_id=pairing.id, requester_id=user.id, kind=chosen, reason=reason
    )
    # The check above reads; the partial unique index decides: of two tabs sending at once,
    # the second insert fails here and nothing of it is kept.
    try:
        with db.session.begin_nested():
            db.session.add(request)
    except IntegrityError as error:
        raise GuideError(ALREADY_OPEN, "kind") from error
    return request


def queue(limit: int = 200) -> list[PairingRequest]:
    """Open requests first, oldest first: what the programme team should answer next."""
    return list(
        db.session.scalars(
            select(PairingRequest)
            .options(
                joinedload(PairingRequest.requester),
                joinedload(PairingRequest.pairing).joinedload(Pairing.program),
                joinedload(PairingRequest.pairing).joinedload(Pairing.mentor),
                joinedload(PairingRequest.pairing).joinedload(Pairing.mentee),
            )
            .order_by(PairingRequest.status, PairingRequest.created_at)
            .limit(limit)
        )
    )


def open_count() -> int:
    return (
        db.session.scalar(
            select(func.count(PairingRequest.id)).where(PairingRequest.status == RequestStatus.open)
        )
        or 0
    )


def resolve(request: PairingRequest, admin: User, end_pairing: bool, reason: str = "") -> None:
    """Mark the request handled, ending the pairing if the team decided so; caller commits.

    Ending goes through the one `end_pairing` (schedule closed, both told, audited), with
    the team's own reason: never the requester's words.
    """
    from portal.services.matching.proposals import end_pairing as end

    # Claimed by a conditional UPDATE: two team members resolving at once resolve it once.
    resolved_at = utcnow()
    claimed = db.session.execute(
        update(PairingRequest)
        .where(PairingRequest.id == request.id, PairingRequest.status == RequestStatus.open)
        .values(status=RequestStatus.resolved, resolved_at=resolved_at, resolved_by_id=admin.id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise GuideError("This request is already resolved.", "action")
    db.session.expire(request, ["status", "resolved_at", "resolved_by_id"])
    if end_pairing and request.pairing.status is PairingStatus.active:
        end(request.pairing, reason, admin, commit=False)
