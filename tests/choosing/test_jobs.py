"""Are requests reminded once in the mentor's morning, expired at their minute, and is
"did you meet?" asked once of each partner who has not logged a meeting?"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import Role
from portal.models.choosing import MentorRequest, MentorRequestStatus
from portal.models.guide import GuideDispatch
from portal.services.choosing import meet_checks
from portal.services.choosing import requests as choosing
from tests.factories import (
    make_choosing_settings,
    make_meeting,
    make_mentor_request,
    make_pairing,
    make_participant,
    make_program,
    make_user,
)
from tests.reminders.helpers import run_at

SENT = datetime(2026, 3, 2, 9, 0)  # a Monday, 09:00 UTC


def _request(zone="UTC"):
    program = make_program()
    make_choosing_settings(program, expire_after_days=14)
    mentee = make_participant(program, Role.mentee).user
    mentor = make_participant(program, Role.mentor, user=make_user(timezone=zone)).user
    return make_mentor_request(program, mentee, mentor, created_at=SENT)


def _sent(kind):
    return list(db.session.scalars(select(GuideDispatch.key).where(GuideDispatch.kind == kind)))


def test_a_waiting_request_is_reminded_once_after_seven_days_in_the_mentors_morning():
    request = _request(zone="Asia/Tokyo")  # morning there is 23:00-03:00 UTC
    run_at(SENT + timedelta(days=6, hours=23))  # 08:00 in Tokyo, before remind_at
    assert _sent("mentor_request_reminder") == []
    run_at(SENT + timedelta(days=7, hours=1))  # past remind_at, but 19:00 in Tokyo
    assert _sent("mentor_request_reminder") == []
    run_at(SENT + timedelta(days=7, hours=14))  # 23:00 UTC: 08:00 in Tokyo
    assert _sent("mentor_request_reminder") == [f"mentor_request_reminder:{request.id}"]
    run_at(SENT + timedelta(days=7, hours=15))
    assert len(_sent("mentor_request_reminder")) == 1


def test_requests_expire_at_their_minute_and_a_settings_change_moves_nothing():
    request = _request()
    settings = choosing.settings_for(request.program)
    settings.expire_after_days = 30  # changed later: the request keeps its own expiry
    db.session.commit()
    assert choosing.expire_due(SENT + timedelta(days=14) - timedelta(minutes=1)) == 0
    assert choosing.expire_due(SENT + timedelta(days=14)) == 1
    assert choosing.expire_due(SENT + timedelta(days=14)) == 0  # a second worker: nothing
    db.session.refresh(request)
    assert request.status is MentorRequestStatus.expired
    assert db.session.scalar(select(MentorRequest.reason)) == "expired"


def test_did_you_meet_is_asked_once_of_partners_without_a_meeting_and_a_no_flags_the_pair():
    program = make_program()
    make_choosing_settings(program, meet_check_days=14)
    opened = SENT - timedelta(days=14)
    quiet = make_pairing(program=program, approved_at=opened)
    met = make_pairing(program=program, approved_at=opened)
    make_meeting(met, held_on=opened.date() + timedelta(days=3))
    run_at(SENT)
    keys = sorted(_sent("meet_check"))
    assert keys == sorted(
        [f"meet_check:{quiet.id}:{quiet.mentor_id}", f"meet_check:{quiet.id}:{quiet.mentee_id}"]
    )
    run_at(SENT + timedelta(hours=1))
    assert len(_sent("meet_check")) == 2
    meet_checks.answer(quiet, quiet.mentee, "no", SENT)
    assert [p.id for p, _ in meet_checks.flags(program, SENT)] == [quiet.id]


def test_admin_matched_programmes_are_never_asked():
    program = make_program()
    make_pairing(program=program, approved_at=SENT - timedelta(days=30))
    run_at(SENT)
    assert _sent("meet_check") == []
