"""The reminders of mentees-choose, as finders of the reminders registry (reminders/due.py):
`send_due` stays the one sender, and each message's dispatch key makes it go out once.

- mentor_request_reminder: an open request past its `remind_at`, in the mentor's morning
  (key ``mentor_request_reminder:<id>``);
- meet_check: "did you meet?" to each partner of a pairing of a choosing programme,
  `meet_check_days` after it opened with no meeting logged (key ``meet_check:<pairing>:<user>``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.core.time import add_days, in_zone
from portal.extensions import db
from portal.models import Pairing
from portal.models.choosing import MentorRequest, MentorRequestStatus
from portal.models.office_hours import BookingStatus, OfficeHourBooking, OfficeHourSlot, SlotStatus
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


def office_hours_tomorrow(run: Any, pairings: list[Pairing]) -> Iterator[Message]:
    """The day before a booked office hour, in each person's morning (key names the slot's
    UID and SEQUENCE, so a moved or re-booked slot is a new message)."""
    kind = KINDS["office_hour_tomorrow"]
    rows = db.session.execute(
        select(OfficeHourBooking, OfficeHourSlot)
        .join(OfficeHourSlot, OfficeHourSlot.id == OfficeHourBooking.slot_id)
        .options(joinedload(OfficeHourBooking.booker), joinedload(OfficeHourSlot.mentor))
        .where(
            OfficeHourBooking.status == BookingStatus.booked,
            OfficeHourSlot.status == SlotStatus.open,
            OfficeHourSlot.starts_at > run.now,
            OfficeHourSlot.starts_at <= run.now + timedelta(hours=48),
        )
    ).all()
    for booking, slot in rows:
        for person, partner in ((booking.booker, slot.mentor), (slot.mentor, booking.booker)):
            local = in_zone(slot.starts_at, person.zone)
            if local.date() != add_days(run.today(person), 1) or not run.morning(person):
                continue
            at = f" at {local:%H:%M}"
            yield Message(
                kind=kind.key,
                key=f"office_hour_tomorrow:{slot.uid}:{slot.sequence}:{person.id}",
                recipient=person,
                subject=kind.subject_for(at=at),
                notice=kind.notice_for(at=at, partner=partner.name),
                endpoint="office_hours.booking",
                values={"booking_id": booking.id},
                context={"partner": partner, "local": local, "minutes": slot.minutes},
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
