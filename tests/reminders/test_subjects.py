"""Does any e-mail subject, outbox listing or log line quote what a participant wrote?

Every participant-written field carries a marker: names, practice titles, entry titles and
bodies, goal text, meeting places and notes, agreement text. Every reminder kind is sent,
every meeting mail and every account mail; the marker must reach no subject, no line of the
admins' outbox page and no log line, while it does reach the bodies (so the check means
something).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time

from sqlalchemy import select

from portal.extensions import db
from portal.models import Role
from portal.models.guide import GuideDispatch
from portal.models.journal import Visibility
from portal.models.kickoff import MeetingStatus
from portal.models.outbox import OutboxMessage, OutboxStatus
from portal.services import accounts
from portal.services.pairings import schedule as calendar
from portal.services.reminders import preferences
from portal.services.reminders.kinds import KINDS, SUBJECT_FIELDS, Kind
from portal.services.reminders.preview import preview
from tests.factories import (
    make_admin,
    make_agreement,
    make_booking,
    make_choosing_settings,
    make_entry,
    make_goal,
    make_meeting,
    make_membership,
    make_mentor_request,
    make_pairing,
    make_planned_meeting,
    make_practice,
    make_program,
    make_slot,
    make_user,
)
from tests.reminders.helpers import run_at

MARKER = "Qmarkerzq"
# A Monday inside the closing month and the closing survey's window.
NOW = datetime(2026, 3, 2, 9, 0)


def _person(role: str, n: int):
    return make_user(name=f"{MARKER} {role} {n}", timezone="UTC")


def _world():
    program = make_program(starts_on=date(2025, 3, 20), ends_on=date(2026, 3, 10))
    pairs = [
        make_pairing(
            program=program,
            mentor=_person("Mentor", n),
            mentee=_person("Mentee", n),
            # The pair that never met was approved recently: a "first meeting" nudge found
            # months after it fell due is past its window and is not sent.
            approved_at=datetime(2025, 12, 1, 9) if n < 2 else datetime(2026, 2, 10, 9),
        )
        for n in range(3)
    ]
    busy, overdue, _never_met = pairs
    # Meeting tomorrow, a meeting just logged, a shared entry, an unsigned agreement, a quiet
    # practice and a goal, all with the marker in their text.
    make_planned_meeting(
        busy,
        starts_at=datetime(2026, 3, 3, 10, 0),
        status=MeetingStatus.accepted,
        place=f"{MARKER} room",
    )
    make_meeting(busy, held_on=date(2026, 3, 1), created_at=datetime(2026, 3, 1, 18), notes=MARKER)
    make_entry(
        author=busy.mentee,
        title=f"{MARKER} entry title",
        body=MARKER,
        visibility=Visibility.shared,
        published_at=datetime(2026, 2, 28, 12),
        created_at=datetime(2026, 2, 28, 12),
    )
    agreement = make_agreement(busy)
    agreement.versions[0].saved_at = datetime(2026, 2, 20, 9)
    make_practice(
        owner=busy.mentee,
        title=f"{MARKER} practice title",
        action=MARKER,
        starts_on=date(2026, 2, 1),
        ends_on=date(2026, 4, 1),
    )
    preferences.set_channels(busy.mentee, "quiet_practice", in_app=True, email=True)
    make_goal(busy, title=f"{MARKER} goal", why=MARKER, measure=MARKER)
    make_meeting(overdue, held_on=date(2026, 1, 1), created_at=datetime(2026, 1, 1, 18))
    # Mentees choose here: a request waiting a week; "did you meet?" for the pair that never met.
    make_choosing_settings(program)
    asker = _person("Mentee", 9)
    make_membership(program=program, user=asker, role=Role.mentee)
    make_mentor_request(
        program, asker, busy.mentor, note=MARKER, created_at=datetime(2026, 2, 22, 9)
    )
    slot = make_slot(program, busy.mentor, starts_at=datetime(2026, 3, 3, 14), topics=MARKER)
    make_booking(slot, asker, question=MARKER)
    db.session.commit()
    return program, busy


def _meeting_and_account_mails(pairing):
    terms = calendar.MeetingTerms(date(2026, 3, 20), time(10), 60, f"{MARKER} cafe")
    meeting = calendar.propose(pairing, pairing.mentor, terms, NOW)
    calendar.accept(meeting, pairing.mentee, NOW.date())
    calendar.cancel(meeting, pairing.mentee)
    accounts.send_password_links([pairing.mentor], invitation=True)
    accounts.send_password_links([pairing.mentee])
    accounts.start_registration(pairing.mentor.email, MARKER, "UTC", "a long password 1", None)
    accounts.start_registration("new@example.test", MARKER, "UTC", "a long password 1", None)
    db.session.commit()


def test_does_no_subject_outbox_line_or_log_line_quote_participant_text(client, auth, caplog):
    caplog.set_level(logging.DEBUG)
    program, busy = _world()
    run_at(NOW)
    sent_kinds = set(db.session.scalars(select(GuideDispatch.kind)))
    assert sent_kinds == set(KINDS), "every reminder kind was sent"
    _meeting_and_account_mails(busy)

    rows = list(db.session.scalars(select(OutboxMessage)))
    assert len(rows) > len(KINDS)
    for row in rows:
        assert MARKER not in row.subject, row.subject
    # The marker did reach the bodies: the subjects left it out on purpose.
    assert any(MARKER in row.body for row in rows)

    for row in rows:
        row.status, row.last_error = OutboxStatus.failed, "SMTPException: refused"
    db.session.commit()
    auth.login(make_admin())
    for url in ("/admin/outbox", "/admin/outbox?page=2"):
        page = client.get(url)
        assert page.status_code == 200
        assert MARKER not in page.get_data(as_text=True)
        fragment = client.get(url, headers={"HX-Request": "true"})
        assert MARKER not in fragment.get_data(as_text=True)
    assert MARKER not in caplog.text


def test_do_every_kinds_subject_and_preview_come_from_the_registry():
    program = make_program()
    for kind in KINDS.values():
        subject, body = preview(program, kind.key, date(2026, 3, 2))
        assert subject and body
        # The preview's sample practice title must not appear: subjects carry no titles.
        assert "Practising active listening" not in subject


def test_does_the_registry_refuse_a_subject_that_quotes_participant_text():
    import pytest

    with pytest.raises(ValueError, match="title"):
        Kind("x", "X", "x", subject="How is '{title}' going?")
    assert "title" not in SUBJECT_FIELDS and "partner" not in SUBJECT_FIELDS
