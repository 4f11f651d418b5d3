"""Does every kind of message respect the person's choice, and does one-click unsubscribe work?"""

import time
from datetime import datetime

import pytest
from flask import current_app
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Notification
from portal.models.guide import GuideDispatch
from portal.models.outbox import OutboxMessage
from portal.services.reminders import preferences
from portal.services.reminders.dispatch import Message, dispatch
from portal.services.reminders.kinds import KINDS
from tests.conftest import open_session
from tests.factories import make_pairing, make_user

NOW = datetime(2026, 3, 2, 9, 0)


def _message(user, kind: str, n: int = 1) -> Message:
    return Message(
        kind=kind,
        key=f"{kind}:test:{n}:{user.id}",
        recipient=user,
        subject=f"About {kind}",
        notice=f"Notice about {kind}",
        endpoint="dashboard.index",
        context={},
    )


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_does_every_kind_respect_email_off(kind):
    user = make_user()
    preferences.set_channels(user, kind, in_app=True, email=False)
    db.session.commit()
    assert dispatch(_message(user, kind), NOW)
    assert _count(OutboxMessage) == 0
    assert db.session.scalar(select(Notification.message)) == f"Notice about {kind}"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_does_every_kind_send_nothing_when_both_are_off(kind):
    user = make_user()
    preferences.set_channels(user, kind, in_app=False, email=False)
    db.session.commit()
    assert not dispatch(_message(user, kind), NOW)
    assert _count(OutboxMessage) == _count(Notification) == _count(GuideDispatch) == 0


def test_is_the_quiet_practice_nudge_off_until_chosen():
    user = make_user()
    chosen = preferences.channels(user, "quiet_practice")
    assert (chosen.in_app, chosen.email) == (False, False)
    assert preferences.channels(user, "weekly_digest").email is True


def test_does_the_preferences_page_save_each_switch(client):
    user = make_user()
    open_session(client, user)
    page = client.get("/profile/reminders")
    assert page.status_code == 200 and "Weekly digest" in page.text
    form = {f"in_app_{k}": "y" for k in KINDS}
    form.update({f"email_{k}": "y" for k in KINDS if k != "weekly_digest"})
    response = client.post("/profile/reminders", data=form)
    assert response.status_code == 303
    assert preferences.channels(user, "weekly_digest").email is False
    assert preferences.channels(user, "quiet_practice").email is True


def _token_for(user, kind="weekly_digest", age_days: int = 0) -> str:
    class DatedSigner(TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - age_days * 86400

    serializer = URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt=preferences._SALT, signer=DatedSigner
    )
    return serializer.dumps({"u": user.id, "k": kind})


def test_does_a_valid_link_unsubscribe_without_signing_in(client):
    user = make_user()
    token = preferences.unsubscribe_token(user, "weekly_digest")
    page = client.get(f"/unsubscribe/{token}")
    assert page.status_code == 200 and "Stop “Weekly digest” e-mails?" in page.text
    assert preferences.channels(user, "weekly_digest").email is True  # a GET changes nothing
    done = client.post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "You are unsubscribed" in done.text
    db.session.expire_all()
    assert preferences.channels(user, "weekly_digest").email is False
    assert preferences.channels(user, "weekly_digest").in_app is True
    assert preferences.channels(user, "meeting_tomorrow").email is True


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: "x" + t,
        lambda t: "not-a-token",
        lambda t: "\u00e9\u00e9",
        lambda t: "a" * 600,
    ],
)
def test_is_a_tampered_link_refused(client, tamper):
    user = make_user()
    token = tamper(preferences.unsubscribe_token(user, "weekly_digest"))
    response = client.post(f"/unsubscribe/{token}")
    assert response.status_code in (400, 404)
    db.session.expire_all()
    assert preferences.channels(user, "weekly_digest").email is True


def test_is_a_link_signed_with_another_key_refused(client):
    user = make_user()
    forged = URLSafeTimedSerializer("another-key", salt=preferences._SALT).dumps(
        {"u": user.id, "k": "weekly_digest"}
    )
    assert client.post(f"/unsubscribe/{forged}").status_code == 400
    assert preferences.channels(user, "weekly_digest").email is True


def test_is_an_expired_link_refused_with_a_way_forward(client):
    user = make_user()
    token = _token_for(user, age_days=current_app.config["UNSUBSCRIBE_MAX_AGE_DAYS"] + 1)
    response = client.post(f"/unsubscribe/{token}")
    assert response.status_code == 400 and "expired" in response.text
    assert "/profile/reminders" in response.text
    assert preferences.channels(user, "weekly_digest").email is True
    fresh = _token_for(user, age_days=current_app.config["UNSUBSCRIBE_MAX_AGE_DAYS"] - 1)
    assert client.post(f"/unsubscribe/{fresh}").status_code == 200


def test_does_a_link_naming_an_unknown_kind_fail_cleanly(client):
    user = make_user()
    token = _token_for(user, kind="everything")
    assert client.post(f"/unsubscribe/{token}").status_code == 400


def test_does_each_real_reminder_carry_a_working_unsubscribe_link(client):
    from datetime import date

    from portal.models.kickoff import MeetingStatus
    from tests.factories import make_meeting, make_planned_meeting
    from tests.reminders.helpers import emails_to, run_at

    pairing = make_pairing()
    make_meeting(pairing, held_on=date(2026, 2, 20))
    make_planned_meeting(pairing, starts_at=datetime(2026, 3, 3, 10), status=MeetingStatus.accepted)
    run_at(NOW)
    [message] = emails_to(pairing.mentee)
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert link in message.body
    path = link.split("localhost", 1)[1]
    assert client.post(path).status_code == 200
    db.session.expire_all()
    assert preferences.channels(pairing.mentee, "meeting_tomorrow").email is False


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_does_one_click_work_without_a_session_or_csrf_token(client, app_config):
    user = make_user()
    token = preferences.unsubscribe_token(user, "survey")
    # What a mail client sends for RFC 8058: a bare POST with this body, no cookie, no token.
    response = client.post(
        f"/unsubscribe/{token}",
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    db.session.expire_all()
    assert preferences.channels(user, "survey").email is False
    # Other forms still need their token.
    assert client.post("/profile/reminders", data={}).status_code in (400, 302)
