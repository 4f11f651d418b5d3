"""Closing open mentor requests, and reopening them when the decision is undone.

One conditional UPDATE (open -> closed) claims the requests, so two closings at once close
each request once. Every path that closes requests uses `close_open`: the mentor's answer,
the mentee's withdrawal, a mentor going away, expiry, and a mentee being paired (an
accepted request or the team's approval: `close_for_pairing`).

An approval inside its undo window can be taken back (services/programmes/holds.py): the
requests it closed open again (`reopen`), and their mentors, whose notices were held under
the approval's undo key, were never told either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, select, update
from sqlalchemy.orm import aliased

from portal.extensions import db
from portal.models.choosing import CloseReason, MentorRequest, MentorRequestStatus
from portal.services.platform.links import path_for
from portal.services.platform.notifications import notify

OPEN = MentorRequestStatus.open
# Why a request closes because its mentee was paired; only these reopen on an undo.
PAIRED = (CloseReason.matched, CloseReason.team)


@dataclass(frozen=True)
class Closed:
    """One request a closing claimed."""

    id: int
    mentee_id: int
    mentor_id: int
    program_id: int


def link(request_id: int) -> str:
    """The request's page, where either side reads what happened."""
    return path_for("choosing.show_request", request_id=request_id)


def close_open(
    *where: ColumnElement[bool],
    status: MentorRequestStatus,
    reason: CloseReason,
    now: datetime,
    reply: str | None = None,
) -> list[Closed]:
    """Close the open requests matching `where`; returns those this call claimed."""
    values = {"status": status, "reason": reason, "decided_at": now}
    if reply is not None:
        values["reply"] = reply
    rows = db.session.execute(
        update(MentorRequest)
        .where(MentorRequest.status == OPEN, *where)
        .values(**values)
        .returning(
            MentorRequest.id,
            MentorRequest.mentee_id,
            MentorRequest.mentor_id,
            MentorRequest.program_id,
        )
        .execution_options(synchronize_session=False)
    ).all()
    return [Closed(*row) for row in rows]


def close_for_pairing(
    program_id: int,
    program_name: str,
    mentee_id: int,
    reason: CloseReason,
    now: datetime,
    hold: str | None = None,
) -> list[int]:
    """The mentee has a mentor now: their open requests close and each mentor is told
    (after the undo window when `hold` names the decision's undo key). Returns the ids."""
    closed = close_open(
        MentorRequest.program_id == program_id,
        MentorRequest.mentee_id == mentee_id,
        status=MentorRequestStatus.withdrawn,
        reason=reason,
        now=now,
    )
    for request in closed:
        notify(
            request.mentor_id,
            "mentor_request_closed",
            f"A request in {program_name} was withdrawn: the mentee found a mentor.",
            link(request.id),
            hold=hold,
        )
    return [request.id for request in closed]


def reopen(request_ids: list[int]) -> int:
    """Open again the requests an undone approval closed; nobody is told (the closing
    notices were held and are withdrawn with the undo). A request that was closed for
    another reason since, or whose mentee has asked the same mentor again, stays as it is."""
    if not request_ids:
        return 0
    again = aliased(MentorRequest)
    reopened = db.session.execute(
        update(MentorRequest)
        .where(
            MentorRequest.id.in_(request_ids),
            MentorRequest.status == MentorRequestStatus.withdrawn,
            MentorRequest.reason.in_(PAIRED),
            ~exists(
                select(again.id).where(
                    and_(
                        again.program_id == MentorRequest.program_id,
                        again.mentee_id == MentorRequest.mentee_id,
                        again.mentor_id == MentorRequest.mentor_id,
                        again.status == OPEN,
                    )
                )
            ),
        )
        .values(status=OPEN, reason=None, decided_at=None)
        .execution_options(synchronize_session=False)
    )
    return reopened.rowcount or 0
