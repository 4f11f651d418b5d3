"""Office hours: a mentor offers slots; any participant of the programme books one.

Slots are entered in the mentor's own time zone and stored in UTC (kickoff.calendar.to_utc
refuses a wall-clock time the clocks skip). One live booking per slot is a partial unique
index: two people booking the same slot at once get one booking and one clear message.
Every booking is an iCalendar event (the slot's UID, a rising SEQUENCE, CANCEL on call-off).

Privacy: the one-line question is read by the booker and the mentor only; the programme
team sees counts, topics and ratings through services/insights/office_hours.py, with the
small-group rule.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from icalendar import Calendar, vCalAddress, vText
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal.core.errors import FieldError
from portal.core.time import in_zone
from portal.extensions import db
from portal.models import Membership, MembershipStatus, Program, Role, User
from portal.models.office_hours import (
    BookingStatus,
    OfficeHourBooking,
    OfficeHourSlot,
    SlotStatus,
)
from portal.services import access
from portal.services.choosing import requests as choosing
from portal.services.pairings import KickoffError
from portal.services.pairings.mail import send
from portal.services.pairings.schedule import PRODID, calendar_organizer, timed_event, to_utc
from portal.services.platform.links import path_for
from portal.services.platform.mail import external_url
from portal.services.platform.notifications import notify

QUESTION_MAX = 200
TOPICS_MAX = 300
# Either side may cancel until this long before the start ("with notice").
CANCEL_NOTICE = timedelta(hours=12)
SLOT_TAKEN = "Someone booked this slot a moment ago: choose another."


class OfficeHoursError(FieldError):
    """A slot or booking that cannot be made; the message says why."""


@dataclass
class SlotTerms:
    day: date | None
    start: time | None
    minutes: int | None
    topics: str
    place: str


def _participant(program: Program, user_id: int) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(
            Membership.program_id == program.id,
            Membership.user_id == user_id,
            Membership.status == MembershipStatus.active,
        )
    )


def offer(program: Program, mentor: User, terms: SlotTerms, now: datetime) -> OfficeHourSlot:
    """A new slot, entered in the mentor's time zone; commits."""
    member = _participant(program, mentor.id)
    if member is None or member.role is not Role.mentor:
        raise OfficeHoursError("Only the programme's mentors offer office hours.")
    if terms.day is None or terms.start is None:
        raise OfficeHoursError("Choose the date and the start time.", "day")
    if terms.minutes is None or not 15 <= terms.minutes <= 120:
        raise OfficeHoursError("A conversation lasts between 15 and 120 minutes.", "minutes")
    topics = (terms.topics or "").replace("\x00", "").strip()
    if not topics or len(topics) > TOPICS_MAX:
        raise OfficeHoursError(f"Name the topics, in under {TOPICS_MAX} characters.", "topics")
    place = (terms.place or "").replace("\x00", "").strip()
    if len(place) > 300:
        raise OfficeHoursError("Keep the place or link under 300 characters.", "place")
    try:
        starts_at = to_utc(terms.day, terms.start, mentor.zone)
    except KickoffError as error:
        raise OfficeHoursError(str(error), "start_time") from error
    if starts_at <= now:
        raise OfficeHoursError("Choose a time in the future.", "day")
    slot = OfficeHourSlot(
        program_id=program.id,
        mentor_id=mentor.id,
        starts_at=starts_at,
        minutes=terms.minutes,
        zone=mentor.timezone,
        topics=topics,
        place=place,
        uid=f"{uuid.uuid4()}@horizon",
    )
    db.session.add(slot)
    db.session.commit()
    return slot


def book(slot: OfficeHourSlot, booker: User, question: str, now: datetime) -> OfficeHourBooking:
    """Book a slot with a one-line question; the unique index decides a race; commits."""
    question = (question or "").replace("\x00", "").replace("\n", " ").strip()
    if not question or len(question) > QUESTION_MAX:
        raise OfficeHoursError(f"Ask your question in one line (under {QUESTION_MAX}).", "question")
    if slot.mentor_id == booker.id:
        raise OfficeHoursError("This is your own slot.")
    if slot.status is not SlotStatus.open or slot.starts_at <= now:
        raise OfficeHoursError("This slot is no longer available.")
    if _participant(slot.program, booker.id) is None:
        raise OfficeHoursError("Office hours are for the programme's participants.")
    booking = OfficeHourBooking(slot_id=slot.id, booker_id=booker.id, question=question)
    try:
        with db.session.begin_nested():
            db.session.add(booking)
    except IntegrityError as error:
        raise OfficeHoursError(SLOT_TAKEN) from error
    notify(
        slot.mentor_id,
        "office_hour_booked",
        f"Your office hour of {slot.starts_at:%-d %B} was booked.",
        path_for("office_hours.booking", booking_id=booking.id),
    )
    _mail(slot, booking, "booked")
    db.session.commit()
    return booking


def _mail(slot: OfficeHourSlot, booking: OfficeHourBooking, what: str) -> None:
    """The e-mail to both people with the event (REQUEST, or CANCEL on a call-off); the
    subject carries the time only, the body no question (the booking page shows it)."""
    method = "CANCEL" if what == "cancelled" else "REQUEST"
    for person in (slot.mentor, booking.booker):
        local = in_zone(slot.starts_at, person.zone)
        heading = "Office hour called off" if what == "cancelled" else "Office hour booked"
        send(
            person,
            f"{heading}: {local:%a %-d %b, %H:%M}",
            "office_hours/email/booking.txt",
            attachment=(
                "office-hour.ics",
                ics_bytes(slot, booking, method, person),
                f"text/calendar; method={method}",
            ),
            key=f"office_hour:{slot.uid}:{slot.sequence}:{what}:{person.id}",
            slot=slot,
            local=local,
            what=what,
            link=external_url("office_hours.booking", booking_id=booking.id),
        )


def cancel(booking: OfficeHourBooking, user: User, now: datetime) -> None:
    """Either side cancels with notice; the slot opens again; a CANCEL goes to both."""
    slot = booking.slot
    if user.id not in (booking.booker_id, slot.mentor_id):
        raise OfficeHoursError("Only the two of you can cancel this conversation.")
    if slot.starts_at - now < CANCEL_NOTICE:
        raise OfficeHoursError("It starts within 12 hours: write to each other instead.")
    claimed = db.session.execute(
        update(OfficeHourBooking)
        .where(OfficeHourBooking.id == booking.id, OfficeHourBooking.status == BookingStatus.booked)
        .values(status=BookingStatus.cancelled, cancelled_by_id=user.id, cancelled_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise OfficeHoursError("This conversation was already cancelled.")
    # The same UID with a higher SEQUENCE: calendars replace the event with the CANCEL.
    db.session.execute(
        update(OfficeHourSlot)
        .where(OfficeHourSlot.id == slot.id)
        .values(sequence=OfficeHourSlot.sequence + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    other = slot.mentor_id if user.id == booking.booker_id else booking.booker_id
    notify(
        other,
        "office_hour_cancelled",
        f"An office hour of {slot.starts_at:%-d %B} was called off.",
        path_for("office_hours.index"),
    )
    db.session.refresh(slot)
    _mail(slot, booking, "cancelled")
    db.session.commit()


def withdraw_slot(slot: OfficeHourSlot, mentor: User, now: datetime) -> None:
    """The mentor takes a slot back; a live booking is called off with a CANCEL to both."""
    if slot.mentor_id != mentor.id:
        raise OfficeHoursError("Only the mentor who offered this slot can withdraw it.")
    claimed = db.session.execute(
        update(OfficeHourSlot)
        .where(OfficeHourSlot.id == slot.id, OfficeHourSlot.status == SlotStatus.open)
        .values(status=SlotStatus.withdrawn, sequence=OfficeHourSlot.sequence + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise OfficeHoursError("This slot was already withdrawn.")
    live = db.session.scalar(
        select(OfficeHourBooking).where(
            OfficeHourBooking.slot_id == slot.id,
            OfficeHourBooking.status == BookingStatus.booked,
        )
    )
    db.session.refresh(slot)
    if live is not None:
        live.status, live.cancelled_by_id, live.cancelled_at = (
            BookingStatus.cancelled,
            mentor.id,
            now,
        )
        notify(
            live.booker_id,
            "office_hour_cancelled",
            f"An office hour of {slot.starts_at:%-d %B} was called off.",
            path_for("office_hours.index"),
        )
        _mail(slot, live, "cancelled")
    db.session.commit()


# --- lists ----------------------------------------------------------------------------------

PAGE_SIZE = 20


def upcoming_slots(
    program: Program, now: datetime, topic: str = "", after: tuple[datetime, int] | None = None
) -> list[tuple[OfficeHourSlot, OfficeHourBooking | None]]:
    """Open slots from now on, soonest first, keyset by (starts_at, id); with their live
    booking (the page shows "booked", never who booked or why)."""
    query = (
        select(OfficeHourSlot, OfficeHourBooking)
        .outerjoin(
            OfficeHourBooking,
            (OfficeHourBooking.slot_id == OfficeHourSlot.id)
            & (OfficeHourBooking.status != BookingStatus.cancelled),
        )
        .where(
            OfficeHourSlot.program_id == program.id,
            OfficeHourSlot.status == SlotStatus.open,
            OfficeHourSlot.starts_at > now,
        )
        .order_by(OfficeHourSlot.starts_at, OfficeHourSlot.id)
        .limit(PAGE_SIZE + 1)
    )
    topic = (topic or "").replace("\x00", "").strip()[:60]
    if topic:
        escaped = topic.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(OfficeHourSlot.topics.ilike(f"%{escaped}%", escape="\\"))
    if after is not None:
        query = query.where(
            (OfficeHourSlot.starts_at > after[0])
            | ((OfficeHourSlot.starts_at == after[0]) & (OfficeHourSlot.id > after[1]))
        )
    return [(slot, booking) for slot, booking in db.session.execute(query).all()]


def my_slots(program: Program, mentor: User, now: datetime) -> list[OfficeHourSlot]:
    return list(
        db.session.scalars(
            select(OfficeHourSlot)
            .where(
                OfficeHourSlot.program_id == program.id,
                OfficeHourSlot.mentor_id == mentor.id,
                OfficeHourSlot.status == SlotStatus.open,
                OfficeHourSlot.starts_at > now - timedelta(days=1),
            )
            .order_by(OfficeHourSlot.starts_at, OfficeHourSlot.id)
            .limit(50)
        )
    )


def record_outcome(
    booking: OfficeHourBooking, user: User, held: bool, missed_by: str | None, now: datetime
) -> None:
    """After the slot: it took place, or one side missed it (booked -> held | missed)."""
    if booking.slot.ends_at > now:
        raise OfficeHoursError("The conversation has not happened yet.")
    if user.id not in (booking.booker_id, booking.slot.mentor_id):
        raise OfficeHoursError("Only the two of you can say how it went.")
    status = BookingStatus.held if held else BookingStatus.missed
    values = {"status": status, "missed_by": None if held else missed_by}
    claimed = db.session.execute(
        update(OfficeHourBooking)
        .where(OfficeHourBooking.id == booking.id, OfficeHourBooking.status == BookingStatus.booked)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise OfficeHoursError("This was already recorded.")
    db.session.commit()


def rate(booking: OfficeHourBooking, booker: User, rating: int, now: datetime) -> None:
    """The booker's one question: how useful was it (1-5)? Once, after it; implies it was held."""
    if booking.booker_id != booker.id or not 1 <= rating <= 5:
        raise OfficeHoursError("Choose from 1 to 5.", "rating")
    if booking.slot.ends_at > now:
        raise OfficeHoursError("Rate the conversation once it has taken place.", "rating")
    claimed = db.session.execute(
        update(OfficeHourBooking)
        .where(
            OfficeHourBooking.id == booking.id,
            OfficeHourBooking.rating.is_(None),
            OfficeHourBooking.status.in_([BookingStatus.booked, BookingStatus.held]),
        )
        .values(rating=rating, status=BookingStatus.held)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise OfficeHoursError("You already rated this conversation.", "rating")
    db.session.commit()


def ask_to_continue(booking: OfficeHourBooking, user: User, now: datetime) -> bool:
    """One side asks to continue as a pairing; when both have, the pairing is made through
    choosing.requests.pair_from_conversation (the same locks and checks as an accepted
    request). Returns True when the pair was made."""
    if user.id not in (booking.booker_id, booking.slot.mentor_id):
        raise OfficeHoursError("Only the two of you can ask to continue.")
    column = "booker_wants_pairing" if user.id == booking.booker_id else "mentor_wants_pairing"
    claimed = db.session.execute(
        update(OfficeHourBooking)
        .where(OfficeHourBooking.id == booking.id, OfficeHourBooking.status == BookingStatus.held)
        .values({column: True})
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise OfficeHoursError("Continuing is possible once the conversation has taken place.")
    db.session.commit()
    db.session.refresh(booking)
    if not (booking.booker_wants_pairing and booking.mentor_wants_pairing):
        return False
    choosing.pair_from_conversation(
        booking.slot.program, booking.booker_id, booking.slot.mentor, now
    )
    return True


# --- iCalendar: the same habits as kickoff.calendar -----------------------------------------


def ics_bytes(slot: OfficeHourSlot, booking: OfficeHourBooking, method: str, viewer: User) -> bytes:
    """One event; addresses of the two people only; no question text in the calendar."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = timed_event(slot)
    event.add("summary", "Office hour (Horizon)")
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    if slot.place:
        event.add("location", slot.place)
    event.add("url", external_url("office_hours.booking", booking_id=booking.id))
    event.add("organizer", calendar_organizer())
    for person in (slot.mentor, booking.booker):
        attendee = vCalAddress(f"mailto:{person.email}")
        attendee.params["cn"] = vText(person.name)
        event.add("attendee", attendee, encode=0)
    calendar.add_component(event)
    return calendar.to_ical()


def role_in(program: Program, user: User) -> Role | None:
    member = _participant(program, user.id)
    return member.role if member else None


def programs_for(user: User) -> list[Program]:
    return list(db.session.scalars(access.office_hours_programs(user)))


def my_bookings(user: User, now: datetime) -> list[OfficeHourBooking]:
    """Bookings the user made or received, from yesterday on, soonest first."""
    query = (
        access.visible_bookings(user)
        .where(
            OfficeHourBooking.status != BookingStatus.cancelled,
            OfficeHourSlot.starts_at > now - timedelta(days=14),
        )
        .order_by(OfficeHourSlot.starts_at, OfficeHourBooking.id)
        .limit(50)
    )
    return list(db.session.scalars(query))
