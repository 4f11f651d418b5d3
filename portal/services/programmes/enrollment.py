"""Programmes, applications, the enrollment queue and CSV import."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from portal.core.text import count_words
from portal.extensions import db
from portal.models import Membership, MembershipStatus, Program, Role, User, utcnow
from portal.models.enrollment import ProgramQuestion
from portal.models.users import TIME_ZONES, UNUSABLE_PASSWORD
from portal.services import access
from portal.services.accounts import send_invitations
from portal.services.matching.cohort import FORMATS, STYLE_QUESTIONS
from portal.services.platform import audit, jobs
from portal.services.platform.csv_files import open_csv
from portal.services.platform.csv_files import rows as csv_rows
from portal.services.platform.links import path_for
from portal.services.platform.notifications import notify
from portal.services.programmes.holds import new_undo_key
from portal.services.reminders import news

SENIORITY_LEVELS = {
    1: "Early career",
    2: "Experienced individual contributor",
    3: "Senior or team lead",
    4: "Manager",
    5: "Senior manager or director",
    6: "Executive",
}
FORMAT_LABELS = {"in_person": "In person", "remote": "Remote", "either": "Either"}
VALUE_CHOICES = ["growth", "candour", "craft", "balance", "impact", "curiosity", "fairness", "calm"]
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class EnrollmentError(ValueError):
    """A decision that would break a rule; the message says which."""


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:80] or "programme"


def unique_slug(name: str, program: Program | None = None) -> str:
    base = slugify(name)
    slug, n = base, 2
    while True:
        clash = db.session.scalar(select(Program.id).where(Program.slug == slug))
        if clash is None or (program is not None and clash == program.id):
            return slug
        slug, n = f"{base}-{n}", n + 1


def normalise_format(text: str | None) -> str:
    """'In person', 'in-person' and 'in_person' all mean in_person; blank means either."""
    return re.sub(r"[\s-]+", "_", (text or "").strip().lower()) or "either"


def split_list(text: str | None) -> list[str]:
    """'a, b; c' -> ['a', 'b', 'c'] (commas, semicolons or new lines)."""
    return [part.strip() for part in re.split(r"[,;\n]", text or "") if part.strip()]


def questions_for(program: Program) -> list[ProgramQuestion]:
    query = (
        select(ProgramQuestion)
        .where(ProgramQuestion.program_id == program.id)
        .order_by(ProgramQuestion.position, ProgramQuestion.id)
    )
    return list(db.session.scalars(query))


def add_question(program: Program, label: str, audience: str, required: bool, actor: User):
    position = len(questions_for(program))
    question = ProgramQuestion(
        program_id=program.id,
        label=label.strip(),
        audience=audience,
        required=required,
        position=position,
    )
    db.session.add(question)
    audit.record(actor, "program.question_added", f"Added the question “{label[:120]}”", program)
    db.session.commit()
    return question


def remove_question(question: ProgramQuestion, actor: User) -> None:
    audit.record(
        actor,
        "program.question_removed",
        f"Removed the question “{question.label[:120]}”",
        question.program,
    )
    db.session.delete(question)
    db.session.commit()


def my_membership(user: User, program: Program) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.program_id == program.id)
    )


def apply(user: User, program: Program, role: str, profile: dict[str, Any]) -> Membership:
    """Record an application; an admin approves or declines it in the queue."""
    membership = Membership(
        user_id=user.id,
        program_id=program.id,
        role=Role(role),
        status=MembershipStatus.applied,
        profile=profile,
    )
    db.session.add(membership)
    notify(
        user,
        "application",
        f"We received your application to {program.name}.",
        path_for("programs.show", slug=program.slug),
    )
    db.session.commit()
    return membership


# --- the enrollment queue --------------------------------------------------------------


def queue(program: Program | None = None) -> list[Membership]:
    query = (
        select(Membership)
        .options(joinedload(Membership.user), joinedload(Membership.program))
        .where(Membership.status == MembershipStatus.applied)
        .order_by(Membership.created_at, Membership.id)
    )
    if program is not None:
        query = query.where(Membership.program_id == program.id)
    return list(db.session.scalars(query))


def decide(
    membership: Membership,
    approve: bool,
    actor: User,
    commit: bool = True,
    reason: str = "",
    undo_key: str | None = None,
) -> str | None:
    """Approve or decline an application; the applicant is told after the undo window.

    The reason is kept in the audit log for admins; the applicant never sees it.
    Returns the undo key, or None when the application was decided already.
    """
    refusal = access.partner_refusal(membership.user, membership.program) if approve else None
    if refusal:
        # A participant here could be matched: nobody who runs the programme takes part in it.
        raise EnrollmentError(refusal)
    # The decision is claimed by one conditional UPDATE, never by reading the status first:
    # of two tabs deciding at once, the second finds no row still applied and records nothing.
    status = MembershipStatus.active if approve else MembershipStatus.declined
    decided_at = utcnow()
    claimed = db.session.execute(
        update(Membership)
        .where(Membership.id == membership.id, Membership.status == MembershipStatus.applied)
        .values(status=status, decided_at=decided_at)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.refresh(membership)
        return None
    set_committed_value(membership, "status", status)
    set_committed_value(membership, "decided_at", decided_at)
    undo_key = undo_key or new_undo_key()
    program = membership.program
    role = membership.role.value
    if approve:
        message = f"Your application to {program.name} as a {role} was approved."
    else:
        message = f"Your application to {program.name} as a {role} was not accepted this time."
    notify(
        membership.user,
        "application",
        message,
        path_for("programs.show", slug=program.slug),
        hold=undo_key,
    )
    news.tell(
        membership.user,
        "application_decided",
        f"{membership.id}:{undo_key}",
        program=program,
        endpoint="programs.show",
        values={"slug": program.slug},
        context={"approved": approve, "role": role},
        hold=undo_key,
    )
    verb = "Approved" if approve else "Declined"
    detail = {"membership_id": membership.id, "undo": undo_key}
    if reason.strip():
        detail["reason"] = reason.strip()[:500]
    audit.record(
        actor,
        "enrollment.approved" if approve else "enrollment.declined",
        f"{verb} {membership.user.name} as {role}",
        program,
        **detail,
    )
    if commit:
        db.session.commit()
    return undo_key


def decide_many(ids: list[int], approve: bool, actor: User, reason: str = "") -> int:
    """Decide many applications as one decision, undone together."""
    memberships = db.session.scalars(
        select(Membership)
        .options(joinedload(Membership.user), joinedload(Membership.program))
        .where(Membership.id.in_(ids), Membership.status == MembershipStatus.applied)
    ).all()
    if approve:  # people who run the programme stay waiting; see staff_among()
        memberships = [m for m in memberships if access.can_be_partner_in(m.user, m.program)]
    undo_key = new_undo_key()
    done = 0
    for membership in memberships:
        if decide(membership, approve, actor, commit=False, reason=reason, undo_key=undo_key):
            done += 1
    db.session.commit()
    return done


def staff_among(ids: list[int]) -> list[Membership]:
    """The waiting applications, of these, from people who run that programme."""
    memberships = db.session.scalars(
        select(Membership)
        .options(joinedload(Membership.user), joinedload(Membership.program))
        .where(Membership.id.in_(ids), Membership.status == MembershipStatus.applied)
    ).all()
    return [m for m in memberships if not access.can_be_partner_in(m.user, m.program)]


# --- CSV import ------------------------------------------------------------------------

CSV_COLUMNS = [
    "email",
    "name",
    "role",
    "department",
    "seniority",
    "location",
    "timezone",
    "format",
    "values",
    "directness",
    "structure",
    "pace",
    "goals",
    "develop",
    "strengths",
    "capacity",
    "avoid",
    "manager",
]
REQUIRED_COLUMNS = {"email", "name", "role"}
# What each column holds, for the import page's help (one home with the checks below).
CSV_HELP = {
    "email": "Required. The person's work address; their account, or a new one with an invitation.",
    "name": "Required. Their name as colleagues know it.",
    "role": "Required. mentor or mentee.",
    "department": "Any text; the matcher prefers partners from other departments.",
    "seniority": "A whole number from 1 (first role) to 6 (executive); blank if unknown.",
    "location": "Any text, such as a city.",
    "timezone": "A time zone name such as Europe/Berlin or America/New_York; blank means UTC.",
    "format": "in person, remote or either (blank means either).",
    "values": "A list of what matters to them, separated by semicolons.",
    "directness": "direct or gentle (blank if no preference).",
    "structure": "structured or free-flowing (blank if no preference).",
    "pace": "fast or reflective (blank if no preference).",
    "goals": "Mentees: a list of goals, separated by semicolons.",
    "develop": "Mentees: skills to develop, separated by semicolons.",
    "strengths": "Mentors: strengths to offer, separated by semicolons.",
    "capacity": "Mentors: how many mentees, a whole number from 1 to 5 (blank means 1).",
    "avoid": "E-mail addresses of people they should not be paired with, separated by semicolons.",
    "manager": "Their manager's e-mail address: never paired with their own manager.",
}
SAMPLE_ROWS = [
    {
        "email": "ana.lopez@example.org",
        "name": "Ana López",
        "role": "mentor",
        "department": "Finance",
        "seniority": "5",
        "location": "Madrid",
        "timezone": "Europe/Madrid",
        "format": "either",
        "values": "candour; curiosity",
        "directness": "direct",
        "structure": "structured",
        "pace": "reflective",
        "strengths": "leading teams; negotiation",
        "capacity": "2",
    },
    {
        "email": "ben.okafor@example.org",
        "name": "Ben Okafor",
        "role": "mentee",
        "department": "Engineering",
        "seniority": "2",
        "location": "Lagos",
        "timezone": "Africa/Lagos",
        "format": "remote",
        "values": "growth; fairness",
        "directness": "gentle",
        "goals": "lead a small team; speak up in reviews",
        "develop": "delegation; feedback",
        "manager": "chidi.eze@example.org",
    },
]


def sample_csv() -> str:
    """A small import file with every column filled as the checks expect (one mentor, one
    mentee), for the import page's "Download a sample file"."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows([row.get(column, "") for column in CSV_COLUMNS] for row in SAMPLE_ROWS)
    return out.getvalue()


# Rows written per INSERT: far below PostgreSQL's 65,535 parameters and SQLite's limit.
IMPORT_BATCH = 500
MAX_EMAIL_LENGTH = 254


@dataclass
class ImportResult:
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, message)
    created: int = 0  # new accounts, each invited to choose a password
    updated: int = 0  # existing accounts that joined the programme
    skipped: int = 0  # people already in the programme
    invited: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def imported(self) -> int:
        return self.created + self.updated

    def summary(self) -> dict[str, Any]:
        """Counts and line-numbered problems only: safe to keep and show to admins."""
        return {
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "invited": self.invited,
            "errors": [list(e) for e in self.errors[:200]],
            "error_count": len(self.errors),
        }


def _profile_from_row(row: dict[str, str], line: int, errors: list) -> dict[str, Any]:
    def err(message: str) -> None:
        errors.append((line, message))

    role = row.get("role", "").strip().lower()
    profile: dict[str, Any] = {
        "department": row.get("department", "").strip(),
        "location": row.get("location", "").strip(),
        "timezone": row.get("timezone", "").strip() or "UTC",
        "format": normalise_format(row.get("format", "")),
        "values": split_list(row.get("values")),
        "style": {},
        "avoid": [e.lower() for e in split_list(row.get("avoid"))],
    }
    if row.get("manager", "").strip():
        profile["manager"] = row["manager"].strip().lower()
    if profile["timezone"] not in TIME_ZONES:
        err(f"unknown time zone “{profile['timezone']}”")
    if profile["format"] not in FORMATS:
        err("format must be in person, remote or either")
    seniority = row.get("seniority", "").strip() or "0"
    if not seniority.isdigit() or not 0 <= int(seniority) <= 6:
        err("seniority must be a whole number from 1 to 6")
    else:
        profile["seniority"] = int(seniority)
    for question, options in STYLE_QUESTIONS.items():
        answer = row.get(question, "").strip().lower()
        if answer and answer not in options:
            err(f"{question} must be {' or '.join(options)}")
        elif answer:
            profile["style"][question] = answer
    for email in profile["avoid"] + ([profile["manager"]] if "manager" in profile else []):
        if not EMAIL.match(email):
            err(f"“{email}” in avoid/manager is not an e-mail address")
    if role == "mentee":
        profile["goals"] = split_list(row.get("goals"))
        profile["develop"] = split_list(row.get("develop"))
    elif role == "mentor":
        profile["strengths"] = split_list(row.get("strengths"))
        capacity = row.get("capacity", "").strip() or "1"
        if not capacity.isdigit() or not 1 <= int(capacity) <= 5:
            err("capacity must be a whole number from 1 to 5")
        else:
            profile["capacity"] = int(capacity)
    return profile


def _chunks(items: list, size: int = IMPORT_BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing_members(program: Program) -> set[str]:
    return set(
        db.session.scalars(
            select(func.lower(User.email))
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.program_id == program.id)
        )
    )


def _staff_emails(program: Program) -> set[str]:
    """The addresses of the people who run the programme: they are never imported into it."""
    ids = access.program_staff_ids(program.id)
    if not ids:
        return set()
    return set(db.session.scalars(select(func.lower(User.email)).where(User.id.in_(ids))))


def check_csv(program: Program, text: str) -> ImportResult:
    """Check every row first; errors name the file's line number (the header is line 1)."""
    result = ImportResult()
    reader = open_csv(text, REQUIRED_COLUMNS, CSV_COLUMNS, result.errors)
    if reader is None:
        return result
    existing = _existing_members(program)
    staff = _staff_emails(program)
    seen: set[str] = set()
    for line, row in csv_rows(reader, result.errors):
        errors: list[tuple[int, str]] = []
        if any("\x00" in value for value in row.values()):
            errors.append((line, "the line contains a NUL character; remove it and try again"))
            row = {k: v.replace("\x00", "") for k, v in row.items()}
        email = row.get("email", "").strip().lower()
        if len(email) > MAX_EMAIL_LENGTH or not EMAIL.match(email):
            errors.append((line, f"“{email[:80] or '(empty)'}” is not an e-mail address"))
        elif email in seen:
            errors.append((line, f"{email} appears twice in the file"))
        seen.add(email)
        if not row.get("name", "").strip():
            errors.append((line, "the name is empty"))
        if row.get("role", "").strip().lower() not in ("mentor", "mentee"):
            errors.append((line, "role must be mentor or mentee"))
        profile = _profile_from_row(row, line, errors)
        if email in staff:
            errors.append((line, f"{email} runs this programme and cannot take part in it"))
        result.errors.extend(errors)
        if email in existing:
            result.skipped += 1  # already in the programme: a re-upload changes nothing
            continue
        result.rows.append(
            {
                "email": email,
                "name": row.get("name", "").strip()[:120],
                "role": row.get("role", "").strip().lower(),
                "profile": profile,
            }
        )
    if not result.rows and not result.errors and not result.skipped:
        result.errors.append((1, "the file has no participants"))
    return result


def _users_by_email(emails: list[str]) -> dict[str, User]:
    users: dict[str, User] = {}
    for chunk in _chunks(emails):
        users.update(
            (u.email, u) for u in db.session.scalars(select(User).where(User.email.in_(chunk)))
        )
    return users


def import_csv(
    program: Program, text: str, actor: User, report: Callable[[int], None] | None = None
) -> ImportResult:
    """Import every row as an approved participant, or none when any row is wrong.

    New accounts get no password (nobody would know it, and hashing one costs about a third
    of a second): the invitation link lets each person choose their own. Rows are written in
    batches, in one transaction, and `report(rows_done)` is told the progress.
    """
    report = report or (lambda done: None)
    result = check_csv(program, text)
    if not result.ok:
        return result
    try:
        existing = _users_by_email([r["email"] for r in result.rows])
        new_rows = [r for r in result.rows if r["email"] not in existing]
        now = utcnow()
        for done, chunk in enumerate(_chunks(new_rows), start=1):
            db.session.execute(
                insert(User),
                [
                    {
                        "email": r["email"],
                        "name": r["name"],
                        "timezone": r["profile"]["timezone"],
                        "password_hash": UNUSABLE_PASSWORD,
                        "session_version": 1,
                        "is_portal_admin": False,
                        "created_at": now,
                    }
                    for r in chunk
                ],
            )
            report(min(done * IMPORT_BATCH, len(new_rows)) // 2)
        created = _users_by_email([r["email"] for r in new_rows])
        users = {**existing, **created}
        for done, chunk in enumerate(_chunks(result.rows), start=1):
            db.session.execute(
                insert(Membership),
                [
                    {
                        "user_id": users[r["email"]].id,
                        "program_id": program.id,
                        "role": Role(r["role"]),
                        "status": MembershipStatus.active,
                        "profile": r["profile"],
                        "decided_at": now,
                        "created_at": now,
                    }
                    for r in chunk
                ],
            )
            report(len(new_rows) // 2 + min(done * IMPORT_BATCH, len(result.rows)) // 2)
        result.created, result.updated = len(created), len(existing)
        # Queued in this transaction: the invitations go out only if the import commits.
        result.invited = send_invitations(list(created.values()), program)
        audit.record(
            actor,
            "enrollment.imported",
            f"Imported {count_words(result.imported, 'participant')} from CSV "
            f"({result.created} new, {result.updated} existing, {result.skipped} skipped)",
            program,
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result


@jobs.runner("csv_import")
def _run_csv_import(job, report: Callable[[int], None]) -> dict[str, Any]:
    """The worker's side of an upload: import the stored file, reporting rows done."""
    program = db.session.get(Program, job.program_id)
    actor = db.session.get(User, job.started_by_id) if job.started_by_id else None
    return import_csv(program, job.payload or "", actor, report).summary()


def start_import(program: Program, text: str, actor: User) -> tuple[ImportResult, Any]:
    """Check the file now (errors show at once, next to the form); import it on the worker."""
    result = check_csv(program, text)
    if not result.ok:
        return result, None
    job = jobs.start("csv_import", program, actor, total=len(result.rows), payload=text)
    return result, job


# --- programmes ------------------------------------------------------------------------


def save_program(program: Program | None, values: dict[str, Any], actor: User) -> Program:
    creating = program is None
    program = program or Program()
    for key, value in values.items():
        setattr(program, key, value)
    if creating:
        program.slug = unique_slug(program.name)
        db.session.add(program)
        db.session.flush()
    audit.record(
        actor,
        "program.created" if creating else "program.updated",
        f"{'Created' if creating else 'Updated'} {program.name}",
        program,
    )
    db.session.commit()
    return program


def default_dates(today: date) -> dict[str, date]:
    """A new programme starts on the first of next month (never in the past), for a year."""
    starts = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    return {
        "starts_on": starts,
        "ends_on": Program.default_end(starts),
        "enrollment_opens_on": today,
        "enrollment_closes_on": starts - timedelta(days=1),
    }


def pickable_mentors(program: Program) -> list[Membership]:
    """Approved mentors a mentee may rank, when the programme allows self-selection."""
    from portal.services.matching.settings import MatchingSettings

    if not MatchingSettings.from_json(program.matching).self_selection:
        return []
    query = (
        select(Membership)
        .options(joinedload(Membership.user))
        .where(
            Membership.active_in(program.id, Role.mentor),
        )
    )
    staff = access.program_staff_ids(program.id)  # never partners, so never offered
    return [m for m in db.session.scalars(query) if m.user_id not in staff]
