"""Can the programme team message a cohort or the pairs in one health state, previewed first,
and take it back inside the undo window before anyone is told?"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Notification, Role, utcnow
from portal.models.outbox import OutboxMessage
from portal.services.programmes.holds import release_due_notifications
from portal.services.reminders.due import emailed_today
from tests.factories import (
    make_admin,
    make_lead,
    make_pairing,
    make_participant,
    make_program,
)

TEXT = "Our mid-year gathering is on Friday at noon."


@pytest.fixture
def cohort():
    program = make_program(slug="cohort", name="Cohort Nine")
    # One pair approved 60 days ago that never met (at risk), one just approved (too early).
    at_risk = make_pairing(program=program, approved_at=date.today() - timedelta(days=60))
    fresh = make_pairing(program=program)
    loner = make_participant(program, Role.mentee)
    return program, at_risk, fresh, loner


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _visible_notices(user) -> int:
    return _count(
        Notification, Notification.user_id == user.id, Notification.deliver_after.is_(None)
    )


def _release():
    later = utcnow() + timedelta(seconds=current_app.config["UNDO_WINDOW_SECONDS"] + 1)
    release_due_notifications(now=later)


def test_does_the_preview_count_the_recipients_and_send_nothing(client, auth, cohort):
    program, *_ = cohort
    auth.login(make_admin())
    page = client.post(
        "/admin/programs/cohort/message", data={"audience": "everyone", "text": TEXT}
    )
    assert page.status_code == 200
    assert "It reaches <strong>5 people</strong>" in page.text and TEXT in page.text
    assert "Send to 5 people" in page.text
    mentees = client.post(
        "/admin/programs/cohort/message", data={"audience": "mentees", "text": TEXT}
    )
    assert "It reaches <strong>3 people</strong>" in mentees.text
    assert _count(Notification) == _count(OutboxMessage) == 0


def test_does_a_health_state_reach_both_partners_of_each_pair_in_it(client, auth, cohort):
    program, at_risk, fresh, loner = cohort
    admin = make_admin()
    auth.login(admin)
    data = {"audience": "health:at_risk", "text": TEXT, "confirm": "yes"}
    sent = client.post("/admin/programs/cohort/message", data=data)
    assert sent.status_code == 303
    page = client.get(sent.headers["Location"]).text
    assert "Messaged 2 people (Pairs: At risk)" in page and "Undo" in page
    # Held: nobody is told inside the window.
    assert _visible_notices(at_risk.mentee) == 0
    assert _count(OutboxMessage, OutboxMessage.deliver_after.is_(None)) == 0
    _release()
    for person in (at_risk.mentee, at_risk.mentor):
        assert _visible_notices(person) == 1
    for person in (fresh.mentee, fresh.mentor, loner.user):
        assert _visible_notices(person) == 0
    mail = db.session.scalars(select(OutboxMessage)).all()
    assert sorted(m.to[0] for m in mail) == sorted([at_risk.mentee.email, at_risk.mentor.email])
    assert {m.subject for m in mail} == {"A message from the Cohort Nine team"}
    assert all(TEXT in m.body for m in mail)
    assert emailed_today({at_risk.mentee.id}, utcnow()) == {at_risk.mentee.id: 1}


def test_does_undo_withdraw_every_notice_and_email(client, auth, cohort):
    admin = make_admin()
    auth.login(admin)
    client.post(
        "/admin/programs/cohort/message",
        data={"audience": "everyone", "text": TEXT, "confirm": "yes"},
    )
    page = client.get("/admin/programs/cohort/message").text
    key = page.split("/admin/undo/", 1)[1].split('"', 1)[0]
    done = client.post(f"/admin/undo/{key}", data={"next": "/admin/programs/cohort/message"})
    assert done.status_code == 303
    _release()
    assert _count(Notification) == _count(OutboxMessage) == 0


@pytest.mark.parametrize(
    "data, error",
    [
        ({"audience": "everyone", "text": "  "}, "Write the message first."),
        ({"audience": "everyone", "text": "x" * 281}, "Field cannot be longer than 280"),
        ({"audience": "nobody", "text": TEXT}, "Choose who receives the message."),
        ({"audience": "health:on_track", "text": TEXT}, "Nobody is in this group"),
    ],
)
def test_is_bad_input_answered_next_to_its_field(client, auth, cohort, data, error):
    auth.login(make_admin())
    page = client.post("/admin/programs/cohort/message", data={**data, "confirm": "yes"})
    assert page.status_code == 422 and error in page.text
    assert _count(Notification) == _count(OutboxMessage) == 0


def test_is_a_nul_byte_refused_cleanly(client, auth, cohort):
    auth.login(make_admin())
    data = {"audience": "everyone", "text": "a\x00b", "confirm": "yes"}
    page = client.post("/admin/programs/cohort/message", data=data)
    assert page.status_code == 400 and _count(Notification) == 0


def test_does_a_lead_message_their_programme_and_never_another(client, auth, cohort):
    other = make_program(slug="other")
    auth.login(make_lead(other))
    assert client.get("/admin/programs/cohort/message").status_code == 404
    data = {"audience": "everyone", "text": TEXT, "confirm": "yes"}
    assert client.post("/admin/programs/cohort/message", data=data).status_code == 404
    auth.logout()
    auth.login(make_lead(cohort[0]))
    assert client.get("/admin/programs/cohort/message").status_code == 200
    assert client.post("/admin/programs/cohort/message", data=data).status_code == 303
    # Participants never reach the page.
    auth.logout()
    auth.login(cohort[1].mentee)
    assert client.get("/admin/programs/cohort/message").status_code == 404
