"""Are people told by e-mail, through a real SMTP server, when something is decided about them?

Paired (only once the undo window closed, both at once), a pairing ended, a request answered,
an application decided, an invitation naming the programme with a link that works for 7 days.
"""

from __future__ import annotations

import re
import time
from datetime import date, timedelta

import pytest
from flask import current_app
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

from portal.core.signing import signing_keys
from portal.extensions import db
from portal.models import MembershipStatus, PairingStatus, Role, utcnow
from portal.models.choosing import ChoosingSettings, MatchingMode
from portal.models.guide import GuideDispatch
from portal.models.outbox import OutboxMessage
from portal.services import accounts
from portal.services.choosing import requests as choosing
from portal.services.matching.proposals import approve, end_pairing
from portal.services.programmes import enrollment
from portal.services.programmes.holds import release_due_notifications, undo
from portal.services.reminders import preferences
from portal.services.reminders.due import emailed_today
from tests.factories import make_admin, make_pairing, make_participant, make_program, make_user
from tests.reminders.smtp import free_port, smtp_config

PORT = free_port()
BASE = "https://horizon.example.test"
MARKER = "walrus-reply-8817"


@pytest.fixture
def app_config():
    return smtp_config(PORT, BASE)


@pytest.fixture
def inbox(inbox_factory):
    return inbox_factory(PORT)


def _after_window():
    """The worker's sweep once the undo window has closed."""
    later = utcnow() + timedelta(seconds=current_app.config["UNDO_WINDOW_SECONDS"] + 1)
    return release_due_notifications(now=later)


def _proposed(program=None):
    program = program or make_program(name="Horizon Spring")
    return make_pairing(program=program, status=PairingStatus.proposed, approved_at=None)


def _link(message) -> str:
    """The first link in the body (the unsubscribe link comes last)."""
    return re.search(rf"{re.escape(BASE)}\S*", message.get_content()).group(0)


def test_are_both_partners_told_by_email_only_once_the_undo_window_closed(inbox):
    pairing = _proposed()
    approve(pairing, make_admin())
    assert inbox.messages == []  # held: nobody hears of it inside the window
    _after_window()
    mentee, mentor = inbox.to(pairing.mentee.email), inbox.to(pairing.mentor.email)
    assert len(mentee) == len(mentor) == 1
    assert mentee[0]["Subject"] == "You have a mentoring partner in Horizon Spring"
    assert pairing.mentor.name in mentee[0].get_content()
    assert f"{BASE}/pairings/{pairing.id}" in mentee[0].get_content()
    assert mentee[0]["List-Unsubscribe"].strip().startswith(f"<{BASE}/unsubscribe/")
    _after_window()  # the next sweep sends nothing twice
    assert len(inbox.messages) == 2


def test_does_an_undone_approval_send_no_email_at_all(inbox):
    pairing = _proposed()
    admin = make_admin()
    key = approve(pairing, admin)
    undo(admin, key)
    _after_window()
    assert inbox.messages == []
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    # Approved again later: told then, under the new decision.
    approve(db.session.get(type(pairing), pairing.id), admin)
    _after_window()
    assert len(inbox.messages) == 2


def test_does_a_person_who_switched_the_email_off_get_none(inbox):
    pairing = _proposed()
    preferences.set_channels(pairing.mentee, "paired", in_app=True, email=False)
    db.session.commit()
    approve(pairing, make_admin())
    _after_window()
    assert inbox.to(pairing.mentee.email) == [] and len(inbox.to(pairing.mentor.email)) == 1


def test_are_both_told_when_a_pairing_ends_never_why(inbox):
    pairing = make_pairing(program=make_program(name="Horizon Autumn"))
    end_pairing(pairing, f"Private reason {MARKER}", make_admin())
    for person in (pairing.mentee, pairing.mentor):
        [message] = inbox.to(person.email)
        assert message["Subject"] == "Your pairing in Horizon Autumn has ended"
        assert MARKER not in message.as_string()


@pytest.mark.parametrize("approved", [True, False])
def test_is_an_applicant_told_of_the_decision_after_the_window(inbox, approved):
    program = make_program(name="Horizon Leaders")
    membership = make_participant(program, Role.mentee, status=MembershipStatus.applied)
    enrollment.decide(membership, approved, make_admin(), reason=f"Note {MARKER}")
    assert inbox.messages == []
    _after_window()
    [message] = inbox.to(membership.user.email)
    assert message["Subject"] == "Your application to Horizon Leaders was decided"
    body = message.get_content()
    assert ("was approved" in body) is approved and MARKER not in body
    assert _link(message) == f"{BASE}/programs/{program.slug}"


def _choosing_programme():
    program = make_program(name="Find your mentor")
    db.session.add(ChoosingSettings(program_id=program.id, mode=MatchingMode.self_service))
    db.session.commit()
    return program


def test_is_a_mentee_told_of_the_answer_without_the_mentors_words(inbox):
    program = _choosing_programme()
    mentee = make_participant(program, Role.mentee)
    mentor = make_participant(program, Role.mentor)
    request = choosing.send(program, mentee.user, mentor.user_id, "Hi", utcnow(), date.today())
    choosing.decline(request, mentor.user, f"Sorry {MARKER}", utcnow())
    [message] = inbox.to(mentee.user.email)
    assert message["Subject"] == "Your mentoring request in Find your mentor has an answer"
    assert MARKER not in message.as_string()
    assert _link(message) == f"{BASE}/choose/requests/{request.id}"


def test_does_news_count_towards_the_daily_cap_of_scheduled_emails(inbox):
    pairing = _proposed()
    approve(pairing, make_admin())
    _after_window()
    assert emailed_today({pairing.mentee.id}, utcnow()) == {pairing.mentee.id: 1}
    kinds = set(db.session.scalars(select(GuideDispatch.kind)))
    assert kinds == {"paired"}


# --- invitations ---------------------------------------------------------------------------


def _invite():
    program = make_program(name="Horizon Growth")
    person = make_user()
    accounts.send_invitations([person], program)
    db.session.commit()
    return program, person


def _aged_token(person, program, days: int) -> str:
    class DatedSigner(TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - days * 86400

    serializer = URLSafeTimedSerializer(
        signing_keys(current_app.config), salt="horizon-invitation", signer=DatedSigner
    )
    return serializer.dumps(
        {"user": person.id, "version": person.session_version, "program": program.id}
    )


def test_does_the_invitation_name_the_programme_with_a_link_for_seven_days(inbox, client):
    program, person = _invite()
    [message] = inbox.to(person.email)
    assert message["Subject"] == "You are invited to Horizon Growth on Horizon"
    assert "Horizon Growth" in message.get_content() and "7 days" in message.get_content()
    link = _link(message)
    assert link.startswith(f"{BASE}/auth/invitation/")
    page = client.get(link.removeprefix(BASE))
    assert page.status_code == 200 and "Horizon Growth" in page.text
    # Six days later the link still works.
    assert client.get(f"/auth/invitation/{_aged_token(person, program, 6)}").status_code == 200


def test_does_an_invitation_set_the_password_once(inbox, client):
    program, person = _invite()
    path = _link(inbox.to(person.email)[0]).removeprefix(BASE)
    form = {"new_password": "a-long-password-1", "confirm": "a-long-password-1"}
    assert client.post(path, data=form).status_code == 303
    assert client.get(path).status_code == 400  # used: the session version moved on


def test_does_an_expired_invitation_offer_a_new_one_sent_to_the_account(inbox, client):
    program, person = _invite()
    token = _aged_token(person, program, 8)
    page = client.get(f"/auth/invitation/{token}")
    assert page.status_code == 410
    assert "Your invitation has expired" in page.text and "Horizon Growth" in page.text
    assert "Send me a new invitation" in page.text
    assert client.post(f"/auth/invitation/{token}/renew").status_code == 303
    client.post(f"/auth/invitation/{token}/renew")  # twice the same day: one new e-mail
    messages = inbox.to(person.email)
    assert len(messages) == 2 and messages[1]["Subject"] == messages[0]["Subject"]


@pytest.mark.parametrize("token", ["nonsense", "a" * 5000, "x\x00y"])
def test_is_a_forged_invitation_refused_with_a_way_forward(client, token):
    page = client.get(f"/auth/invitation/{token}")
    assert page.status_code == 400 and "Traceback" not in page.text
    if "\x00" not in token:  # (a NUL byte is refused before the view, by the request guard)
        assert "This invitation link is not valid" in page.text


def test_does_the_outbox_page_count_by_kind_and_show_no_text(inbox, client, auth):
    pairing = _proposed()
    admin = make_admin()
    approve(pairing, admin)  # two "paired" e-mails, held
    end_pairing(make_pairing(), f"Reason {MARKER}", admin)  # two "ended" e-mails, sent
    accounts.send_invitations([make_user()], make_program())
    db.session.commit()
    auth.login(admin)
    page = client.get("/admin/outbox").text
    assert "2 messages wait out an undo window" in page
    kinds = page.split('id="outbox-kinds-heading"', 1)[1].split("</table>", 1)[0]
    rows = {
        row.split("</th>", 1)[0]: re.findall(r'class="num">([\d,]+)<', row)
        for row in kinds.split('<th scope="row">')[1:]
    }
    # Columns: pending, sending, sent, failed, uncertain.
    assert rows["You have a partner"] == ["2", "0", "0", "0", "0"]
    assert rows["A pairing ends"] == ["0", "0", "2", "0", "0"]
    assert rows["Invitations to a programme"] == ["0", "0", "1", "0", "0"]
    assert MARKER not in page and pairing.mentor.name not in page
    # A lead never opens the outbox.
    auth.logout()
    from tests.factories import make_lead

    auth.login(make_lead(make_program()))
    assert client.get("/admin/outbox").status_code == 404
