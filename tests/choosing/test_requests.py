"""Can a mentee ask, within the guardrails, and does every answer land once?"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Notification, Pairing, PairingStatus, Role, utcnow
from portal.models.choosing import (
    ChoosingSettings,
    CloseReason,
    MatchingMode,
    MentorAbsence,
    MentorRequest,
    MentorRequestStatus,
)
from portal.services.choosing import requests as choosing
from tests.factories import make_lead, make_participant, make_program

TODAY = date.today()


@pytest.fixture
def program():
    program = make_program()
    db.session.add(
        ChoosingSettings(program_id=program.id, mode=MatchingMode.self_service, max_open_requests=2)
    )
    db.session.commit()
    return program


def _send(program, mentee, mentor, note="Hello"):
    return choosing.send(program, mentee.user, mentor.user_id, note, utcnow(), TODAY)


def test_a_mentee_may_have_at_most_n_open_requests(program):
    mentee = make_participant(program, Role.mentee)
    mentors = [make_participant(program, Role.mentor) for _ in range(3)]
    _send(program, mentee, mentors[0])
    _send(program, mentee, mentors[1])
    with pytest.raises(choosing.ChoosingError, match="2 requests waiting"):
        _send(program, mentee, mentors[2])


def test_asking_the_same_mentor_twice_is_refused(program):
    mentee = make_participant(program, Role.mentee)
    mentor = make_participant(program, Role.mentor)
    _send(program, mentee, mentor)
    with pytest.raises(choosing.ChoosingError, match="already asked"):
        _send(program, mentee, mentor)


def test_an_away_mentor_cannot_be_asked(program):
    mentee = make_participant(program, Role.mentee)
    mentor = make_participant(program, Role.mentor)
    db.session.add(
        MentorAbsence(membership_id=mentor.id, away_from=TODAY, away_until=TODAY + timedelta(5))
    )
    db.session.commit()
    with pytest.raises(choosing.ChoosingError, match="away"):
        _send(program, mentee, mentor)


def test_a_lead_is_never_asked_as_a_mentor(program):
    mentee = make_participant(program, Role.mentee)
    lead = make_lead(program)
    make_participant(program, Role.mentor, user=lead)
    with pytest.raises(choosing.ChoosingError, match="leads this programme"):
        choosing.send(program, mentee.user, lead.id, "Hi", utcnow(), TODAY)


def test_an_admin_matched_programme_takes_no_requests():
    program = make_program()
    mentee = make_participant(program, Role.mentee)
    mentor = make_participant(program, Role.mentor)
    with pytest.raises(choosing.ChoosingError, match="programme team makes the pairs"):
        _send(program, mentee, mentor)


def test_accepting_opens_the_pairing_after_the_undo_window_and_closes_the_others(program):
    mentee = make_participant(program, Role.mentee)
    chosen, other = (make_participant(program, Role.mentor) for _ in range(2))
    request = _send(program, mentee, chosen)
    waiting = _send(program, mentee, other)

    accepted = choosing.accept(request, chosen.user, utcnow())

    pairing = db.session.get(Pairing, accepted.pairing.id)
    assert pairing.status is PairingStatus.active and pairing.opens_at > pairing.approved_at
    db.session.refresh(waiting)
    assert (waiting.status, waiting.reason) == (MentorRequestStatus.withdrawn, CloseReason.matched)
    told = db.session.scalars(
        select(Notification.user_id).where(Notification.kind.like("mentor_%"))
    )
    assert other.user_id in set(told)


def test_with_approval_an_accept_waits_for_the_team(program):
    db.session.get(ChoosingSettings, program.id).requires_approval = True
    db.session.commit()
    mentee = make_participant(program, Role.mentee)
    mentor = make_participant(program, Role.mentor)
    accepted = choosing.accept(_send(program, mentee, mentor), mentor.user, utcnow())
    assert accepted.awaiting_approval
    assert accepted.pairing.status is PairingStatus.proposed


def test_a_decline_keeps_its_kind_message_and_a_second_answer_is_refused(program):
    mentee = make_participant(program, Role.mentee)
    mentor = make_participant(program, Role.mentor)
    request = _send(program, mentee, mentor)
    choosing.decline(request, mentor.user, "Full this term, try Ana!", utcnow())
    db.session.refresh(request)
    assert request.reply == "Full this term, try Ana!"
    with pytest.raises(choosing.ChoosingError, match="already answered"):
        choosing.accept(request, mentor.user, utcnow())


def test_going_away_declines_open_requests_politely(program):
    mentor = make_participant(program, Role.mentor)
    for _ in range(2):
        _send(program, make_participant(program, Role.mentee), mentor)
    assert choosing.mark_away(program, mentor.user, TODAY + timedelta(20), TODAY, utcnow()) == 2
    reasons = db.session.scalars(select(MentorRequest.reason)).all()
    assert reasons == [CloseReason.unavailable, CloseReason.unavailable]


def test_requests_expire_once_at_their_expiry(program):
    mentee = make_participant(program, Role.mentee)
    request = _send(program, mentee, make_participant(program, Role.mentor))
    assert choosing.expire_due(request.expires_at - timedelta(minutes=1)) == 0
    assert choosing.expire_due(request.expires_at) == 1
    assert choosing.expire_due(request.expires_at + timedelta(days=1)) == 0
    assert [r.id for r in choosing.due_reminders(request.remind_at)] == []


def test_a_note_too_long_is_refused_next_to_its_field(program):
    mentee = make_participant(program, Role.mentee)
    with pytest.raises(choosing.ChoosingError) as refused:
        _send(program, mentee, make_participant(program, Role.mentor), note="x" * 501)
    assert refused.value.field == "note"


def test_a_hidden_proposal_is_not_revealed_to_the_mentee_or_the_mentor(program):
    mentee = make_participant(program, Role.mentee)
    mentor, other = (make_participant(program, Role.mentor) for _ in range(2))
    request = _send(program, mentee, mentor)
    hidden = Pairing(
        program_id=program.id,
        mentor_id=other.user_id,
        mentee_id=mentee.user_id,
        status=PairingStatus.proposed,
    )
    db.session.add(hidden)
    db.session.commit()
    with pytest.raises(choosing.ChoosingError, match="paused"):
        _send(program, mentee, other)
    with pytest.raises(choosing.ChoosingError, match="can no longer be accepted"):
        choosing.accept(request, mentor.user, utcnow())


def test_a_hand_pair_approved_by_the_team_closes_the_mentees_waiting_requests(program):
    from portal.services.matching import proposals
    from tests.factories import make_admin

    mentee = make_participant(program, Role.mentee)
    asked = make_participant(program, Role.mentor)
    chosen = make_participant(program, Role.mentor)
    request = _send(program, mentee, asked)
    admin = make_admin()
    pairing = proposals.hand_pair(program, mentee.user_id, chosen.user_id, admin)
    proposals.approve(pairing, admin)
    db.session.refresh(request)
    assert request.status is MentorRequestStatus.withdrawn and request.reason == "team"
    told = db.session.scalars(
        select(Notification).where(Notification.user_id == asked.user_id)
    ).all()
    assert "mentor_request_closed" in [n.kind for n in told]


def _closing_notices(mentor):
    return db.session.scalars(
        select(Notification).where(
            Notification.user_id == mentor.user_id, Notification.kind == "mentor_request_closed"
        )
    ).all()


def test_undoing_the_teams_approval_reopens_the_requests_it_closed_and_tells_nobody(program):
    from portal.services.matching import proposals
    from portal.services.programmes import holds
    from tests.factories import make_admin

    mentee = make_participant(program, Role.mentee)
    asked, also_asked, chosen = (make_participant(program, Role.mentor) for _ in range(3))
    requests = [_send(program, mentee, asked), _send(program, mentee, also_asked)]
    admin = make_admin()
    pairing = proposals.hand_pair(program, mentee.user_id, chosen.user_id, admin)
    key = proposals.approve(pairing, admin)
    assert [len(_closing_notices(m)) for m in (asked, also_asked)] == [1, 1]  # held, not yet told

    holds.undo(admin, key)

    db.session.expire_all()
    assert [db.session.get(MentorRequest, r.id).status for r in requests] == [
        MentorRequestStatus.open,
        MentorRequestStatus.open,
    ]
    assert [db.session.get(MentorRequest, r.id).reason for r in requests] == [None, None]
    assert _closing_notices(asked) == [] and _closing_notices(also_asked) == []
    assert db.session.get(Pairing, pairing.id).status is PairingStatus.proposed

    # Approved again: the requests close again and each mentor is told exactly once.
    proposals.approve(db.session.get(Pairing, pairing.id), admin)
    holds.release_due_notifications(utcnow() + timedelta(hours=1))
    assert [len(_closing_notices(m)) for m in (asked, also_asked)] == [1, 1]
    assert all(n.deliver_after is None for n in _closing_notices(asked))


def test_undoing_an_accepted_requests_approval_reopens_the_mentees_other_requests(program):
    from portal.services.programmes import holds

    mentee = make_participant(program, Role.mentee)
    chosen, other = (make_participant(program, Role.mentor) for _ in range(2))
    request = _send(program, mentee, chosen)
    waiting = _send(program, mentee, other)
    accepted = choosing.accept(request, chosen.user, utcnow())
    assert accepted.withdrawn == 1
    db.session.refresh(waiting)
    assert (waiting.status, waiting.reason) == (MentorRequestStatus.withdrawn, CloseReason.matched)
    # The other mentor hears of it only when the undo window closes, like the partners.
    assert [n.deliver_after is not None for n in _closing_notices(other)] == [True]

    [undoable] = holds.undoable(chosen.user)
    holds.undo(chosen.user, undoable.key)

    db.session.expire_all()
    waiting = db.session.get(MentorRequest, waiting.id)
    assert (waiting.status, waiting.reason, waiting.decided_at) == (
        MentorRequestStatus.open,
        None,
        None,
    )
    assert _closing_notices(other) == []
    assert db.session.scalar(select(Notification).where(Notification.kind == "pairing")) is None


def test_an_undo_does_not_reopen_a_request_that_closed_for_another_reason(program):
    from portal.services.choosing.closing import reopen

    mentee = make_participant(program, Role.mentee)
    mentor = make_participant(program, Role.mentor)
    request = _send(program, mentee, mentor)
    choosing.decline(request, mentor.user, "", utcnow())
    assert reopen([request.id]) == 0
    db.session.refresh(request)
    assert request.status is MentorRequestStatus.declined
