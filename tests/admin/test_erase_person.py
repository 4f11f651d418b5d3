"""Can a portal admin erase a person on their behalf, told the outcome first, confirmed by the
address, audited without text, and never answered with a 500?"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Pairing, PairingStatus, User
from portal.models.data_rights import ErasureRequest, ErasureStatus
from portal.models.enrollment import AuditEvent
from portal.models.journal import JournalEntry
from portal.models.outbox import OutboxMessage
from portal.services.accounts import data_rights
from tests.factories import make_admin, make_entry, make_lead, make_pairing, make_user

MINE, SHARED = "ZQE-private-text", "ZQE-shared-text"


@pytest.fixture
def world(client, auth):
    pairing = make_pairing()
    make_entry(author=pairing.mentee, title="Mine", body=MINE)
    make_entry(author=pairing.mentee, title="Shared", body=SHARED, audience=[pairing])
    admin = make_admin()
    auth.login(admin)
    return pairing, admin


def _url(person) -> str:
    return f"/admin/people/{person.id}/erase"


def test_is_the_outcome_stated_before_the_confirmation(client, world):
    pairing, _ = world
    page = client.get(_url(pairing.mentee)).text
    outcome, confirm = page.index("What happens"), page.index("Type their e-mail address")
    assert outcome < confirm
    assert "Former participant" in page and "signed out everywhere" in page
    assert "2 journal entries (1 shared with a partner)" in page and "1 active pairing" in page
    assert MINE not in page and SHARED not in page  # counts, never text


def test_does_the_find_form_lead_to_the_person(client, world):
    pairing, _ = world
    response = client.get("/admin/people/erase", query_string={"email": pairing.mentee.email})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        _url(pairing.mentee)
    )
    page = client.get("/admin/people/erase", query_string={"email": "nobody@example.org"})
    assert page.status_code == 200 and "No account has this address" in page.text


def test_does_a_wrong_address_erase_nothing_and_keep_what_was_typed(client, world):
    pairing, _ = world
    response = client.post(_url(pairing.mentee), data={"mode": "remove", "email": "typo@x.org"})
    assert response.status_code == 422
    assert "e-mail address exactly to confirm" in response.text
    assert 'value="typo@x.org"' in response.text
    assert db.session.get(User, pairing.mentee.id).erased_at is None


def test_does_erasing_end_the_pairing_keep_shared_text_and_audit_ids_only(client, world):
    pairing, admin = world
    mentee, mentor = pairing.mentee, pairing.mentor
    email, name = mentee.email, mentee.name
    response = client.post(_url(mentee), data={"mode": "anonymise", "email": email.upper()})
    assert response.status_code == 303
    db.session.expire_all()
    erased = db.session.get(User, mentee.id)
    assert erased.name == "Former participant" and erased.deactivated_at is not None
    bodies = set(db.session.scalars(select(JournalEntry.body)))
    assert MINE not in bodies and SHARED in bodies  # kept for the partner
    assert db.session.get(Pairing, pairing.id).status is PairingStatus.ended
    told = db.session.scalars(select(OutboxMessage).where(OutboxMessage.key.like("partner-left:%")))
    assert [m.to for m in told] == [[mentor.email]]
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "account.erased"))
    assert event.actor_id == admin.id and event.detail["user_id"] == mentee.id
    assert event.detail["pairings_ended"] == 1 and event.detail["entries"] == 1
    logged = f"{event.summary} {event.detail}"
    assert email not in logged and name not in logged and MINE not in logged
    request = db.session.scalar(select(ErasureRequest).where(ErasureRequest.user_id == mentee.id))
    assert (request.status, request.requested_by_id) == (ErasureStatus.done, admin.id)
    # Erased once: the page says so, and a second confirmation changes nothing.
    assert "This account has been erased" in client.get(_url(mentee)).text
    again = client.post(_url(mentee), data={"mode": "remove", "email": erased.email})
    assert again.status_code == 422 and "erased already" in again.text


def test_does_it_carry_out_the_persons_own_pending_request(client, world):
    pairing, admin = world
    data_rights.request_erasure(pairing.mentee, "remove", password="horizon-test-pw", admin=admin)
    db.session.commit()
    assert (
        client.post(
            _url(pairing.mentee), data={"mode": "remove", "email": pairing.mentee.email}
        ).status_code
        == 303
    )
    requests = list(db.session.scalars(select(ErasureRequest.status)))
    assert requests == [ErasureStatus.done]
    assert data_rights.erase_due_accounts.call_local() == 0


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/admin/people/{id}/erase", {"mode": "remove", "email": "a\x00b@example.org"}),
        ("/admin/people/{id}/erase", {"mode": "nonsense", "email": "{email}"}),
        ("/admin/people/{id}/erase", {"email": "x" * 5000}),
        ("/admin/people/99999999999999/erase", {"mode": "remove", "email": "x@y.org"}),
        ("/admin/people/0/erase", {}),
    ],
)
def test_is_strange_input_never_a_500(client, world, url, data):
    pairing, _ = world
    mentee = pairing.mentee
    url = url.format(id=mentee.id)
    data = {k: v.format(email=mentee.email) for k, v in data.items()}
    assert client.get(url).status_code in (200, 404)
    assert client.post(url, data=data).status_code in (400, 404, 422)  # a NUL byte: 400
    assert client.get("/admin/people/erase?email=%00%00").status_code == 400
    assert client.get("/admin/people/erase?email=" + "x" * 5000).status_code == 200
    assert db.session.get(User, mentee.id).erased_at is None


@pytest.mark.parametrize("who", ["lead", "participant"])
def test_is_the_page_for_portal_admins_only(client, auth, who):
    pairing = make_pairing()
    auth.login(make_lead(pairing.program) if who == "lead" else make_user())
    assert client.get(_url(pairing.mentee)).status_code == 404
    assert client.get("/admin/people/erase").status_code == 404
    response = client.post(_url(pairing.mentee), data={"email": pairing.mentee.email})
    assert response.status_code == 404
    assert db.session.get(User, pairing.mentee.id).erased_at is None
