"""Office hours through the pages: offer, book with .ics by e-mail and download, who reads the
question, rating, and continuing as a pairing through the one pairing path."""

from __future__ import annotations

from datetime import timedelta

import vobject
from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.models import Pairing, PairingStatus, Role, utcnow
from portal.models.office_hours import BookingStatus, OfficeHourBooking, OfficeHourSlot
from tests.factories import (
    make_admin,
    make_booking,
    make_choosing_settings,
    make_lead,
    make_participant,
    make_program,
    make_slot,
    make_user,
)

QUESTION = "heron-question-1207"


def _world():
    program = make_program()
    make_choosing_settings(program)
    mentor = make_participant(program, Role.mentor).user
    mentee = make_participant(program, Role.mentee).user
    return program, mentor, mentee


def test_a_mentor_offers_a_slot_and_a_mentee_books_it_with_an_invitation(client, auth):
    program, mentor, mentee = _world()
    auth.login(mentor)
    day = (utcnow() + timedelta(days=5)).date().isoformat()
    form = {"day": day, "start_time": "10:00", "minutes": "30", "topics": "careers", "place": ""}
    bad = client.post(f"/office-hours/{program.slug}/slots/new", data={**form, "minutes": "5"})
    assert bad.status_code == 422 and "between 15 and 120" in bad.text
    assert client.post(f"/office-hours/{program.slug}/slots/new", data=form).status_code == 303
    slot = db.session.scalar(select(OfficeHourSlot))
    auth.logout()
    auth.login(mentee)
    page = client.get(f"/office-hours/{program.slug}/?topic=career")
    assert "careers" in page.text
    assert client.get(f"/office-hours/{program.slug}/?topic=%25zz").text.count("careers") == 0
    booked = client.post(f"/office-hours/slots/{slot.id}/book", data={"question": QUESTION})
    assert booked.status_code == 303
    booking = db.session.scalar(select(OfficeHourBooking))
    ics = client.get(f"/office-hours/bookings/{booking.id}.ics")
    event = vobject.readOne(ics.get_data(as_text=True)).vevent
    assert event.uid.value == slot.uid and QUESTION not in ics.get_data(as_text=True)
    sent = current_app.extensions["mailman"].outbox
    assert {m.to[0] for m in sent} >= {mentor.email, mentee.email}
    assert all(QUESTION not in m.message().as_string() for m in sent)


def test_only_the_booker_and_the_mentor_read_the_question(client, auth):
    program, mentor, mentee = _world()
    booking = make_booking(make_slot(program, mentor), mentee, question=QUESTION)
    for reader in (mentor, mentee):
        auth.login(reader)
        assert QUESTION in client.get(f"/office-hours/bookings/{booking.id}").text
        auth.logout()
    other = make_participant(program, Role.mentee).user
    for viewer in (make_lead(program), make_admin(), other, make_user()):
        auth.login(viewer)
        assert client.get(f"/office-hours/bookings/{booking.id}").status_code == 404
        assert client.get(f"/office-hours/bookings/{booking.id}.ics").status_code == 404
        page = client.get(f"/office-hours/{program.slug}/").text
        assert QUESTION not in page
        auth.logout()


def test_after_the_conversation_both_ask_to_continue_and_become_a_pair(client, auth):
    program, mentor, mentee = _world()
    past = utcnow() - timedelta(days=1)
    slot = make_slot(program, mentor, starts_at=past)
    booking = make_booking(slot, mentee)
    auth.login(mentee)
    url = f"/office-hours/bookings/{booking.id}"
    client.post(f"{url}/rate", data={"rating": "5"})
    assert db.session.get(OfficeHourBooking, booking.id).status is BookingStatus.held
    client.post(f"{url}/continue")
    assert db.session.scalar(select(Pairing)) is None
    auth.logout()
    auth.login(mentor)
    client.post(f"{url}/continue")
    pairing = db.session.scalar(select(Pairing))
    assert pairing.status is PairingStatus.active
    assert (pairing.mentee_id, pairing.mentor_id) == (mentee.id, mentor.id)
    assert pairing.explanation.get("requested")  # made through the accepted-request path


def test_odd_input_never_answers_500(client, auth):
    program, mentor, mentee = _world()
    auth.login(mentee)
    for query in ("after=xyz", "after=2027-01-01T00:00_99999999999", "topic=" + "x" * 500):
        assert client.get(f"/office-hours/{program.slug}/?{query}").status_code == 200
    slot = make_slot(program, mentor)
    assert (
        client.post(f"/office-hours/slots/{slot.id}/book", data={"question": "x" * 900}).status_code
        == 303
    )
    assert client.post("/office-hours/bookings/99999999999/rate").status_code == 404
