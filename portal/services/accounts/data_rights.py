"""People's data rights (GDPR articles 15, 17 and 20): download my data, delete my account.

Download: `request_export` records a queued export; the worker builds a zip of everything
Horizon holds about the person (JSON, and Markdown for what they wrote), keeps it in the
database for EXPORT_TTL_DAYS (web and worker may share no disk), then tells them by
notification and e-mail. The e-mail holds a link to the signed-in page, never a token.
Only what the person wrote or what is about them goes in: never a partner's text.

Delete: `request_erasure` schedules erasure after ERASURE_GRACE_DAYS and signs the person out
everywhere; until then they may sign in and cancel. `erase_due_accounts` carries it out.
The user row is never deleted: pairings refer to it with ON DELETE CASCADE, so deleting it
would take the partner's history (meetings, their goals and agenda in that pairing) with it.
The row becomes a tombstone ("Former participant", an address that cannot receive mail, a
password that matches nothing) and the person's own data goes, table by table. What they
shared with a partner follows the mode they chose (see STATEMENT).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any

from flask import current_app
from flask_mailman import EmailMessage
from huey import crontab
from sqlalchemy import Select, delete, exists, func, inspect, or_, select, update
from sqlalchemy.exc import IntegrityError

from portal.core.errors import FieldError
from portal.extensions import db
from portal.models import Membership, Notification, Pairing, PairingStatus, User, utcnow
from portal.models.data_rights import (
    DataExport,
    ErasureMode,
    ErasureRequest,
    ErasureStatus,
    ExportStatus,
)
from portal.models.guide import (
    ClosingReflection,
    GuideDispatch,
    MeetingRating,
    ReminderPreference,
    SurveyResponse,
)
from portal.models.insights import OutcomeRecord
from portal.models.journal import EntryAudience, EntryComment, JournalEntry
from portal.models.kickoff import Goal, GoalRating, PartnerProfile
from portal.models.meetings import AgendaPoint, Meeting
from portal.models.outbox import OutboxMessage
from portal.models.practice import CheckIn, Practice, PracticeAudience, PracticeComment
from portal.models.sessions import UserSession
from portal.services.platform import audit, leases, notifications
from portal.services.platform.heartbeat import process_name
from portal.services.platform.mail import external_url, send_email
from portal.tasks import periodic_task, task

FORMER = "Former participant"

STATEMENT = {
    ErasureMode.remove: (
        "What you shared with a partner is deleted too: they no longer see your shared "
        "entries, practices, goals, agenda points, comments or meeting notes. Their own "
        "entries, comments and meeting records stay; their comments on your deleted entries "
        "go with those entries."
    ),
    ErasureMode.anonymise: (
        "What you shared with a partner stays readable for them, shown as written by "
        "“Former participant”; your private entries and practices are deleted."
    ),
}
ALWAYS = (
    "Your private entries and drafts, practices you kept to yourself, reflections, survey "
    "answers and comments, your profile, application answers, reminders and notifications "
    "are deleted. Programme reports keep counts only, never your name."
)


class DataRightsError(FieldError):
    """A request that cannot be made (wrong password, one already pending)."""


# --- Download my data -------------------------------------------------------------------

# Never exported, whoever's row it is: secrets, and what an admin wrote about the pairing.
SECRET_COLUMNS = {"password_hash", "search_vector", "session_version", "feed_token", "end_reason"}


@dataclass(frozen=True)
class Section:
    filename: str
    rows: Callable[[User], Select]
    markdown: tuple[str, str] | None = None  # (title attribute, body attribute): one .md a row


SECTIONS: list[Section] = [
    Section("profile.json", lambda u: select(User).where(User.id == u.id)),
    Section(
        "partner_profile.json",
        lambda u: select(PartnerProfile).where(PartnerProfile.user_id == u.id),
    ),
    Section("memberships.json", lambda u: select(Membership).where(Membership.user_id == u.id)),
    Section(
        "pairings.json",
        lambda u: select(Pairing).where(or_(Pairing.mentor_id == u.id, Pairing.mentee_id == u.id)),
    ),
    Section(
        "journal",
        lambda u: select(JournalEntry).where(JournalEntry.author_id == u.id),
        markdown=("title", "body"),
    ),
    Section("comments.json", lambda u: select(EntryComment).where(EntryComment.author_id == u.id)),
    Section(
        "practices",
        lambda u: select(Practice).where(Practice.owner_id == u.id),
        markdown=("title", "action"),
    ),
    Section(
        "check_ins.json", lambda u: select(CheckIn).join(Practice).where(Practice.owner_id == u.id)
    ),
    Section(
        "practice_comments.json",
        lambda u: select(PracticeComment).where(PracticeComment.author_id == u.id),
    ),
    Section("goals.json", lambda u: select(Goal).where(Goal.owner_id == u.id)),
    Section(
        "goal_ratings.json", lambda u: select(GoalRating).join(Goal).where(Goal.owner_id == u.id)
    ),
    Section(
        "agenda_points.json", lambda u: select(AgendaPoint).where(AgendaPoint.author_id == u.id)
    ),
    Section(
        "reflections.json",
        lambda u: select(ClosingReflection).where(ClosingReflection.user_id == u.id),
    ),
    Section(
        "survey_answers.json",
        lambda u: select(SurveyResponse).where(SurveyResponse.user_id == u.id),
    ),
    Section(
        "meeting_ratings.json", lambda u: select(MeetingRating).where(MeetingRating.user_id == u.id)
    ),
    Section(
        "reminder_preferences.json",
        lambda u: select(ReminderPreference).where(ReminderPreference.user_id == u.id),
    ),
    Section(
        "notifications.json", lambda u: select(Notification).where(Notification.user_id == u.id)
    ),
]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes):
        return None
    return value


def _as_dict(row: Any) -> dict[str, Any]:
    return {
        attr.key: _plain(getattr(row, attr.key))
        for attr in inspect(row).mapper.column_attrs
        if attr.key not in SECRET_COLUMNS
    }


def build_zip(user: User) -> tuple[bytes, dict[str, int]]:
    """The export's bytes, and how many rows each section holds."""
    buffer, counts = io.BytesIO(), {}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for section in SECTIONS:
            rows = list(db.session.scalars(section.rows(user)).unique())
            counts[section.filename] = len(rows)
            dicts = [_as_dict(row) for row in rows]
            if section.markdown:
                title_attr, body_attr = section.markdown
                for data in dicts:
                    front = "\n".join(
                        f"{key}: {json.dumps(value)}"
                        for key, value in data.items()
                        if key not in (title_attr, body_attr)
                    )
                    text = f"---\n{front}\n---\n# {data[title_attr]}\n\n{data[body_attr] or ''}\n"
                    archive.writestr(f"{section.filename}/{data['id']}.md", text)
                archive.writestr(f"{section.filename}.json", json.dumps(dicts, indent=2))
            else:
                archive.writestr(section.filename, json.dumps(dicts, indent=2))
        archive.writestr("README.md", _readme(counts))
    return buffer.getvalue(), counts


def _readme(counts: dict[str, int]) -> str:
    lines = [
        "# Your data in Horizon",
        "",
        "Everything Horizon holds about you, as JSON (and Markdown for what you wrote).",
        "What your partners wrote is theirs and is not here; pairings list dates and ids.",
        "",
    ]
    lines += [f"- {name}: {n}" for name, n in counts.items()]
    return "\n".join(lines) + "\n"


def request_export(user: User) -> DataExport:
    """Queue a new export (one in the making at a time); the worker builds it."""
    export = DataExport(user_id=user.id)
    db.session.add(export)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise DataRightsError("Your data is being gathered already.") from None
    build_export(export.id)
    return export


def exports_of(user: User) -> list[DataExport]:
    """The person's exports, newest first (without their bytes)."""
    return list(
        db.session.scalars(
            select(DataExport).where(DataExport.user_id == user.id).order_by(DataExport.id.desc())
        )
    )


@task(retries=2, retry_delay=30)
def build_export(export_id: int) -> str:
    """Build the zip, store it, and tell the person it is ready (notification and e-mail).

    Built under a lease (platform/leases.py): a worker killed while building leaves the export
    queued with a lease that runs out, and the sweeper gives it to another worker.
    """
    attempt = leases.claim(DataExport, export_id, ExportStatus.queued, process_name())
    if attempt is None:  # finished, failed, or another worker builds it now
        return "skipped"
    try:
        return _build(export_id, attempt)
    except leases.LeaseLost:
        db.session.rollback()
        return "lost"
    except Exception:
        db.session.rollback()  # give the lease back at once: Huey's retry may claim it
        db.session.execute(
            update(DataExport)
            .where(DataExport.id == export_id, DataExport.attempts == attempt)
            .values(leased_by=None, lease_until=None)
        )
        db.session.commit()
        raise


def _build(export_id: int, attempt: int) -> str:
    export = db.session.get(DataExport, export_id)
    user = db.session.get(User, export.user_id)
    content, _ = build_zip(user)
    now = utcnow()
    leases.fence(
        DataExport,
        export_id,
        ExportStatus.queued,
        attempt,
        status=ExportStatus.ready,
        content=content,
        size=len(content),
        finished_at=now,
        expires_at=now + timedelta(days=current_app.config["EXPORT_TTL_DAYS"]),
    )
    link = external_url("profile.data")
    notifications.notify(user, "data_export", "Your data is ready to download.", "/profile/data")
    send_email(
        EmailMessage(
            subject="Your Horizon data is ready",
            body=(
                f"Hello {user.name},\n\nthe copy of your data you asked for is ready. Sign in "
                f"and download it here within {current_app.config['EXPORT_TTL_DAYS']} days:\n"
                f"{link}\n"
            ),
            to=[user.email],
        ),
        key=f"data-export:{export_id}",
    )
    db.session.commit()
    return "ready"


leases.register(
    leases.LeasedWork(
        model=DataExport,
        held_status=ExportStatus.queued,
        requeue={},
        fail=lambda attempts: {
            "status": ExportStatus.failed,
            "error": leases.stopped_reason(attempts),
            "finished_at": utcnow(),
        },
        enqueue=build_export,
    )
)


@periodic_task(crontab(minute="23", hour="3"))
def forget_expired_exports() -> int:
    """Daily: delete exports past their expiry (and exports that never finished in a week)."""
    now = utcnow()
    removed = db.session.execute(
        delete(DataExport).where(
            or_(DataExport.expires_at < now, DataExport.requested_at < now - timedelta(days=7))
        )
    ).rowcount
    db.session.commit()
    return removed or 0


# --- Delete my account --------------------------------------------------------------------


def pending_erasure(user: User) -> ErasureRequest | None:
    return db.session.scalar(
        select(ErasureRequest).where(
            ErasureRequest.user_id == user.id, ErasureRequest.status == ErasureStatus.pending
        )
    )


def request_erasure(
    user: User, mode: str, *, password: str | None = None, admin: User | None = None
) -> ErasureRequest:
    """Schedule erasure after the grace period and sign the person out everywhere.

    The person confirms with their password; an admin acting for them is audited (ids only).
    The caller commits.
    """
    try:
        chosen = ErasureMode(mode)
    except ValueError:
        raise DataRightsError("Choose what happens to what you shared.", "mode") from None
    if admin is None and not user.check_password(password or ""):
        raise DataRightsError("That is not your password.", "password")
    if pending_erasure(user) is not None:
        raise DataRightsError("Deleting this account is scheduled already.")
    grace = timedelta(days=current_app.config["ERASURE_GRACE_DAYS"])
    request = ErasureRequest(
        user_id=user.id,
        requested_by_id=admin.id if admin else None,
        mode=chosen,
        due_at=utcnow() + grace,
    )
    db.session.add(request)
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    user.session_version = (user.session_version or 0) + 1  # also ends password links
    if admin is not None:
        audit.record(
            admin, "account.erasure_requested", "Erasure scheduled", user_id=user.id, mode=mode
        )
    try:
        db.session.flush()
    except IntegrityError:  # a second tab at the same moment: the unique index refused it
        db.session.rollback()
        raise DataRightsError("Deleting this account is scheduled already.") from None
    return request


def cancel_erasure(user: User) -> bool:
    """Cancel a pending erasure (a conditional UPDATE: a finished one stays done)."""
    cancelled = db.session.execute(
        update(ErasureRequest)
        .where(ErasureRequest.user_id == user.id, ErasureRequest.status == ErasureStatus.pending)
        .values(status=ErasureStatus.cancelled)
    ).rowcount
    db.session.commit()
    return bool(cancelled)


@periodic_task(crontab(minute="17"))
def erase_due_accounts() -> int:
    """Hourly: carry out erasures whose grace period has passed, each in one transaction."""
    due = list(
        db.session.scalars(
            select(ErasureRequest.id).where(
                ErasureRequest.status == ErasureStatus.pending, ErasureRequest.due_at <= utcnow()
            )
        )
    )
    db.session.rollback()
    done = 0
    for request_id in due:
        claimed = db.session.execute(
            update(ErasureRequest)
            .where(
                ErasureRequest.id == request_id,
                ErasureRequest.status == ErasureStatus.pending,
            )
            .values(status=ErasureStatus.done, done_at=utcnow())
        ).rowcount
        if not claimed:  # cancelled meanwhile, or another worker took it
            db.session.rollback()
            continue
        request = db.session.get(ErasureRequest, request_id)
        removed = erase(db.session.get(User, request.user_id), request.mode)
        audit.record(None, "account.erased", "Account erased", user_id=request.user_id, **removed)
        db.session.commit()  # the claim and the erasure together: all or nothing
        done += 1
    return done


# --- An admin erases a person (a request made to the privacy office) ----------------------

ADMIN_STEPS = (
    "They are signed out everywhere at once and can no longer sign in.",
    "Their applications and memberships are withdrawn, so no queue or matching run sees them. "
    "An active pairing ends the way an admin ends one: the partner is told it ended, never why.",
    "Their data is erased at once, without the grace period a person's own request has. "
    "This cannot be undone.",
)


# The same outcomes as STATEMENT and ALWAYS, told to the admin about the person.
ADMIN_STATEMENT = {
    ErasureMode.remove: (
        "What they shared with a partner is deleted too: the partner no longer sees their "
        "shared entries, practices, goals, agenda points, comments or meeting notes. The "
        "partner's own entries, comments and meeting records stay; the partner's comments on "
        "the deleted entries go with those entries."
    ),
    ErasureMode.anonymise: (
        "What they shared with a partner stays readable for the partner, shown as written by "
        "“Former participant”; their private entries and practices are deleted."
    ),
}
ADMIN_ALWAYS = (
    "Their private entries and drafts, practices they kept to themselves, reflections, survey "
    "answers and comments, profile, application answers, reminders and notifications are "
    "deleted. Programme reports keep counts only, never their name."
)


@dataclass(frozen=True)
class ErasurePreview:
    """What an erasure would touch, in counts (an admin sees counts, never text)."""

    entries: int
    shared_entries: int
    practices: int
    active_pairings: int
    memberships: int
    pending: ErasureRequest | None


def erasure_preview(person: User) -> ErasurePreview:
    def count(query) -> int:
        return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0

    involved = or_(Pairing.mentor_id == person.id, Pairing.mentee_id == person.id)
    return ErasurePreview(
        entries=count(select(JournalEntry.id).where(JournalEntry.author_id == person.id)),
        shared_entries=count(
            select(JournalEntry.id)
            .where(JournalEntry.author_id == person.id)
            .where(exists().where(EntryAudience.entry_id == JournalEntry.id))
        ),
        practices=count(select(Practice.id).where(Practice.owner_id == person.id)),
        active_pairings=count(
            select(Pairing.id).where(involved, Pairing.status == PairingStatus.active)
        ),
        memberships=count(select(Membership.id).where(Membership.user_id == person.id)),
        pending=pending_erasure(person),
    )


def erase_for(person: User, mode: str, typed_email: str, admin: User) -> dict[str, int]:
    """An admin erases a person now: switched off as a leaver is, then erased; commits.

    Confirmed by typing the person's address. Under a row lock on the person, so two admins
    (or the hourly job) never erase twice. The audit line holds ids and counts, no text.
    """
    from portal.services.accounts.deactivation import deactivate

    try:
        chosen = ErasureMode(mode)
    except ValueError:
        raise DataRightsError("Choose what happens to what they shared.", "mode") from None
    typed = User.normalise_email(typed_email or "")
    if not typed or typed != person.email:
        raise DataRightsError("Type the person's e-mail address exactly to confirm.", "email")
    locked = db.session.scalar(
        select(User)
        .where(User.id == person.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if locked is None or locked.erased_at is not None:
        db.session.rollback()
        raise DataRightsError("This account has been erased already.")
    ended = deactivate(locked, action="account.erased", audited=False)
    now = utcnow()
    pending = pending_erasure(locked)
    if pending is not None:  # the person had asked: their request is the one carried out
        pending.status, pending.done_at, pending.mode = ErasureStatus.done, now, chosen
        pending.requested_by_id = admin.id
    else:
        db.session.add(
            ErasureRequest(
                user_id=locked.id,
                requested_by_id=admin.id,
                mode=chosen,
                due_at=now,
                status=ErasureStatus.done,
                done_at=now,
            )
        )
    removed = erase(locked, chosen)
    audit.record(
        admin,
        "account.erased",
        "Account erased by an admin",
        user_id=locked.id,
        mode=chosen.value,
        **ended,
        **removed,
    )
    db.session.commit()
    return {**ended, **removed}


def erase(user: User, mode: ErasureMode) -> dict[str, int]:
    """Erase one person's data (the caller commits); returns rows removed per kind."""
    me, email, removed = user.id, user.email, {}

    def gone(name: str, statement) -> None:
        removed[name] = db.session.execute(statement).rowcount or 0

    keep_shared = mode is ErasureMode.anonymise
    shared_entry = exists().where(EntryAudience.entry_id == JournalEntry.id)
    shared_practice = exists().where(PracticeAudience.practice_id == Practice.id)
    gone(
        "entries",
        delete(JournalEntry).where(
            JournalEntry.author_id == me, ~shared_entry if keep_shared else True
        ),
    )
    gone(
        "practices",
        delete(Practice).where(Practice.owner_id == me, ~shared_practice if keep_shared else True),
    )
    if not keep_shared:
        gone("comments", delete(EntryComment).where(EntryComment.author_id == me))
        gone("practice_comments", delete(PracticeComment).where(PracticeComment.author_id == me))
        gone("goals", delete(Goal).where(Goal.owner_id == me))
        gone("agenda_points", delete(AgendaPoint).where(AgendaPoint.author_id == me))
        gone("meeting_notes", update(Meeting).where(Meeting.logged_by_id == me).values(notes=""))
    for name, model in (
        ("survey_responses", SurveyResponse),
        ("meeting_ratings", MeetingRating),
        ("reflections", ClosingReflection),
        ("partner_profile", PartnerProfile),
        ("reminder_preferences", ReminderPreference),
        ("notifications", Notification),
        ("dispatches", GuideDispatch),
        ("sessions", UserSession),
        ("exports", DataExport),
    ):
        gone(name, delete(model).where(model.user_id == me))
    gone(
        "application_answers", update(Membership).where(Membership.user_id == me).values(profile={})
    )
    gone("hr_records", delete(OutcomeRecord).where(OutcomeRecord.email == email))
    # The outbox keeps recipients as JSON: matched here, over this person's address only.
    ids = [
        i for i, to in db.session.execute(select(OutboxMessage.id, OutboxMessage.to)) if email in to
    ]
    gone("emails", delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))
    user.email, user.name = f"erased-{me}@invalid", FORMER
    user.password_hash = "!"  # noqa: S105  matches no password (User.check_password)
    user.session_version = (user.session_version or 0) + 1
    user.timezone, user.last_login_at, user.erased_at = "UTC", None, utcnow()
    db.session.flush()
    return removed
