"""The reminders of mentees-choose, as finders of the reminders registry (reminders/due.py):
`send_due` stays the one sender, and each message's dispatch key makes it go out once.

- mentor_request_reminder: an open request past its `remind_at`, in the mentor's morning
  (key ``mentor_request_reminder:<id>``);
- meet_check: "did you meet?" to each partner of a pairing of a choosing programme,
  `meet_check_days` after it opened with no meeting logged (key ``meet_check:<pairing>:<user>``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import Pairing
from portal.models.choosing import MentorRequest, MentorRequestStatus
from portal.services.choosing import meet_checks as checks
from portal.services.reminders.dispatch import Message
from portal.services.reminders.kinds import KINDS


def request_reminders(run: Any, pairings: list[Pairing]) -> Iterator[Message]:
    kind = KINDS["mentor_request_reminder"]
    waiting = db.session.scalars(
        select(MentorRequest)
        .options(joinedload(MentorRequest.mentor), joinedload(MentorRequest.program))
        .where(
            MentorRequest.status == MentorRequestStatus.open,
            MentorRequest.remind_at <= run.now,
            MentorRequest.expires_at > run.now,
        )
        .order_by(MentorRequest.id)
    )
    for request in waiting:
        if not (run.nudge(request.program, kind.key).on and run.morning(request.mentor)):
            continue
        name = request.program.name
        yield Message(
            kind=kind.key,
            key=f"mentor_request_reminder:{request.id}",
            recipient=request.mentor,
            subject=kind.subject_for(program=name),
            notice=kind.notice_for(program=name),
            endpoint="choosing.show_request",
            values={"request_id": request.id},
            context={"program": request.program, "expires_at": request.expires_at},
        )


def meet_checks(run: Any, pairings: list[Pairing]) -> Iterator[Message]:
    kind = KINDS["meet_check"]
    for pairing, person in checks.due(run.now, pairings):
        if not run.on(pairing, kind.key, person):
            continue
        partner = pairing.partner_of(person)
        yield Message(
            kind=kind.key,
            key=f"meet_check:{pairing.id}:{person.id}",
            recipient=person,
            subject=kind.subject_for(),
            notice=kind.notice_for(partner=partner.name),
            endpoint="choosing.met",
            values={"pairing_id": pairing.id},
            context={"partner": partner, "program": pairing.program},
            pairing_id=pairing.id,
        )
