"""Programmes, applications, the enrollment queue and CSV import."""

from __future__ import annotations

import csv
import io
import re
import secrets
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import Membership, MembershipStatus, Program, Role, User, utcnow
from portal.models.enrollment import ProgramQuestion
from portal.models.users import TIME_ZONES
from portal.services import audit
from portal.services.accounts import send_password_links
from portal.services.matching.cohort import FORMATS, STYLE_QUESTIONS
from portal.services.notifications import notify

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
        f"/programs/{program.slug}",
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


def queue_size(program: Program | None = None) -> int:
    """How many applications wait, counted on an index without loading a row."""
    query = select(func.count(Membership.id)).where(Membership.status == MembershipStatus.applied)
    if program is not None:
        query = query.where(Membership.program_id == program.id)
    return db.session.scalar(query) or 0


def decide(membership: Membership, approve: bool, actor: User, commit: bool = True) -> None:
    """Approve or decline an application and tell the applicant."""
    if membership.status is not MembershipStatus.applied:
        return
    membership.status = MembershipStatus.active if approve else MembershipStatus.declined
    membership.decided_at = utcnow()
    program = membership.program
    role = membership.role.value
    if approve:
        message = f"Your application to {program.name} as a {role} was approved."
    else:
        message = f"Your application to {program.name} as a {role} was not accepted this time."
    notify(membership.user, "application", message, f"/programs/{program.slug}")
    verb = "Approved" if approve else "Declined"
    audit.record(
        actor,
        "enrollment.approved" if approve else "enrollment.declined",
        f"{verb} {membership.user.name} as {role}",
        program,
        membership_id=membership.id,
    )
    if commit:
        db.session.commit()


def decide_many(ids: list[int], approve: bool, actor: User) -> int:
    memberships = db.session.scalars(
        select(Membership)
        .options(joinedload(Membership.user), joinedload(Membership.program))
        .where(Membership.id.in_(ids), Membership.status == MembershipStatus.applied)
    ).all()
    for membership in memberships:
        decide(membership, approve, actor, commit=False)
    db.session.commit()
    return len(memberships)


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


@dataclass
class ImportResult:
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, message)
    imported: int = 0
    invited: int = 0  # new accounts sent a link to choose their password

    @property
    def ok(self) -> bool:
        return not self.errors


def _profile_from_row(row: dict[str, str], line: int, errors: list) -> dict[str, Any]:
    def err(message: str) -> None:
        errors.append((line, message))

    role = row.get("role", "").strip().lower()
    profile: dict[str, Any] = {
        "department": row.get("department", "").strip(),
        "location": row.get("location", "").strip(),
        "timezone": row.get("timezone", "").strip() or "UTC",
        "format": row.get("format", "").strip().lower() or "either",
        "values": split_list(row.get("values")),
        "style": {},
        "avoid": [e.lower() for e in split_list(row.get("avoid"))],
    }
    if row.get("manager", "").strip():
        profile["manager"] = row["manager"].strip().lower()
    if profile["timezone"] not in TIME_ZONES:
        err(f"unknown time zone “{profile['timezone']}”")
    if profile["format"] not in FORMATS:
        err(f"format must be one of {', '.join(FORMATS)}")
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


def check_csv(program: Program, text: str) -> ImportResult:
    """Check every row first; errors name the file's line number (the header is line 1)."""
    result = ImportResult()
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = REQUIRED_COLUMNS - set(header)
    if missing:
        result.errors.append((1, f"missing column(s): {', '.join(sorted(missing))}"))
        return result
    unknown = set(header) - set(CSV_COLUMNS)
    if unknown:
        result.errors.append((1, f"unknown column(s): {', '.join(sorted(unknown))}"))
    reader.fieldnames = header
    existing = set(
        db.session.scalars(
            select(func.lower(User.email))
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.program_id == program.id)
        )
    )
    seen: set[str] = set()
    for row in reader:
        line = reader.line_num
        row = {k: (v or "") for k, v in row.items() if k}
        errors: list[tuple[int, str]] = []
        email = row.get("email", "").strip().lower()
        if not EMAIL.match(email):
            errors.append((line, f"“{email or '(empty)'}” is not an e-mail address"))
        elif email in seen:
            errors.append((line, f"{email} appears twice in the file"))
        elif email in existing:
            errors.append((line, f"{email} is already in this programme"))
        seen.add(email)
        if not row.get("name", "").strip():
            errors.append((line, "the name is empty"))
        if row.get("role", "").strip().lower() not in ("mentor", "mentee"):
            errors.append((line, "role must be mentor or mentee"))
        profile = _profile_from_row(row, line, errors)
        result.errors.extend(errors)
        result.rows.append(
            {
                "email": email,
                "name": row.get("name", "").strip()[:120],
                "role": row.get("role", "").strip().lower(),
                "profile": profile,
            }
        )
    if not result.rows and not result.errors:
        result.errors.append((1, "the file has no participants"))
    return result


def import_csv(program: Program, text: str, actor: User) -> ImportResult:
    """Import every row as an approved participant, or none when any row is wrong."""
    result = check_csv(program, text)
    if not result.ok:
        return result
    created: list[User] = []
    try:
        users = {
            u.email: u
            for u in db.session.scalars(
                select(User).where(User.email.in_([r["email"] for r in result.rows]))
            )
        }
        for row in result.rows:
            user = users.get(row["email"])
            if user is None:
                user = User(
                    email=row["email"], name=row["name"], timezone=row["profile"]["timezone"]
                )
                # Nobody knows this password: the invitation lets them choose their own.
                user.set_password(secrets.token_urlsafe(24))
                db.session.add(user)
                created.append(user)
            db.session.add(
                Membership(
                    user=user,
                    program_id=program.id,
                    role=Role(row["role"]),
                    status=MembershipStatus.active,
                    profile=row["profile"],
                    decided_at=utcnow(),
                )
            )
        audit.record(
            actor,
            "enrollment.imported",
            f"Imported {len(result.rows)} participants from CSV",
            program,
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    result.imported = len(result.rows)
    # After the commit: the invitation links carry the new accounts' ids.
    result.invited = send_password_links(created, invitation=True)
    return result


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
    starts = today.replace(day=1)
    return {"starts_on": starts, "ends_on": Program.default_end(starts)}


def pickable_mentors(program: Program) -> list[Membership]:
    """Approved mentors a mentee may rank, when the programme allows self-selection."""
    from portal.services.matching.settings import MatchingSettings

    if not MatchingSettings.from_json(program.matching).self_selection:
        return []
    query = (
        select(Membership)
        .options(joinedload(Membership.user))
        .where(
            Membership.program_id == program.id,
            Membership.role == Role.mentor,
            Membership.status == MembershipStatus.active,
        )
    )
    return list(db.session.scalars(query))


def profile_from_form(form, questions: list[ProgramQuestion]) -> dict[str, Any]:
    """The application's answers in the profile schema the matcher reads."""
    role = form.role.data
    profile: dict[str, Any] = {
        "department": form.department.data.strip(),
        "seniority": int(form.seniority.data),
        "location": form.location.data.strip(),
        "timezone": form.timezone.data,
        "format": form.format.data,
        "values": list(form.values.data or []),
        "style": {q: form[f"style_{q}"].data for q in STYLE_QUESTIONS},
        "avoid": [e.lower() for e in split_list(form.avoid.data)],
    }
    if form.manager.data and form.manager.data.strip():
        profile["manager"] = form.manager.data.strip().lower()
    if role == "mentee":
        profile["goals"] = split_list(form.goals.data)
        profile["develop"] = split_list(form.develop.data)
        picks = [form[f"pick_{r}"].data for r in (1, 2, 3) if f"pick_{r}" in form]
        profile["picks"] = [int(p) for p in picks if p and p.isdigit()]
    else:
        profile["strengths"] = split_list(form.strengths.data)
        profile["capacity"] = int(form.capacity.data or 1)
    answers = {q.key: (form[q.key].data or "").strip() for q in questions if q.asks(role)}
    if answers:
        profile["answers"] = answers
    return profile
