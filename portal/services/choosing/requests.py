"""Mentor requests: send, accept, decline, withdraw; remind and expire; a mentor away.

Every decision two people can take at once is claimed by a conditional UPDATE on the
request (open -> something), under the row locks of services/choosing/locks.py:

- send: the mentee's membership lock orders their requests, so "at most N open" holds
  under double submits; the partial unique index refuses a second open request to the
  same mentor.
- accept: the mentee's lock, then the mentor's; inside them, the mentor's places and the
  mentee's pairings are counted afresh, so two accepts for one mentor never exceed the
  capacity and two mentors accepting one mentee make one pairing.

Services take plain values, raise ChoosingError(field, message) and commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from portal.core.errors import FieldError
from portal.extensions import db
from portal.models import Membership, MembershipStatus, Pairing, PairingStatus, Program, Role, User
from portal.models.choosing import (
    ChoosingSettings,
    CloseReason,
    MatchingMode,
    MentorAbsence,
    MentorRequest,
    MentorRequestStatus,
)
from portal.services.choosing.closing import close_for_pairing, close_open, link
from portal.services.choosing.locks import lock_membership
from portal.services.matching.proposals import MatchingError, approve, check_pair
from portal.services.platform import audit
from portal.services.platform.notifications import notify
from portal.services.reminders import news

NOTE_MAX = 500
REPLY_MAX = 500
ALREADY_ANSWERED = "This request was already answered."
OPEN = MentorRequestStatus.open


class ChoosingError(FieldError):
    """A request that cannot be sent or answered; the message says why."""


def settings_for(program: Program) -> ChoosingSettings:
    """The programme's settings row, or the defaults (admin-matched) when it has none."""
    found = db.session.get(ChoosingSettings, program.id)
    return found or ChoosingSettings(
        program_id=program.id,
        mode=MatchingMode.admin,
        max_open_requests=3,
        remind_after_days=7,
        expire_after_days=14,
        requires_approval=False,
        office_hours=True,
        meet_check_days=14,
        listing_version=0,
    )


def _clean(text: str | None, limit: int, field: str) -> str:
    cleaned = (text or "").replace("\x00", "").strip()
    if len(cleaned) > limit:
        raise ChoosingError(f"Keep it under {limit} characters.", field)
    return cleaned


def _active_membership(program: Program, user_id: int, role: Role) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(
            Membership.program_id == program.id,
            Membership.user_id == user_id,
            Membership.role == role,
            Membership.status == MembershipStatus.active,
        )
    )


def _open_count(program: Program, mentee_id: int) -> int:
    return db.session.scalar(
        select(func.count(MentorRequest.id)).where(
            MentorRequest.program_id == program.id,
            MentorRequest.mentee_id == mentee_id,
            MentorRequest.status == OPEN,
        )
    )


# A mentee's proposed pairing, or one still in its undo window, is invisible to both partners
# (DESIGN): no message may reveal it. These are said instead of "already has a mentor".
PAUSED = "Requests are paused in this programme for the moment."
NO_LONGER = "This request can no longer be accepted."


def _holds_a_pairing(program: Program, mentee_id: int) -> bool:
    """Whether the mentee has an active or proposed pairing here (seen or not yet told)."""
    query = select(Pairing.id).where(
        Pairing.program_id == program.id,
        Pairing.mentee_id == mentee_id,
        Pairing.status.in_([PairingStatus.active, PairingStatus.proposed]),
    )
    return db.session.scalar(query.limit(1)) is not None


def _is_away(mentor: Membership, today: date) -> bool:
    absence = db.session.get(MentorAbsence, mentor.id)
    return absence is not None and absence.away_from <= today <= absence.away_until


def absence_of(membership: Membership) -> MentorAbsence | None:
    return db.session.get(MentorAbsence, membership.id)


# What the requested mentor reads of the mentee while the request is open (their application
# answers); access.can_see_requesting_mentee decides who.
MENTEE_FIELDS = (
    ("goals", "Goals"),
    ("develop", "Wants to develop"),
    ("department", "Department"),
    ("location", "Location"),
    ("timezone", "Time zone"),
    ("format", "Prefers to meet"),
)


def requesting_mentee_profile(request: MentorRequest) -> list[tuple[str, str]]:
    member = _active_membership(request.program, request.mentee_id, Role.mentee)
    profile = (member.profile if member else None) or {}
    shown = []
    for key, label in MENTEE_FIELDS:
        value = profile.get(key)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        if value:
            shown.append((label, str(value)[:300]))
    return shown


# --- send ----------------------------------------------------------------------------------


def send(
    program: Program, mentee: User, mentor_id: int, note: str, now: datetime, today: date
) -> MentorRequest:
    """The mentee asks one mentor, with a short note the mentor and the team read."""
    settings = settings_for(program)
    if not settings.mode.mentees_choose:
        raise ChoosingError("In this programme, the programme team makes the pairs.")
    note = _clean(note, NOTE_MAX, "note")
    me = _active_membership(program, mentee.id, Role.mentee)
    mentor = _active_membership(program, mentor_id, Role.mentor)
    if me is None or mentor is None:
        raise ChoosingError("Both of you must take part in this programme.")
    lock_membership(me.id)
    if _is_away(mentor, today):
        raise ChoosingError("This mentor is away at the moment: choose another.")
    if _open_count(program, mentee.id) >= settings.max_open_requests:
        raise ChoosingError(
            f"You have {settings.max_open_requests} requests waiting already: "
            "withdraw one, or wait for an answer.",
        )
    if _holds_a_pairing(program, mentee.id):
        raise ChoosingError(PAUSED)
    try:
        check = check_pair(program, mentee.id, mentor_id)
    except MatchingError as error:
        raise ChoosingError(str(error)) from error
    if not check.ok:  # staff, manager, avoid list, ended before, has a mentor, full, no hours
        raise ChoosingError(check.problem)
    request = MentorRequest(
        program_id=program.id,
        mentee_id=mentee.id,
        mentor_id=mentor_id,
        note=note,
        status=OPEN,
        score=round(check.score or 0, 2),
        created_at=now,
        remind_at=now + timedelta(days=settings.remind_after_days),
        expires_at=now + timedelta(days=settings.expire_after_days),
    )
    try:
        with db.session.begin_nested():
            db.session.add(request)
    except IntegrityError as error:  # a double submit: the first one stands
        raise ChoosingError("You already asked this mentor.") from error
    # No name of the mentee and no note in the notice's subject-like text beyond the link.
    notify(
        mentor_id,
        "mentor_request",
        f"A mentee asks you to mentor them in {program.name}.",
        link(request.id),
    )
    db.session.commit()
    return request


# --- accept ----------------------------------------------------------------------------------


@dataclass
class Accepted:
    request: MentorRequest
    pairing: Pairing
    withdrawn: int  # the mentee's other open requests, closed as "matched elsewhere"
    awaiting_approval: bool


def accept(request: MentorRequest, mentor: User, now: datetime) -> Accepted:
    """The mentor says yes: a pairing within their capacity, the mentee's other asks closed."""
    if request.mentor_id != mentor.id:
        raise ChoosingError(ALREADY_ANSWERED)
    program = request.program
    settings = settings_for(program)
    mentee_m = _active_membership(program, request.mentee_id, Role.mentee)
    mentor_m = _active_membership(program, mentor.id, Role.mentor)
    if mentee_m is None or mentor_m is None:
        raise ChoosingError("One of you no longer takes part in this programme.")
    lock_membership(mentee_m.id)  # lock order: mentee, then mentor (locks.py)
    lock_membership(mentor_m.id)
    _close(request, MentorRequestStatus.accepted, CloseReason.accepted, now)
    # Counted under both locks: the mentor's places and the mentee's pairings, as they are now.
    if _holds_a_pairing(program, request.mentee_id):
        db.session.rollback()
        raise ChoosingError(NO_LONGER)
    check = check_pair(program, request.mentee_id, mentor.id)
    if not check.ok:
        db.session.rollback()
        raise ChoosingError(check.problem)
    pairing = Pairing(
        program_id=program.id,
        mentor_id=mentor.id,
        mentee_id=request.mentee_id,
        status=PairingStatus.proposed,
        score=round(check.score or 0, 2),
        explanation={
            "factors": [f.to_json() for f in check.factors[:3]],
            "near_misses": [],
            "requested": request.id,
        },
    )
    db.session.add(pairing)
    db.session.flush()
    db.session.execute(
        update(MentorRequest)
        .where(MentorRequest.id == request.id)
        .values(pairing_id=pairing.id)
        .execution_options(synchronize_session=False)
    )
    # Under the mentee's lock no request of theirs opens meanwhile: this is what closes.
    others = _open_count(program, request.mentee_id)
    if settings.requires_approval:
        # The accept itself closes them (the team's approval later closes nothing more).
        close_for_pairing(program.id, program.name, request.mentee_id, CloseReason.matched, now)
        notify(
            request.mentee_id,
            "mentor_request_answer",
            f"Your request in {program.name} was accepted; the programme team confirms it soon.",
            link(request.id),
        )
        _tell_mentee(request.mentee, request, "accepted")
        audit.record(
            mentor,
            "choosing.accepted",
            "Accepted a mentee's request",
            program,
            request_id=request.id,
            pairing_id=pairing.id,
        )
    else:
        # approve() claims proposed -> active, sets opens_at after the undo window, closes
        # the mentee's other requests and holds every notice until then (the same path as an
        # admin's approval, so undoing it reopens those requests and tells nobody).
        try:
            approve(pairing, mentor, commit=False, close_reason=CloseReason.matched)
        except MatchingError as error:
            db.session.rollback()
            raise ChoosingError(str(error)) from error
    db.session.commit()
    db.session.refresh(request)
    return Accepted(request, pairing, others, settings.requires_approval)


def pair_from_conversation(
    program: Program, mentee_id: int, mentor: User, now: datetime
) -> Accepted:
    """Both people of an office hour asked to continue as a pairing: a request is recorded
    and accepted through accept() itself, so the same locks, capacity count and checks
    decide (there is no second way to make a pair)."""
    settings = settings_for(program)
    if not settings.mode.mentees_choose:
        raise ChoosingError("In this programme the team makes the pairs: ask them to pair you.")
    if _active_membership(program, mentee_id, Role.mentee) is None:
        raise ChoosingError("Only a mentee of this programme can continue as a pairing.")
    existing = db.session.scalar(
        select(MentorRequest).where(
            MentorRequest.program_id == program.id,
            MentorRequest.mentee_id == mentee_id,
            MentorRequest.mentor_id == mentor.id,
            MentorRequest.status == OPEN,
        )
    )
    request = existing or MentorRequest(
        program_id=program.id,
        mentee_id=mentee_id,
        mentor_id=mentor.id,
        note="Asked to continue after an office hour.",
        status=OPEN,
        created_at=now,
        remind_at=now + timedelta(days=settings.remind_after_days),
        expires_at=now + timedelta(days=settings.expire_after_days),
    )
    if existing is None:
        db.session.add(request)
        db.session.flush()
    return accept(request, mentor, now)


# --- decline, withdraw, away ----------------------------------------------------------------


def _tell_mentee(
    mentee: User,
    request: MentorRequest | int,
    outcome: str,
    program: Program | None = None,
) -> None:
    """The mentee hears of the answer by e-mail too (never the reply: that is on the page)."""
    request_id = request if isinstance(request, int) else request.id
    news.tell(
        mentee,
        "request_answered",
        str(request_id),
        program=program or request.program,
        endpoint="choosing.show_request",
        values={"request_id": request_id},
        context={"outcome": outcome},
    )


def _close(
    request: MentorRequest,
    status: MentorRequestStatus,
    reason: CloseReason,
    now: datetime,
    reply: str | None = None,
) -> None:
    if not close_open(
        MentorRequest.id == request.id, status=status, reason=reason, now=now, reply=reply
    ):
        db.session.rollback()
        raise ChoosingError(ALREADY_ANSWERED)


def decline(request: MentorRequest, mentor: User, reply: str, now: datetime) -> None:
    """The mentor says no, with an optional kind message only the mentee reads."""
    if request.mentor_id != mentor.id:
        raise ChoosingError(ALREADY_ANSWERED)
    reply = _clean(reply, REPLY_MAX, "reply")
    _close(request, MentorRequestStatus.declined, CloseReason.declined, now, reply or None)
    notify(
        request.mentee_id,
        "mentor_request_answer",
        f"Your request in {request.program.name} was not accepted: see other suggestions.",
        link(request.id),
    )
    _tell_mentee(request.mentee, request, "declined")
    db.session.commit()


def withdraw(request: MentorRequest, mentee: User, now: datetime) -> None:
    """The mentee takes a request back; the mentor is told it is no longer waiting."""
    if request.mentee_id != mentee.id:
        raise ChoosingError(ALREADY_ANSWERED)
    _close(request, MentorRequestStatus.withdrawn, CloseReason.mentee, now)
    notify(
        request.mentor_id,
        "mentor_request_closed",
        f"A request in {request.program.name} was withdrawn.",
        link(request.id),
    )
    db.session.commit()


def mark_away(
    program: Program, mentor: User, away_until: date | None, today: date, now: datetime
) -> int:
    """The mentor is away until a date: hidden from discovery, open requests declined politely.

    `away_until=None` ends the absence. Returns how many requests were declined.
    """
    member = _active_membership(program, mentor.id, Role.mentor)
    if member is None:
        raise ChoosingError("You do not mentor in this programme.")
    absence = db.session.get(MentorAbsence, member.id)
    if away_until is None:
        if absence is not None:
            db.session.delete(absence)
        db.session.commit()
        return 0
    if not today <= away_until <= today + timedelta(days=366):
        raise ChoosingError("Choose a date from today up to a year ahead.", "away_until")
    if absence is None:
        db.session.add(
            MentorAbsence(membership_id=member.id, away_from=today, away_until=away_until)
        )
    else:
        absence.away_from, absence.away_until = today, away_until
    closed = close_open(
        MentorRequest.program_id == program.id,
        MentorRequest.mentor_id == mentor.id,
        status=MentorRequestStatus.declined,
        reason=CloseReason.unavailable,
        now=now,
    )
    for request in closed:
        notify(
            request.mentee_id,
            "mentor_request_answer",
            f"The mentor you asked in {program.name} is away for a while: "
            "here are others who have time.",
            link(request.id),
        )
        _tell_mentee(db.session.get(User, request.mentee_id), request.id, "away", program)
    db.session.commit()
    return len(closed)


# --- the worker: remind after remind_at, expire at expires_at ---------------------------------


def expire_due(now: datetime) -> int:
    """Close every open request past its expiry; tell the mentee and suggest others.

    One UPDATE claims them (open -> expired), so two workers expire each request once.
    """
    expired = close_open(
        MentorRequest.expires_at <= now,
        status=MentorRequestStatus.expired,
        reason=CloseReason.expired,
        now=now,
    )
    for request in expired:
        notify(
            request.mentee_id,
            "mentor_request_expired",
            "A request had no answer in time; other mentors have free places.",
            link(request.id),
        )
        program = db.session.get(Program, request.program_id)
        _tell_mentee(db.session.get(User, request.mentee_id), request.id, "expired", program)
    db.session.commit()
    return len(expired)


def due_reminders(now: datetime) -> list[MentorRequest]:
    """Open requests past remind_at that were not reminded yet (the job dispatches them with
    the key ``mentor_request_reminder:<id>`` in the mentor's morning, then sets reminded_at)."""
    return list(
        db.session.scalars(
            select(MentorRequest).where(
                MentorRequest.status == OPEN,
                MentorRequest.remind_at <= now,
                MentorRequest.reminded_at.is_(None),
            )
        )
    )


__all__ = [
    "Accepted",
    "ChoosingError",
    "accept",
    "decline",
    "due_reminders",
    "expire_due",
    "mark_away",
    "pair_from_conversation",
    "send",
    "settings_for",
    "withdraw",
]
