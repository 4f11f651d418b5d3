"""Closing the year: reflections under the journal's rules, completion, year in review, requests."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Notification, PairingStatus
from portal.models.guide import ClosingReflection, PairingRequest, RequestStatus
from portal.models.journal import JournalEntry, Visibility
from tests.conftest import open_session
from tests.factories import (
    make_admin,
    make_goal,
    make_meeting,
    make_pairing,
    make_pairing_request,
    make_practice,
    make_program,
    make_user,
)

REFLECTION = {
    "understand": "I listen better than I thought.",
    "forward": "Lead a small team next year.",
    "keep": "Summarising before answering.",
    "visibility": "private",
}


def _closing_pair():
    today = date.today()
    program = make_program(
        starts_on=today - timedelta(days=350), ends_on=today + timedelta(days=14)
    )
    return make_pairing(program=program)


def test_is_the_reflection_a_journal_entry_with_the_journal_rules(client):
    pairing = _closing_pair()
    open_session(client, pairing.mentee)
    url = f"/pairings/{pairing.id}/closing"
    assert "What I now understand about myself" in client.get(url).text
    assert client.post(url, data=REFLECTION).status_code == 303
    entry = db.session.scalar(select(JournalEntry))
    assert entry.author_id == pairing.mentee_id and entry.visibility is Visibility.private
    assert "Lead a small team next year." in entry.body
    # A private reflection: the partner cannot open it, and learns only that one was written.
    open_session(client, pairing.mentor)
    assert client.get(f"/journal/{entry.id}").status_code == 404
    notice = db.session.scalar(
        select(Notification.message).where(Notification.user_id == pairing.mentor_id)
    )
    assert "wrote a closing reflection" in notice and "Lead a small team" not in notice
    assert "Lead a small team" not in client.get(f"/pairings/{pairing.id}/review").text


def test_is_a_shared_reflection_in_the_partners_year_in_review(client):
    pairing = _closing_pair()
    open_session(client, pairing.mentor)
    client.post(f"/pairings/{pairing.id}/closing", data={**REFLECTION, "visibility": "shared"})
    open_session(client, pairing.mentee)
    review = client.get(f"/pairings/{pairing.id}/review")
    assert review.status_code == 200 and "Lead a small team next year." in review.text


def test_does_the_pairing_complete_after_both_reflections_and_a_last_meeting(client):
    pairing = _closing_pair()
    for person in (pairing.mentee, pairing.mentor):
        open_session(client, person)
        client.post(f"/pairings/{pairing.id}/closing", data=REFLECTION)
    db.session.expire_all()
    assert pairing.status is PairingStatus.active  # no last meeting yet
    make_meeting(pairing, held_on=date.today() - timedelta(days=1))
    from portal.models import utcnow
    from tests.reminders.helpers import run_at

    run_at(utcnow())  # the worker's sweep completes it
    db.session.expire_all()
    assert pairing.status is PairingStatus.completed
    review = client.get(f"/pairings/{pairing.id}/review")
    assert review.status_code == 200 and "meetings held" in review.text


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"understand": "", "forward": "", "keep": "", "visibility": "private"}, "understand"),
        ({**REFLECTION, "forward": "x" * 5001}, "forward"),
        ({**REFLECTION, "visibility": "public"}, "visibility"),
    ],
)
def test_is_a_bad_reflection_refused_keeping_the_text(client, data, field):
    pairing = _closing_pair()
    open_session(client, pairing.mentee)
    response = client.post(f"/pairings/{pairing.id}/closing", data=data)
    assert response.status_code == 422 and "field--invalid" in response.text
    if data.get("keep"):
        assert data["keep"] in response.text
    assert db.session.scalars(select(ClosingReflection)).all() == []
    assert db.session.scalars(select(JournalEntry)).all() == []


def test_does_the_closing_wait_for_the_last_month(client):
    pairing = make_pairing()  # a programme that started a month ago
    open_session(client, pairing.mentee)
    response = client.post(f"/pairings/{pairing.id}/closing", data=REFLECTION)
    assert response.status_code == 422 and "last month" in response.text
    assert db.session.scalars(select(JournalEntry)).all() == []


def test_does_the_year_in_review_show_only_what_the_viewer_may_see(client):
    pairing = _closing_pair()
    make_goal(pairing, pairing.mentee, title="Shared goal")
    make_goal(pairing, pairing.mentee, title="Private goal", visibility=Visibility.private)
    make_practice(owner=pairing.mentee, title="Shared practice")
    make_practice(owner=pairing.mentee, title="Private practice", visibility=Visibility.private)
    make_meeting(pairing)
    open_session(client, pairing.mentor)
    page = client.get(f"/pairings/{pairing.id}/review").text
    assert "Shared goal" in page and "Shared practice" in page
    assert "Private goal" not in page and "Private practice" not in page
    open_session(client, pairing.mentee)
    page = client.get(f"/pairings/{pairing.id}/review").text
    assert "Private goal" in page and "Private practice" in page


@pytest.mark.parametrize("who", ["stranger", "admin", "other_mentee"])
def test_is_someone_elses_closing_and_review_a_404(client, who):
    pairing = _closing_pair()
    viewer = {
        "stranger": make_user(),
        "admin": make_admin(),
        "other_mentee": make_pairing().mentee,
    }[who]
    open_session(client, viewer)
    for path in ("closing", "review", "request"):
        assert client.get(f"/pairings/{pairing.id}/{path}").status_code == 404
    for path in ("closing", "request"):
        assert client.post(f"/pairings/{pairing.id}/{path}", data=REFLECTION).status_code == 404
    assert db.session.scalars(select(JournalEntry)).all() == []


def test_is_a_confidential_request_kept_from_the_partner(client):
    pairing = make_pairing()
    open_session(client, pairing.mentee)
    url = f"/pairings/{pairing.id}/request"
    reason = "He keeps cancelling and I feel judged."
    response = client.post(url, data={"kind": "rematch", "reason": reason})
    assert response.status_code == 303
    assert "is with the programme team" in client.get(url).text
    open_session(client, pairing.mentor)
    assert reason not in client.get(url).text
    assert client.get("/dashboard/").text.count(reason) == 0
    assert (
        db.session.scalars(
            select(Notification).where(Notification.user_id == pairing.mentor_id)
        ).all()
        == []
    )
    admin = make_admin()
    open_session(client, admin)
    queue = client.get("/admin/requests")
    assert queue.status_code == 200 and reason in queue.text


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "", "reason": "x"}, "kind"),
        ({"kind": "rematch", "reason": "  "}, "reason"),
        ({"kind": "divorce", "reason": "x"}, "kind"),
        ({"kind": "rematch", "reason": "x" * 2001}, "reason"),
    ],
)
def test_is_a_bad_request_refused_next_to_its_field(client, data, field):
    pairing = make_pairing()
    open_session(client, pairing.mentee)
    response = client.post(f"/pairings/{pairing.id}/request", data=data)
    assert response.status_code == 422 and "field--invalid" in response.text
    assert db.session.scalars(select(PairingRequest)).all() == []


def test_can_an_admin_end_the_pairing_from_a_request(client):
    pairing = make_pairing()
    request = make_pairing_request(pairing, kind="end_early")
    open_session(client, make_admin())
    asked = client.post(f"/admin/requests/{request.id}/resolve", data={"action": "end"})
    assert asked.status_code == 200 and 'name="confirm" value="yes"' in asked.text  # asks first
    db.session.expire_all()
    assert pairing.status is PairingStatus.active
    response = client.post(
        f"/admin/requests/{request.id}/end",
        data={"confirm": "yes", "reason": "The team decided after talking to both."},
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert request.status is RequestStatus.resolved
    assert pairing.status is PairingStatus.ended
    assert request.reason not in (pairing.end_reason or "")
    open_session(client, pairing.mentee)
    assert client.post(f"/admin/requests/{request.id}/resolve").status_code == 404
