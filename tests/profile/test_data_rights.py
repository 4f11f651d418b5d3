"""Can a person download everything Horizon holds about them, and delete their account,
with the outcomes the page promises? (GDPR articles 15, 17 and 20)"""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Pairing, User, utcnow
from portal.models.data_rights import DataExport, ErasureRequest, ErasureStatus
from portal.models.journal import JournalEntry
from portal.models.outbox import OutboxMessage
from portal.services.accounts import authenticate, data_rights
from tests.factories import DEFAULT_PASSWORD, make_entry, make_pairing, make_user

MINE, THEIRS, SHARED = "ZQX-mine-private", "ZQX-partner-text", "ZQX-mine-shared"


def _world():
    pairing = make_pairing()
    make_entry(author=pairing.mentee, title="Mine", body=MINE)
    make_entry(author=pairing.mentee, title="Shared", body=SHARED, audience=[pairing])
    make_entry(author=pairing.mentor, title="Theirs", body=THEIRS, audience=[pairing])
    return pairing


def _zip_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join(archive.read(name).decode() for name in archive.namelist())


def test_does_the_export_hold_my_text_and_never_my_partners(client, auth):
    pairing = _world()
    auth.login(pairing.mentee)
    assert client.post("/profile/data/export").status_code == 303
    export = db.session.scalar(select(DataExport).where(DataExport.user_id == pairing.mentee_id))
    assert export.status.value == "ready"
    page = client.get("/profile/data").text
    link = f"/profile/data/export/{export.id}"
    assert link in page
    response = client.get(link)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    text = _zip_text(response.data)
    assert MINE in text and SHARED in text and pairing.mentee.email in text
    assert THEIRS not in text and "password_hash" not in text and "argon2" not in text
    # The e-mail links to the signed-in page; it carries no token and no text.
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.key.like("data-export:%")))
    assert mail.to == [pairing.mentee.email] and "/profile/data" in mail.body
    assert MINE not in mail.body


def test_is_an_export_a_404_to_anyone_else(client, auth):
    pairing = _world()
    export = data_rights.request_export(pairing.mentee)
    auth.login(pairing.mentor)
    assert client.get(f"/profile/data/export/{export.id}").status_code == 404
    assert client.get("/profile/data/export/99999999999999999999").status_code == 404


def test_does_a_second_request_while_one_is_gathered_make_none(app):
    user = make_user()
    db.session.add(DataExport(user_id=user.id))
    db.session.commit()
    with pytest.raises(data_rights.DataRightsError):
        data_rights.request_export(user)


def test_does_a_wrong_password_delete_nothing(client, auth):
    user = make_user()
    auth.login(user)
    page = client.get("/profile/delete").text
    assert "Former participant" in page and "days after you confirm" in page
    response = client.post("/profile/delete", data={"mode": "remove", "password": "nope"})
    assert response.status_code == 422 and "That is not your password" in response.text
    assert data_rights.pending_erasure(user) is None


def test_is_the_person_signed_out_and_may_cancel_during_the_grace_period(client, auth):
    user = make_user()
    auth.login(user)
    response = client.post("/profile/delete", data={"mode": "remove", "password": DEFAULT_PASSWORD})
    assert response.status_code == 303
    assert client.get("/profile/").status_code == 302  # signed out
    pending = data_rights.pending_erasure(user)
    assert pending.due_at > utcnow() + timedelta(days=13)
    signed_in = auth.login(user)
    assert "scheduled to be deleted" in client.get(signed_in.headers["Location"]).text
    assert "Deletion scheduled" in client.get("/profile/delete").text
    assert client.post("/profile/delete/cancel").status_code == 303
    db.session.expire_all()
    assert db.session.get(ErasureRequest, pending.id).status is ErasureStatus.cancelled
    assert data_rights.erase_due_accounts.call_local() == 0


def _erase_now(user, mode):
    data_rights.request_erasure(user, mode, password=DEFAULT_PASSWORD)
    db.session.commit()
    request = data_rights.pending_erasure(user)
    request.due_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert data_rights.erase_due_accounts.call_local() == 1
    assert data_rights.erase_due_accounts.call_local() == 0  # done once
    db.session.expire_all()


def test_does_erasure_remove_my_text_and_keep_my_partners_history(app):
    pairing = _world()
    mentee, mentor = pairing.mentee, pairing.mentor
    email = mentee.email
    _erase_now(mentee, "remove")
    bodies = set(db.session.scalars(select(JournalEntry.body)))
    assert MINE not in bodies and SHARED not in bodies and THEIRS in bodies
    erased = db.session.get(User, mentee.id)
    assert erased.name == "Former participant" and erased.erased_at is not None
    assert erased.email.endswith("@invalid")
    assert db.session.get(Pairing, pairing.id) is not None  # the partner's history stays
    assert authenticate(email, DEFAULT_PASSWORD) is None
    assert authenticate(erased.email, DEFAULT_PASSWORD) is None
    assert db.session.get(User, mentor.id).name == mentor.name


def test_does_anonymise_keep_what_i_shared_for_my_partner(client, auth):
    pairing = _world()
    _erase_now(pairing.mentee, "anonymise")
    bodies = set(db.session.scalars(select(JournalEntry.body)))
    assert MINE not in bodies and SHARED in bodies
    shared = db.session.scalar(select(JournalEntry).where(JournalEntry.body == SHARED))
    auth.login(pairing.mentor)
    page = client.get(f"/journal/{shared.id}").text
    assert SHARED in page and "Former participant" in page
