"""`make_<thing>(**overrides)` factories: each builds valid, committed test data."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

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
# argon2 is slow on purpose; the factories share one hash of the default password.
_DEFAULT_HASH = password_hasher.hash(DEFAULT_PASSWORD)
_sequence = itertools.count(1)


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
    user = User(**values)
    if password:
        user.set_password(password)
    else:
        user.password_hash = _DEFAULT_HASH
    db.session.add(user)
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
            db.session.add(
                Membership(
                    user=user,
                    program=program,
                    role=role,
                    profile={},
                    status=MembershipStatus.active,
                )
            )
    values: dict[str, Any] = {"status": PairingStatus.active, "approved_at": utcnow()}
    values.update(overrides)
    pairing = Pairing(program=program, mentor=mentor, mentee=mentee, **values)
    db.session.add(pairing)
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


def make_entry(**overrides: Any) -> JournalEntry:
    """A published journal entry (private unless told otherwise), with optional tags."""
    tags = overrides.pop("tags", [])
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
    return entry


def make_comment(**overrides: Any) -> EntryComment:
    values: dict[str, Any] = {"body": f"A comment {_next()}"}
    values.update(overrides)
    if "entry" not in values and "entry_id" not in values:
        values["entry"] = make_entry()
    if "author" not in values and "author_id" not in values:
        values["author"] = values["entry"].author
    comment = EntryComment(**values)
    db.session.add(comment)
    db.session.commit()
    return comment
