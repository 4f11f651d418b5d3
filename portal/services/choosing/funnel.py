"""The lead's view of mentees-choose: the request funnel, mentors who leave requests waiting,
mentees who have neither a mentor nor a request, and the "did you meet?" flags.

Counts of requests are shown through insights.suppression: a cell that describes fewer than
five distinct mentees reads "fewer than 5" (with complementary suppression), and the median
days to answer needs five answered requests from five mentees. The mentors and mentees named
here are people the team already sees one by one (their requests, the enrollment list).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, select

from portal.extensions import db
from portal.models import Membership, MembershipStatus, Pairing, PairingStatus, Program, Role, User
from portal.models.choosing import MentorRequest, MentorRequestStatus
from portal.services import access
from portal.services.choosing import meet_checks
from portal.services.insights import suppression
from portal.services.reminders.dispatch import Message, dispatch
from portal.services.reminders.kinds import KINDS

UNANSWERED_MIN = 3
IDLE_DAYS = 14
ANSWERED_SAMPLE = 2000  # the answered requests read for the median (the newest)


@dataclass
class Funnel:
    statuses: suppression.Breakdown
    median_days: float | None
    slow_mentors: list[tuple[User, int]] = field(default_factory=list)
    idle_mentees: list[User] = field(default_factory=list)
    flags: list[tuple[Pairing, str]] = field(default_factory=list)
    waiting: list[MentorRequest] = field(default_factory=list)


def funnel(program: Program, now: datetime) -> Funnel:
    rows = db.session.execute(
        select(
            MentorRequest.status,
            func.count(MentorRequest.id),
            func.count(func.distinct(MentorRequest.mentee_id)),
        )
        .where(MentorRequest.program_id == program.id)
        .group_by(MentorRequest.status)
    ).all()
    counts = {status: 0 for status in MentorRequestStatus}
    people = {status: 0 for status in MentorRequestStatus}
    for status, n, mentees in rows:
        counts[MentorRequestStatus(status)] = n
        people[MentorRequestStatus(status)] = mentees
    senders = db.session.scalar(
        select(func.count(func.distinct(MentorRequest.mentee_id))).where(
            MentorRequest.program_id == program.id
        )
    )
    statuses = suppression.breakdown(counts, people, total_people=senders or 0)
    return Funnel(
        statuses=statuses,
        median_days=_median_days(program),
        slow_mentors=_slow_mentors(program, now),
        idle_mentees=_idle_mentees(program, now),
        flags=meet_checks.flags(program, now),
        waiting=_waiting(program, now),
    )


def _median_days(program: Program) -> float | None:
    """Median days from sending to the mentor's answer; computed in Python on both databases
    (SQLite has no percentile_cont), over the newest answered requests."""
    answered = db.session.execute(
        select(MentorRequest.created_at, MentorRequest.decided_at, MentorRequest.mentee_id)
        .where(
            MentorRequest.program_id == program.id,
            MentorRequest.status.in_([MentorRequestStatus.accepted, MentorRequestStatus.declined]),
            MentorRequest.decided_at.is_not(None),
        )
        .order_by(MentorRequest.decided_at.desc())
        .limit(ANSWERED_SAMPLE)
    ).all()
    if not answered:
        return None
    days = [(decided - created).total_seconds() / 86400 for created, decided, _ in answered]
    return suppression.mean(statistics.median(days), len({row[2] for row in answered}))


def _slow_mentors(program: Program, now: datetime) -> list[tuple[User, int]]:
    rows = db.session.execute(
        select(User, func.count(MentorRequest.id))
        .join(MentorRequest, MentorRequest.mentor_id == User.id)
        .where(
            MentorRequest.program_id == program.id,
            MentorRequest.status == MentorRequestStatus.open,
            MentorRequest.remind_at <= now,
        )
        .group_by(User.id)
        .having(func.count(MentorRequest.id) >= UNANSWERED_MIN)
        .order_by(func.count(MentorRequest.id).desc(), User.id)
    ).all()
    return [(user, n) for user, n in rows]


def _waiting(program: Program, now: datetime) -> list[MentorRequest]:
    """Open requests past their reminder: the ones a lead may nudge."""
    return list(
        db.session.scalars(
            select(MentorRequest)
            .where(
                MentorRequest.program_id == program.id,
                MentorRequest.status == MentorRequestStatus.open,
                MentorRequest.remind_at <= now,
            )
            .order_by(MentorRequest.created_at, MentorRequest.id)
            .limit(50)
        )
    )


def _idle_mentees(program: Program, now: datetime) -> list[User]:
    """Active mentees with no pairing and no open request, enrolled 14+ days ago."""
    since = now - timedelta(days=IDLE_DAYS)
    paired = exists(
        select(Pairing.id).where(
            Pairing.program_id == program.id,
            Pairing.mentee_id == Membership.user_id,
            Pairing.status.in_([PairingStatus.active, PairingStatus.proposed]),
        )
    )
    asking = exists(
        select(MentorRequest.id).where(
            and_(
                MentorRequest.program_id == program.id,
                MentorRequest.mentee_id == Membership.user_id,
                MentorRequest.status == MentorRequestStatus.open,
            )
        )
    )
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.program_id == program.id,
                Membership.role == Role.mentee,
                Membership.status == MembershipStatus.active,
                Membership.created_at <= since,
                ~paired,
                ~asking,
                User.id.not_in(access.program_staff_ids(program.id) or {0}),
            )
            .order_by(User.name, User.id)
            .limit(100)
        )
    )


def nudge(request: MentorRequest, now: datetime) -> bool:
    """The lead reminds the mentor now; once a day per request (the dispatch key)."""
    kind = KINDS["mentor_request_reminder"]
    name = request.program.name
    return dispatch(
        Message(
            kind=kind.key,
            key=f"nudge:{request.id}:{now.date().isoformat()}",
            recipient=request.mentor,
            subject=kind.subject_for(program=name),
            notice=kind.notice_for(program=name),
            endpoint="choosing.show_request",
            values={"request_id": request.id},
            context={"program": request.program, "expires_at": request.expires_at},
        ),
        now,
    )
