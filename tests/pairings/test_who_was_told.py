"""Who was told about a pairing, and when: one answer for the flash, the panel and the notices."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.models import Notification, PairingStatus, utcnow
from portal.services import matching as matcher
from portal.services.platform.notifications import unread_count
from portal.services.programmes import holds
from tests.conftest import hx_headers
from tests.factories import make_admin, make_pairing, make_program, make_user


def _proposed():
    program = make_program()
    pairing = make_pairing(program=program, status=PairingStatus.proposed, approved_at=None)
    return program, pairing


def test_does_the_approval_flash_say_when_they_will_be_told(client, auth):
    program, pairing = _proposed()
    auth.login(make_admin(timezone="Asia/Tokyo"))
    response = client.post(
        f"/admin/matching/{program.slug}/pairings/{pairing.id}/approve",
        headers=hx_headers("matching-board"),
    )
    db.session.refresh(pairing)
    told = holds.pairing_told(pairing)
    tokyo = told.at + timedelta(hours=9)  # Tokyo has no summer time
    assert f"Both partners will be told at {tokyo:%H:%M} unless you undo." in response.text
    assert "were notified" not in response.text
    # The undo panel on the matching page names the same time, and says nobody was told yet.
    panel = client.get(f"/admin/matching/{program.slug}").text
    assert "Nobody has been told yet" in panel and f"· told at {tokyo:%H:%M}" in panel


def test_does_approve_all_say_the_same(client, auth):
    program, _ = _proposed()
    auth.login(make_admin(timezone="UTC"))
    response = client.post(
        f"/admin/matching/{program.slug}/approve-all",
        data={"confirm": "yes"},
        headers=hx_headers("matching-board"),
    )
    assert "will be told at" in response.text and "unless you undo" in response.text
    assert "were notified" not in response.text


def test_is_nobody_told_before_the_window_closes_and_both_after(client, auth):
    _, pairing = _proposed()
    assert holds.pairing_told(pairing).at is None  # a proposal: nobody is ever told
    matcher.approve(pairing, make_admin())
    window = timedelta(seconds=current_app.config["UNDO_WINDOW_SECONDS"])
    told = holds.pairing_told(pairing)
    assert told.at == pairing.approved_at + window == pairing.opens_at
    assert not told.done and told.people == []
    # What the partners can see agrees with the answer, on either side of the moment.
    assert unread_count(pairing.mentee) == 0
    later = holds.pairing_told(pairing, now=told.at)
    assert later.done and {p.id for p in later.people} == {pairing.mentee_id, pairing.mentor_id}
    pairing.approved_at = utcnow() - window - timedelta(seconds=1)
    pairing.opens_at = pairing.approved_at + window
    for notice in db.session.scalars(select(Notification)):
        notice.deliver_after = pairing.approved_at + window
    db.session.commit()
    assert holds.pairing_told(pairing).done
    assert unread_count(pairing.mentee) == 1 and unread_count(pairing.mentor) == 1
    assert unread_count(make_user()) == 0
