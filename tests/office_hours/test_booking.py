"""Can people book a mentor's office hour once, cancel with notice, rate, and be counted safely?"""

from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta

import pytest
import vobject
from flask import current_app

from portal.extensions import db
from portal.models import Role, User
from portal.models.office_hours import BookingStatus, OfficeHourBooking, OfficeHourSlot
from portal.services import office_hours
from portal.services.insights import office_hours as oh_figures
from portal.services.office_hours import OfficeHoursError, SlotTerms
from tests.factories import make_participant, make_program, make_user

NOW = datetime(2027, 3, 1, 9, 0)


def _slot(program, mentor_user, day=date(2027, 3, 8), start=time(10, 0)):
    terms = SlotTerms(day=day, start=start, minutes=30, topics="career planning", place="")
    return office_hours.offer(program, mentor_user, terms, NOW)


@pytest.fixture
def world():
    program = make_program()
    mentor = make_participant(program, Role.mentor, user=make_user(timezone="Europe/Berlin"))
    bookers = [make_participant(program, Role.mentee) for _ in range(6)]
    return program, mentor.user, [b.user for b in bookers]


def test_a_slot_is_stored_in_utc_from_the_mentors_own_time(world):
    program, mentor, _ = world
    slot = _slot(program, mentor)
    assert slot.starts_at == datetime(2027, 3, 8, 9, 0)  # 10:00 in Berlin, winter time
    assert slot.zone == "Europe/Berlin"


def test_a_time_the_clocks_skip_is_refused(world):
    program, mentor, _ = world
    with pytest.raises(OfficeHoursError) as refused:
        _slot(program, mentor, day=date(2027, 3, 28), start=time(2, 30))
    assert refused.value.field == "start_time"


def test_a_slot_is_booked_once(world):
    program, mentor, (first, second, *_) = world
    slot = _slot(program, mentor)
    office_hours.book(slot, first, "How do I ask for a promotion?", NOW)
    with pytest.raises(OfficeHoursError, match="booked this slot a moment ago"):
        office_hours.book(slot, second, "Me too", NOW)


@pytest.mark.committed
def test_two_people_booking_one_slot_at_once_get_one_booking(world):
    program, mentor, bookers = world
    slot_id = _slot(program, mentor).id
    app = current_app._get_current_object()
    barrier = threading.Barrier(2)
    outcomes: list[object] = [None, None]

    def run(i: int, user_id: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                slot = db.session.get(OfficeHourSlot, slot_id)
                outcomes[i] = office_hours.book(slot, db.session.get(User, user_id), "Q?", NOW)
            except OfficeHoursError as error:
                outcomes[i] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, bookers[i].id)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    db.session.rollback()
    assert sum(isinstance(o, OfficeHoursError) for o in outcomes) == 1
    assert db.session.query(OfficeHourBooking).count() == 1


def test_cancel_frees_the_slot_and_raises_the_sequence(world):
    program, mentor, (first, second, *_) = world
    slot = _slot(program, mentor)
    booking = office_hours.book(slot, first, "Q?", NOW)
    office_hours.cancel(booking, first, NOW)
    db.session.refresh(slot)
    assert slot.sequence == 1
    assert office_hours.book(slot, second, "Q2?", NOW).status is BookingStatus.booked


def test_no_cancelling_within_twelve_hours(world):
    program, mentor, (first, *_) = world
    booking = office_hours.book(_slot(program, mentor), first, "Q?", NOW)
    with pytest.raises(OfficeHoursError):
        office_hours.cancel(booking, mentor, datetime(2027, 3, 8, 0, 0))


def test_the_ics_carries_the_uid_and_never_the_question(world, app):
    program, mentor, (first, *_) = world
    slot = _slot(program, mentor)
    booking = office_hours.book(slot, first, "secret-question-4471", NOW)
    payload = office_hours.ics_bytes(slot, booking, "REQUEST", first).decode()
    event = vobject.readOne(payload).vevent
    assert event.uid.value == slot.uid
    assert "secret-question-4471" not in payload


def test_a_rating_waits_for_the_conversation(world):
    program, mentor, (first, *_) = world
    booking = office_hours.book(_slot(program, mentor), first, "Q?", NOW)
    with pytest.raises(OfficeHoursError):
        office_hours.rate(booking, first, 5, NOW)


def test_ratings_show_only_from_five_raters(world):
    program, mentor, bookers = world
    after = NOW + timedelta(days=30)
    for n, booker in enumerate(bookers[:5]):
        slot = _slot(program, mentor, day=date(2027, 3, 10 + n))
        booking = office_hours.book(slot, booker, "Q?", NOW)
        if n < 4:
            office_hours.rate(booking, booker, 4, after)
        else:
            office_hours.record_outcome(booking, mentor, held=True, missed_by=None, now=after)
    assert oh_figures.figures([program]).mean_rating is None  # four raters
    last = db.session.query(OfficeHourBooking).filter_by(booker_id=bookers[4].id).one()
    office_hours.rate(last, bookers[4], 5, after)
    figures = oh_figures.figures([program])
    assert figures.mean_rating == 4.2
    assert figures.held == 5
