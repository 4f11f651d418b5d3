"""Two people pressing "accept" at the same moment, on real connections (both databases).

Service-level races: each thread has its own app context, session and connection, and all
wait on one barrier. (FINAL CODE: add the same races through the live server of
tests/concurrency/conftest.py, posting /choose/requests/<id>/accept from two browsers.)
"""

from __future__ import annotations

import threading
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Pairing, PairingStatus, Role, utcnow
from portal.models.choosing import (
    ChoosingSettings,
    MatchingMode,
    MentorRequest,
    MentorRequestStatus,
)
from portal.services.choosing import requests as choosing
from tests.factories import make_participant, make_program, mentor_profile


def _self_service(**settings):
    program = make_program()
    db.session.add(
        ChoosingSettings(program_id=program.id, mode=MatchingMode.self_service, **settings)
    )
    db.session.commit()
    return program


def _open_request(program, mentee, mentor) -> MentorRequest:
    now = utcnow()
    request = MentorRequest(
        program_id=program.id,
        mentee_id=mentee.user_id,
        mentor_id=mentor.user_id,
        note="Hello",
        status=MentorRequestStatus.open,
        created_at=now,
        remind_at=now + timedelta(days=7),
        expires_at=now + timedelta(days=14),
    )
    db.session.add(request)
    db.session.commit()
    return request


def _race(*calls) -> list[object]:
    """Run each call in its own thread and app context, released together."""
    app = current_app._get_current_object()
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(i, call):
        with app.app_context():
            barrier.wait()
            try:
                outcomes[i] = call()
            except Exception as error:  # noqa: BLE001 (reported to the test)
                outcomes[i] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    db.session.rollback()
    return outcomes


def _accept(request_id: int, mentor_id: int):
    def call():
        request = db.session.get(MentorRequest, request_id)
        mentor = db.session.get(type(request.mentor), mentor_id)
        return choosing.accept(request, mentor, utcnow())

    return call


def _holding(program, **where) -> int:
    return db.session.scalar(
        select(func.count(Pairing.id))
        .filter_by(program_id=program.id, **where)
        .where(Pairing.status.in_([PairingStatus.active, PairingStatus.proposed]))
    )


def test_two_accepts_at_once_never_exceed_a_mentors_capacity():
    program = _self_service()
    mentor = make_participant(program, Role.mentor, profile=mentor_profile(capacity=1))
    asks = [_open_request(program, make_participant(program, Role.mentee), mentor) for _ in "ab"]

    outcomes = _race(*[_accept(r.id, mentor.user_id) for r in asks])

    assert sum(isinstance(o, choosing.Accepted) for o in outcomes) == 1
    refused = [o for o in outcomes if isinstance(o, choosing.ChoosingError)]
    assert len(refused) == 1 and "no free place" in str(refused[0])
    assert _holding(program, mentor_id=mentor.user_id) == 1


def test_two_mentors_accepting_one_mentee_at_once_make_one_pairing():
    program = _self_service(requires_approval=True)  # proposed pairings: no unique index helps
    mentee = make_participant(program, Role.mentee)
    mentors = [make_participant(program, Role.mentor) for _ in "ab"]
    asks = [_open_request(program, mentee, m) for m in mentors]

    outcomes = _race(*[_accept(r.id, m.user_id) for r, m in zip(asks, mentors, strict=True)])

    assert sum(isinstance(o, choosing.Accepted) for o in outcomes) == 1
    assert sum(isinstance(o, choosing.ChoosingError) for o in outcomes) == 1
    assert _holding(program, mentee_id=mentee.user_id) == 1
    statuses = sorted(db.session.scalars(select(MentorRequest.status)).all())
    assert statuses == [MentorRequestStatus.accepted, MentorRequestStatus.withdrawn]


def test_capacity_two_takes_exactly_two_of_five_simultaneous_accepts():
    program = _self_service()
    mentor = make_participant(program, Role.mentor, profile=mentor_profile(capacity=2))
    asks = [
        _open_request(program, make_participant(program, Role.mentee), mentor) for _ in range(5)
    ]

    outcomes = _race(*[_accept(r.id, mentor.user_id) for r in asks])

    assert sum(isinstance(o, choosing.Accepted) for o in outcomes) == 2
    assert _holding(program, mentor_id=mentor.user_id) == 2
