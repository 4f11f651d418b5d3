"""`make_<thing>(**overrides)` factories: each builds valid, committed test data."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from portal.demo.builders import new_membership, new_pairing, new_user
from portal.extensions import db
from portal.models import (
    Cadence,
    Membership,
    MembershipStatus,
    Notification,
    Pairing,
    PairingStatus,
    Program,
    ProgramStatus,
    Role,
    User,
    utcnow,
)
from portal.models.journal import EntryComment, EntryStatus, EntryTag, JournalEntry, Visibility
from portal.models.users import password_hasher

DEFAULT_PASSWORD = "correct horse battery"
_default_hashes: dict[int, str] = {}


def _default_hash() -> str:
    """argon2 is slow on purpose: the factories share one hash of the default password."""
    hasher = password_hasher()
    if id(hasher) not in _default_hashes:
        _default_hashes[id(hasher)] = hasher.hash(DEFAULT_PASSWORD)
    return _default_hashes[id(hasher)]


_sequence = itertools.count(1)


# --- audiences: whom a shared entry or practice is shared with --------------------------------


def _open_active_pairing_ids(user_id: int) -> list[int]:
    """The author's open active pairings now: a shared item's audience by default."""
    from sqlalchemy import or_, select

    query = select(Pairing.id).where(
        or_(Pairing.mentor_id == user_id, Pairing.mentee_id == user_id),
        Pairing.status == PairingStatus.active,
        Pairing.opens_at.is_not(None),
        Pairing.opens_at <= utcnow(),
    )
    return list(db.session.scalars(query))


def _audience_ids(audience: Any, author_id: int) -> list[int]:
    if audience is None:
        return _open_active_pairing_ids(author_id)
    return [p if isinstance(p, int) else p.id for p in audience]


def _pairing_between(a: int, b: int, audience_ids: list[int]) -> int | None:
    """The pairing joining two people, preferring one the item is shared in."""
    from sqlalchemy import and_, or_, select

    query = (
        select(Pairing.id)
        .where(
            or_(
                and_(Pairing.mentor_id == a, Pairing.mentee_id == b),
                and_(Pairing.mentor_id == b, Pairing.mentee_id == a),
            ),
            Pairing.status != PairingStatus.proposed,
        )
        .order_by(Pairing.approved_at.desc(), Pairing.id.desc())
    )
    ids = list(db.session.scalars(query))
    return next((i for i in ids if i in audience_ids), ids[0] if ids else None)


def _next() -> int:
    return next(_sequence)


def make_user(**overrides: Any) -> User:
    n = _next()
    password = overrides.pop("password", None)
    values: dict[str, Any] = {
        "email": f"person{n}@example.test",
        "name": f"Person {n}",
        "timezone": "UTC",
        "is_portal_admin": False,
    }
    values.update(overrides)
    user = new_user(password_hash=_default_hash(), **values)
    if password:
        user.set_password(password)
    db.session.commit()
    return user


def make_admin(**overrides: Any) -> User:
    return make_user(is_portal_admin=True, **overrides)


def make_program(**overrides: Any) -> Program:
    n = _next()
    starts_on = overrides.pop("starts_on", date.today() - timedelta(days=30))
    values: dict[str, Any] = {
        "name": f"Programme {n}",
        "slug": f"programme-{n}",
        "description": "A test programme.",
        "starts_on": starts_on,
        "ends_on": Program.default_end(starts_on),
        "cadence": Cadence.monthly,
        "status": ProgramStatus.running,
    }
    values.update(overrides)
    program = Program(**values)
    db.session.add(program)
    db.session.commit()
    return program


def make_membership(**overrides: Any) -> Membership:
    values: dict[str, Any] = {
        "role": Role.mentee,
        "status": MembershipStatus.active,
        "profile": {},
    }
    values.update(overrides)
    if "user" not in values and "user_id" not in values:
        values["user"] = make_user()
    if "program" not in values and "program_id" not in values:
        values["program"] = make_program()
    membership = Membership(**values)
    db.session.add(membership)
    db.session.commit()
    return membership


def make_pairing(**overrides: Any) -> Pairing:
    """An active pairing; the mentor and mentee get memberships in the programme too."""
    program = overrides.pop("program", None) or make_program()
    mentor = overrides.pop("mentor", None) or make_user(name=f"Mentor {_next()}")
    mentee = overrides.pop("mentee", None) or make_user(name=f"Mentee {_next()}")
    for user, role in ((mentor, Role.mentor), (mentee, Role.mentee)):
        exists = db.session.query(Membership).filter_by(user_id=user.id, program_id=program.id)
        if not exists.first():
            new_membership(user, program, role, decided_at=None)
    pairing = new_pairing(program, mentor, mentee, **overrides)
    db.session.commit()
    return pairing


def make_notification(**overrides: Any) -> Notification:
    values: dict[str, Any] = {"kind": "test", "message": f"Something happened {_next()}"}
    values.update(overrides)
    if "user" not in values and "user_id" not in values:
        values["user"] = make_user()
    user = values.pop("user", None)
    if user is not None:
        values["user_id"] = user.id
    notification = Notification(**values)
    db.session.add(notification)
    db.session.commit()
    return notification


# --- enrollment and matching ------------------------------------------------------------


def mentee_profile(**overrides: Any) -> dict[str, Any]:
    """A complete mentee application, in the profile schema the matcher reads."""
    profile: dict[str, Any] = {
        "department": "Sales",
        "seniority": 2,
        "location": "Berlin",
        "timezone": "Europe/Berlin",
        "format": "either",
        "values": ["growth", "candour", "calm"],
        "style": {"directness": "direct", "structure": "structured", "pace": "fast"},
        "avoid": [],
        "goals": ["leadership"],
        "develop": ["negotiation"],
    }
    profile.update(overrides)
    return profile


def mentor_profile(**overrides: Any) -> dict[str, Any]:
    profile = mentee_profile(seniority=4, department="Engineering")
    for key in ("goals", "develop"):
        profile.pop(key)
    profile.update({"strengths": ["leadership", "negotiation"], "capacity": 1})
    profile.update(overrides)
    return profile


def make_participant(program: Program, role: Role, **overrides: Any) -> Membership:
    """An approved mentor or mentee with a full application profile."""
    profile = overrides.pop("profile", None)
    if profile is None:
        profile = mentor_profile() if role is Role.mentor else mentee_profile()
    return make_membership(program=program, role=role, profile=profile, **overrides)


# --- practices and meetings ---------------------------------------------------------------


def make_practice(**overrides: Any) -> Any:
    """A shared, open practice that started a week ago and runs three weeks."""
    from portal.models.journal import Visibility
    from portal.models.practice import Practice

    starts_on = overrides.pop("starts_on", date.today() - timedelta(days=7))
    values: dict[str, Any] = {
        "title": f"Practice {_next()}",
        "action": "Listen without interrupting.",
        "idea": "People open up when they feel heard.",
        "starts_on": starts_on,
        "ends_on": starts_on + timedelta(days=20),
        "per_week": 3,
        "visibility": Visibility.shared,
    }
    audience = overrides.pop("audience", None)
    if audience and "visibility" not in overrides:
        overrides["visibility"] = Visibility.shared
    values.update(overrides)
    if "owner" not in values and "owner_id" not in values:
        values["owner"] = make_user()
    practice = Practice(**values)
    db.session.add(practice)
    db.session.commit()
    if practice.visibility is Visibility.shared:
        from portal.models.practice import PracticeAudience

        for pairing_id in _audience_ids(audience, practice.owner_id):
            db.session.add(PracticeAudience(practice_id=practice.id, pairing_id=pairing_id))
        db.session.commit()
    return practice


def make_check_in(practice: Any, **overrides: Any) -> Any:
    from portal.models.practice import CheckIn

    values: dict[str, Any] = {"day": date.today(), "note": f"Noticed something {_next()}"}
    values.update(overrides)
    check_in = CheckIn(practice_id=practice.id, **values)
    db.session.add(check_in)
    db.session.commit()
    return check_in


def make_practice_comment(practice: Any, author: User, **overrides: Any) -> Any:
    """A comment; a reader's comment is written in the pairing joining them and the owner."""
    from sqlalchemy import select

    from portal.models.practice import PracticeAudience, PracticeComment

    values: dict[str, Any] = {"body": f"Keep going {_next()}"}
    if "pairing" in overrides:
        overrides["pairing_id"] = overrides.pop("pairing").id
    if "pairing_id" not in overrides and author.id != practice.owner_id:
        shared_in = db.session.scalars(
            select(PracticeAudience.pairing_id).where(PracticeAudience.practice_id == practice.id)
        ).all()
        values["pairing_id"] = _pairing_between(author.id, practice.owner_id, list(shared_in))
    values.update(overrides)
    comment = PracticeComment(practice_id=practice.id, author_id=author.id, **values)
    db.session.add(comment)
    db.session.commit()
    return comment


def make_meeting(pairing: Pairing, **overrides: Any) -> Any:
    from portal.models.meetings import Meeting

    values: dict[str, Any] = {"held_on": date.today() - timedelta(days=10), "happened": True}
    values.update(overrides)
    meeting = Meeting(pairing_id=pairing.id, **values)
    db.session.add(meeting)
    db.session.commit()
    return meeting


def make_agenda_point(pairing: Pairing, author: User, **overrides: Any) -> Any:
    from portal.models.meetings import AgendaPoint

    values: dict[str, Any] = {"text": f"A point to talk about {_next()}"}
    values.update(overrides)
    point = AgendaPoint(pairing_id=pairing.id, author_id=author.id, **values)
    db.session.add(point)
    db.session.commit()
    return point


def make_practice_entry(author: User, **overrides: Any) -> Any:
    """A published journal entry for practice and prep tests (private unless told)."""
    from portal.models.journal import EntryStatus, JournalEntry, Visibility

    now = utcnow()
    values: dict[str, Any] = {
        "title": f"Entry {_next()}",
        "body": "What I noticed.",
        "visibility": Visibility.private,
        "status": EntryStatus.published,
        "created_at": now,
        "updated_at": now,
        "published_at": now,
    }
    audience = overrides.pop("audience", None)
    if audience and "visibility" not in overrides:
        overrides["visibility"] = Visibility.shared
    values.update(overrides)
    entry = JournalEntry(author_id=author.id, **values)
    db.session.add(entry)
    db.session.commit()
    _add_entry_audience(entry, audience)
    return entry


def _add_entry_audience(entry: JournalEntry, audience: Any) -> None:
    from portal.models.journal import EntryAudience

    if entry.visibility is not Visibility.shared:
        return
    for pairing_id in _audience_ids(audience, entry.author_id):
        db.session.add(EntryAudience(entry_id=entry.id, pairing_id=pairing_id))
    db.session.commit()


def make_entry(**overrides: Any) -> JournalEntry:
    """A published journal entry (private unless told otherwise), with optional tags.

    A shared entry is shared in ``audience`` (pairings), by default in the author's open
    active pairings at creation."""
    tags = overrides.pop("tags", [])
    audience = overrides.pop("audience", None)
    if audience and "visibility" not in overrides:
        overrides["visibility"] = Visibility.shared
    values: dict[str, Any] = {
        "title": f"Entry {_next()}",
        "body": "What I noticed this week.",
        "visibility": Visibility.private,
        "status": EntryStatus.published,
        "published_at": utcnow(),
    }
    values.update(overrides)
    if "author" not in values and "author_id" not in values:
        values["author"] = make_user()
    entry = JournalEntry(**values)
    entry.tags = [EntryTag(name=name) for name in tags]
    db.session.add(entry)
    db.session.commit()
    _add_entry_audience(entry, audience)
    return entry


def make_comment(**overrides: Any) -> EntryComment:
    values: dict[str, Any] = {"body": f"A comment {_next()}"}
    values.update(overrides)
    if "entry" not in values and "entry_id" not in values:
        values["entry"] = make_entry()
    if "author" not in values and "author_id" not in values:
        values["author"] = values["entry"].author
    if "pairing" in values:
        values["pairing_id"] = values.pop("pairing").id
    entry = values.get("entry") or db.session.get(JournalEntry, values["entry_id"])
    author_id = values["author"].id if "author" in values else values["author_id"]
    if "pairing_id" not in values and author_id != entry.author_id:
        from sqlalchemy import select

        from portal.models.journal import EntryAudience

        shared_in = db.session.scalars(
            select(EntryAudience.pairing_id).where(EntryAudience.entry_id == entry.id)
        ).all()
        values["pairing_id"] = _pairing_between(author_id, entry.author_id, list(shared_in))
    comment = EntryComment(**values)
    db.session.add(comment)
    db.session.commit()
    return comment


# --- kick-off: agreements, goals, planned meetings --------------------------------------------


def make_goal(pairing: Pairing, owner: User | None = None, **overrides: Any) -> Any:
    """A shared goal with one rating (not started, today) in its history."""
    from portal.models.kickoff import Goal, GoalProgress, GoalRating

    values: dict[str, Any] = {
        "title": f"Goal {_next()}",
        "why": "It matters to me.",
        "measure": "We will see it.",
        "visibility": Visibility.shared,
        "progress": GoalProgress.not_started,
    }
    values.update(overrides)
    goal = Goal(pairing_id=pairing.id, owner_id=(owner or pairing.mentee).id, **values)
    db.session.add(goal)
    db.session.flush()
    db.session.add(GoalRating(goal_id=goal.id, progress=goal.progress, rated_on=date.today()))
    db.session.commit()
    return goal


def make_planned_meeting(pairing: Pairing, **overrides: Any) -> Any:
    """A proposed meeting a week from now, proposed by the mentee."""
    import uuid

    from portal.models.kickoff import MeetingStatus, PlannedMeeting

    values: dict[str, Any] = {
        "uid": f"{uuid.uuid4()}@horizon",
        "starts_at": utcnow().replace(microsecond=0, second=0) + timedelta(days=7),
        "minutes": 60,
        "place": "Room 4",
        "status": MeetingStatus.proposed,
        "proposed_by_id": pairing.mentee_id,
    }
    values.update(overrides)
    meeting = PlannedMeeting(pairing_id=pairing.id, **values)
    db.session.add(meeting)
    db.session.commit()
    return meeting


def make_agreement(pairing: Pairing, **sections: str) -> Any:
    """The pair's agreement, started from the programme template, with section overrides."""
    from portal.services.pairings.agreement import start_agreement

    agreement = start_agreement(pairing)
    if sections:
        agreement.sections = {**agreement.sections, **sections}
        agreement.versions[0].content = agreement.snapshot()
    db.session.commit()
    return agreement


# --- guide: surveys, ratings, reflections, requests -------------------------------------------


def make_survey_response(program: Program, user: User, **overrides: Any) -> Any:
    """One person's midpoint answers (satisfied, a promoter, good progress)."""
    from portal.models.guide import SurveyResponse, SurveyRound

    values: dict[str, Any] = {
        "round": SurveyRound.midpoint,
        "satisfaction": 4,
        "recommend": 9,
        "progress": 4,
        "comment": "",
        "questions": {},
    }
    values.update(overrides)
    response = SurveyResponse(program_id=program.id, user_id=user.id, **values)
    db.session.add(response)
    db.session.commit()
    return response


def make_pairing_request(pairing: Pairing, requester: User | None = None, **overrides: Any) -> Any:
    from portal.models.guide import PairingRequest, RequestKind

    values: dict[str, Any] = {"kind": RequestKind.rematch, "reason": "We do not get along."}
    values.update(overrides)
    row = PairingRequest(
        pairing_id=pairing.id, requester_id=(requester or pairing.mentee).id, **values
    )
    db.session.add(row)
    db.session.commit()
    return row


# --- programme insights -----------------------------------------------------------------------


def make_meeting_rating(meeting: Any, user: User, rating: int = 4, **overrides: Any) -> Any:
    """One partner's "how useful was this meeting?" answer."""
    from portal.models.guide import MeetingRating

    row = MeetingRating(meeting_id=meeting.id, user_id=user.id, rating=rating, **overrides)
    db.session.add(row)
    db.session.commit()
    return row


def make_outcome(program: Program, **overrides: Any) -> Any:
    from portal.models.insights import OutcomeGroup, OutcomeRecord

    values: dict[str, Any] = {
        "email": f"hr{_next()}@example.test",
        "group": OutcomeGroup.comparison,
        "hired_on": program.starts_on - timedelta(days=400),
    }
    values.update(overrides)
    record = OutcomeRecord(program_id=program.id, **values)
    db.session.add(record)
    db.session.commit()
    return record


def make_lead(program: Program, **overrides: Any) -> User:
    """A person who leads the programme (a programme-level role, not a portal admin)."""
    from portal.models.leads import ProgramLead

    user = make_user(**overrides)
    db.session.add(ProgramLead(program_id=program.id, user_id=user.id))
    db.session.commit()
    return user


# --- mentees choose and office hours ---------------------------------------------------------


def make_choosing_settings(program: Program, **overrides: Any) -> Any:
    """The programme lets mentees choose (self-service) unless told otherwise."""
    from portal.models.choosing import ChoosingSettings, MatchingMode

    values: dict[str, Any] = {"mode": MatchingMode.self_service}
    values.update(overrides)
    row = ChoosingSettings(program_id=program.id, **values)
    db.session.add(row)
    db.session.commit()
    return row


def make_mentor_request(program: Program, mentee: User, mentor: User, **overrides: Any) -> Any:
    """An open request, sent now, reminded after 7 days and expiring after 14."""
    from portal.models.choosing import MentorRequest, MentorRequestStatus

    created = overrides.pop("created_at", utcnow())
    values: dict[str, Any] = {
        "note": "I would like to learn from you.",
        "status": MentorRequestStatus.open,
        "created_at": created,
        "remind_at": created + timedelta(days=7),
        "expires_at": created + timedelta(days=14),
    }
    values.update(overrides)
    row = MentorRequest(program_id=program.id, mentee_id=mentee.id, mentor_id=mentor.id, **values)
    db.session.add(row)
    db.session.commit()
    return row


def make_slot(program: Program, mentor: User, **overrides: Any) -> Any:
    """An open office-hour slot in three days, 30 minutes."""
    import uuid

    from portal.models.office_hours import OfficeHourSlot

    values: dict[str, Any] = {
        "starts_at": utcnow().replace(microsecond=0, second=0) + timedelta(days=3),
        "minutes": 30,
        "zone": "UTC",
        "topics": "career planning, feedback",
        "place": "Room 1",
        "uid": f"{uuid.uuid4()}@horizon",
    }
    values.update(overrides)
    row = OfficeHourSlot(program_id=program.id, mentor_id=mentor.id, **values)
    db.session.add(row)
    db.session.commit()
    return row


def make_booking(slot: Any, booker: User, **overrides: Any) -> Any:
    from portal.models.office_hours import OfficeHourBooking

    values: dict[str, Any] = {"question": "How do I plan my next step?"}
    values.update(overrides)
    row = OfficeHourBooking(slot_id=slot.id, booker_id=booker.id, **values)
    db.session.add(row)
    db.session.commit()
    return row


# --- circles ------------------------------------------------------------------------------


def make_circle(program: Program | None = None, **overrides: Any) -> Any:
    """An approved, active, open circle: a facilitator and three members unless told."""
    from portal.demo.builders import new_circle

    program = program or make_program()
    facilitator = overrides.pop("facilitator", None) or make_user(name=f"Facilitator {_next()}")
    members = overrides.pop("members", None)
    if members is None:
        members = [make_user(name=f"Member {_next()}") for _ in range(3)]
    circle = new_circle(program, facilitator, members, **overrides)
    db.session.commit()
    return circle


def share_with_circle(item: Any, circle: Any, at: Any = None) -> None:
    """Share an entry, practice or goal with a circle at a moment (now unless told), as the
    sharing service writes it, without its checks (tests build histories with it)."""
    from portal.models.circles import (
        EntryCircleAudience,
        GoalCircleAudience,
        PracticeCircleAudience,
    )
    from portal.models.kickoff import Goal
    from portal.models.practice import Practice

    if isinstance(item, JournalEntry):
        row = EntryCircleAudience(entry_id=item.id, circle_id=circle.id)
    elif isinstance(item, Practice):
        row = PracticeCircleAudience(practice_id=item.id, circle_id=circle.id)
    else:
        assert isinstance(item, Goal)
        row = GoalCircleAudience(goal_id=item.id, circle_id=circle.id)
    row.created_at = at or utcnow()
    item.visibility = Visibility.shared
    db.session.add(row)
    db.session.commit()


def leave_circle(circle: Any, user: User, at: Any = None, note: str | None = None) -> None:
    """End the person's current stint in the circle (at a moment, now unless told)."""
    for stint in circle.stints:
        if stint.user_id == user.id and stint.left_at is None:
            stint.left_at = at or utcnow()
            stint.leave_note = note
    db.session.commit()


def share_with_one(item: Any, circle: Any, reader: User, at: Any = None) -> None:
    """Share an entry, practice or goal with one person of a circle at a moment (now unless
    told), as ``sharing.set_private_share`` writes it, without its checks (for histories)."""
    from portal.models.circles import (
        EntryPrivateShare,
        GoalPrivateShare,
        PracticePrivateShare,
    )
    from portal.models.kickoff import Goal
    from portal.models.practice import Practice

    if isinstance(item, JournalEntry):
        row = EntryPrivateShare(entry_id=item.id, reader_id=reader.id, circle_id=circle.id)
    elif isinstance(item, Practice):
        row = PracticePrivateShare(practice_id=item.id, reader_id=reader.id, circle_id=circle.id)
    else:
        assert isinstance(item, Goal)
        row = GoalPrivateShare(goal_id=item.id, reader_id=reader.id, circle_id=circle.id)
    row.created_at = at or utcnow()
    item.visibility = Visibility.shared
    db.session.add(row)
    db.session.commit()


def allow_private_sharing(program: Program, allowed: bool = True) -> None:
    """Switch the programme's "share with one person of a circle" setting."""
    matching = dict(program.matching or {})
    matching["circles"] = {**(matching.get("circles") or {}), "allow_private_sharing": allowed}
    program.matching = matching
    db.session.commit()
