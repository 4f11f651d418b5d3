"""Ending a pairing: asked first with a reason, audited, both told (never why), schedule closed.

Every "end" button (the matching board, a pair's health page, the request queue) leads to
the same confirm page; nothing ends on the first POST.
"""

import base64
from datetime import datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from portal.extensions import db
from portal.models import Notification, Pairing, PairingStatus, utcnow
from portal.models.enrollment import AuditEvent
from portal.models.guide import RequestKind, RequestStatus
from portal.models.kickoff import MeetingStatus, PlannedMeeting
from portal.models.outbox import OutboxMessage
from portal.services import matching as matcher
from portal.services.reminders.due import due_messages
from tests.conftest import hx_headers
from tests.factories import (
    make_admin,
    make_lead,
    make_pairing,
    make_pairing_request,
    make_planned_meeting,
    make_program,
    make_user,
)

REASON = "REASON-MARKER the mentee felt unheard"


def _pair():
    program = make_program()
    pairing = make_pairing(
        program=program,
        mentor=make_user(name="Marta Mentor", timezone="Europe/Lisbon"),
        mentee=make_user(name="Ana Mentee", timezone="Europe/Lisbon"),
    )
    return program, pairing


def _entry_points(program, pairing):
    """Each "end" entry point: the URL of its confirm step, and how to confirm there."""
    request = make_pairing_request(pairing, kind=RequestKind.end_early)
    return {
        "board": f"/admin/matching/{program.slug}/pairings/{pairing.id}/end",
        "pair page": f"/admin/programs/{program.slug}/pairs/{pairing.id}/end",
        "requests": f"/admin/requests/{request.id}/end",
    }


@pytest.mark.parametrize("where", ["board", "pair page", "requests"])
def test_does_every_end_button_ask_first_then_end_with_the_reason(client, auth, where):
    program, pairing = _pair()
    url = _entry_points(program, pairing)[where]
    auth.login(make_admin())
    if where != "pair page":  # the pair page's button posts its reason form to the same step
        page = client.get(url)
        assert page.status_code == 200 and 'name="confirm" value="yes"' in page.text
        assert "never told why" in page.text
    asked = client.post(url, data={"reason": REASON})
    assert asked.status_code == 200 and 'name="confirm" value="yes"' in asked.text
    assert REASON in asked.text  # the reason typed so far is kept
    db.session.expire_all()
    assert db.session.get(Pairing, pairing.id).status is PairingStatus.active
    blank = client.post(url, data={"reason": "   ", "confirm": "yes"})
    assert blank.status_code == 422 and "Say why the pairing ends." in blank.text
    db.session.expire_all()
    assert db.session.get(Pairing, pairing.id).status is PairingStatus.active
    done = client.post(url, data={"reason": REASON, "confirm": "yes"})
    assert done.status_code == 303
    db.session.expire_all()
    ended = db.session.get(Pairing, pairing.id)
    assert ended.status is PairingStatus.ended and ended.end_reason == REASON
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "pairing.ended"))
    assert event.detail["reason"] == REASON and event.detail["pairing_id"] == pairing.id


def test_does_the_board_link_to_the_confirm_page_instead_of_ending_in_one_click(client, auth):
    program, pairing = _pair()
    auth.login(make_admin())
    board = client.get(f"/admin/matching/{program.slug}").text
    assert f'href="/admin/matching/{program.slug}/pairings/{pairing.id}/end"' in board


def test_are_both_partners_told_it_ended_without_the_reason(client, auth):
    program, pairing = _pair()
    admin = make_admin()
    matcher.end_pairing(pairing, REASON, admin)
    for person in (pairing.mentee, pairing.mentor):
        messages = db.session.scalars(
            select(Notification.message).where(Notification.user_id == person.id)
        ).all()
        assert messages == [f"Your pairing in {program.name} has ended."]
    mail = db.session.scalars(select(OutboxMessage)).all()
    assert all("REASON-MARKER" not in m.body + m.subject for m in mail)


def test_does_ending_close_the_schedule_with_a_cancel_for_agreed_meetings(client, auth):
    program, pairing = _pair()
    soon = utcnow().replace(second=0, microsecond=0) + timedelta(days=3)
    agreed = make_planned_meeting(pairing, starts_at=soon, status=MeetingStatus.accepted)
    agreed.sequence = 1
    proposed = make_planned_meeting(pairing, starts_at=soon + timedelta(days=14))
    past = make_planned_meeting(
        pairing, starts_at=soon - timedelta(days=10), status=MeetingStatus.accepted
    )
    db.session.commit()
    called_off = matcher.end_pairing(pairing, REASON, make_admin())
    db.session.expire_all()
    assert called_off == 2
    status = {m.id: (m.status, m.sequence) for m in db.session.scalars(select(PlannedMeeting))}
    assert status[agreed.id] == (MeetingStatus.cancelled, 2)
    assert status[proposed.id] == (MeetingStatus.cancelled, 1)
    assert status[past.id] == (MeetingStatus.accepted, 0)  # history stays as it was
    # Each partner gets the CANCEL, and (its own e-mail) the news that the pairing ended.
    news = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "pairing_ended"))
    assert len(news.all()) == 2
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind != "pairing_ended"))
    mail = mail.all()
    assert sorted(m.to[0] for m in mail) == sorted([pairing.mentor.email, pairing.mentee.email])
    for message in mail:
        (attachment,) = message.attachments
        calendar = Calendar.from_ical(base64.b64decode(attachment["content"]))
        (event,) = calendar.walk("VEVENT")
        assert calendar["method"] == "CANCEL" and event["status"] == "CANCELLED"
        assert str(event["uid"]) == agreed.uid and int(event["sequence"]) == 2
        addresses = event.get("attendee")
        addresses = [addresses] if not isinstance(addresses, list) else addresses
        # Each file carries only its reader's own address: the pairing has ended.
        assert [str(a).removeprefix("mailto:") for a in addresses] == message.to


def test_do_reminders_stop_for_a_pairing_that_ended(client):
    program, pairing = _pair()
    tomorrow = (utcnow() + timedelta(days=1)).date()
    make_planned_meeting(
        pairing,
        starts_at=datetime.combine(tomorrow, datetime.min.time()) + timedelta(hours=14),
        status=MeetingStatus.accepted,
    )
    morning = datetime.combine(tomorrow - timedelta(days=1), datetime.min.time()) + timedelta(
        hours=8
    )

    def reminded() -> set[int]:
        return {
            m.recipient.id
            for m in due_messages(morning)
            if m.kind == "meeting_tomorrow" and m.values.get("pairing_id") == pairing.id
        }

    assert reminded() == {pairing.mentor_id, pairing.mentee_id}  # the set-up is right
    matcher.end_pairing(pairing, REASON, make_admin())
    assert reminded() == set()


def test_does_a_second_end_say_it_already_ended(client, auth):
    program, pairing = _pair()
    matcher.end_pairing(pairing, REASON, make_admin())
    with pytest.raises(matcher.MatchingError, match="Only an active pairing"):
        matcher.end_pairing(pairing, "again", make_admin())
    auth.login(make_admin())
    url = f"/admin/matching/{program.slug}/pairings/{pairing.id}/end"
    late = client.post(url, data={"reason": "again", "confirm": "yes"})
    assert late.status_code == 422 and "Only an active pairing can be ended." in late.text
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "pairing.ended"))
    assert len(events.all()) == 1


def test_does_htmx_confirm_in_place_and_redirect_when_done(client, auth):
    program, pairing = _pair()
    auth.login(make_admin())
    url = f"/admin/matching/{program.slug}/pairings/{pairing.id}/end"
    fragment = client.get(url, headers=hx_headers())
    assert fragment.status_code == 200 and fragment.text.lstrip().startswith(
        '<section id="confirm-end"'
    )
    bad = client.post(url, data={"reason": "", "confirm": "yes"}, headers=hx_headers("confirm-end"))
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    assert "<html" not in bad.text
    done = client.post(
        url, data={"reason": REASON, "confirm": "yes"}, headers=hx_headers("confirm-end")
    )
    assert done.status_code == 204
    assert done.headers["HX-Redirect"] == f"/admin/matching/{program.slug}"


def test_does_resolving_a_request_by_ending_use_the_teams_reason_not_the_requesters(client, auth):
    program, pairing = _pair()
    request = make_pairing_request(pairing, kind=RequestKind.end_early)
    soon = utcnow().replace(second=0, microsecond=0) + timedelta(days=3)
    make_planned_meeting(pairing, starts_at=soon, status=MeetingStatus.accepted)
    auth.login(make_admin())
    client.post(f"/admin/requests/{request.id}/end", data={"reason": REASON, "confirm": "yes"})
    db.session.expire_all()
    assert request.status is RequestStatus.resolved
    assert pairing.status is PairingStatus.ended and pairing.end_reason == REASON
    assert request.reason not in pairing.end_reason
    assert db.session.scalar(select(PlannedMeeting.status)) is MeetingStatus.cancelled


def test_is_the_confirm_page_404_for_a_lead_of_another_programme(client, auth):
    program, pairing = _pair()
    auth.login(make_lead(make_program()))
    url = f"/admin/matching/{program.slug}/pairings/{pairing.id}/end"
    assert client.get(url).status_code == 404
    assert client.post(url, data={"reason": REASON, "confirm": "yes"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Pairing, pairing.id).status is PairingStatus.active


def test_does_the_confirm_page_of_an_ended_pairing_offer_nothing_to_end(client, auth):
    program, pairing = _pair()
    matcher.end_pairing(pairing, REASON, make_admin())
    auth.login(make_admin())
    page = client.get(f"/admin/matching/{program.slug}/pairings/{pairing.id}/end").text
    assert "there is nothing to end" in page and 'name="confirm"' not in page


def test_can_a_pairing_be_ended_inside_its_undo_window():
    """Nobody was told of it yet: ending would announce a pairing that never opened."""
    program = make_program()
    pairing = make_pairing(program=program, status=PairingStatus.proposed, approved_at=None)
    admin = make_admin()
    matcher.approve(pairing, admin)
    assert pairing.opens_at > utcnow()
    with pytest.raises(matcher.MatchingError, match="undo the approval instead"):
        matcher.end_pairing(pairing, REASON, admin)
    db.session.rollback()
    assert db.session.get(Pairing, pairing.id).status is PairingStatus.active
    ended = select(Notification).where(Notification.message.contains("has ended"))
    assert db.session.scalars(ended).first() is None


def test_does_the_request_queue_name_the_partner_and_offer_a_rematch(client, auth):
    program, pairing = _pair()
    request = make_pairing_request(pairing, requester=pairing.mentee, kind=RequestKind.rematch)
    auth.login(make_admin())
    page = client.get("/admin/requests").text
    assert pairing.mentor.name in page and "(not told)" in page
    assert f"/admin/requests/{request.id}/rematch" in page
    confirm = client.get(f"/admin/requests/{request.id}/rematch")
    assert confirm.status_code == 200 and "re-match" in confirm.text
    done = client.post(
        f"/admin/requests/{request.id}/rematch", data={"reason": REASON, "confirm": "yes"}
    )
    assert done.status_code == 303
    assert done.headers["Location"] == f"/admin/matching/{program.slug}"
    db.session.expire_all()
    assert request.status is RequestStatus.resolved
    assert db.session.get(Pairing, pairing.id).status is PairingStatus.ended


def test_is_an_end_early_request_offered_no_rematch_button(client, auth):
    _, pairing = _pair()
    request = make_pairing_request(pairing, kind=RequestKind.end_early)
    auth.login(make_admin())
    page = client.get("/admin/requests").text
    assert f"/admin/requests/{request.id}/end" in page
    assert f'href="/admin/requests/{request.id}/rematch"' not in page
