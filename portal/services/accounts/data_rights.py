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
from sqlalchemy import Select, delete, exists, func, inspect, null, or_, select, update
from sqlalchemy.exc import IntegrityError

from portal.core.errors import FieldError
from portal.extensions import db
from portal.models import Membership, Notification, Pairing, PairingStatus, User, utcnow
from portal.models.circles import (
    Circle,
    CircleAgendaPoint,
    CircleAgreementSignature,
    CircleAgreementVersion,
    CircleAttendance,
    CircleComment,
    CircleIntroduction,
    CircleMeeting,
    CircleMember,
    CircleReflection,
    EntryCircleAudience,
    EntryPrivateShare,
    GoalCircleAudience,
    GoalPrivateShare,
    PracticeCircleAudience,
    PracticePrivateShare,
)
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
    SurveyCircleAnswer,
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
# Circles follow the same choice: the circle is the partner (docs/data_rights.md).
CIRCLES = (
    "In circles, your introductions, closing reflections and the notes you left for the "
    "programme team are deleted, and you leave every circle you are in. What you shared with "
    "a circle (entries, practices, goals) and your circle comments and agenda points follow "
    "your choice below, as for a partner. That you took part stays as “Former participant”, "
    "so the circle's history and counts stay whole: your stints, meetings you planned and "
    "your attendance, and the circle agreement as it was saved and signed (the others signed "
    "exactly that text). A circle you facilitate stays for its members."
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
    markdown: tuple[str, str] | None = None  # (title key, body key): one .md a row
    more: Callable[[Any], dict[str, Any]] | None = None  # more keys for a row (a circle's theme)
    omit: frozenset[str] = frozenset()  # columns about other people too (a circle's matching)


@dataclass(frozen=True)
class CircleAudience:
    """One way a person's item reaches a circle: a table of (item, circle) rows. A new kind of
    circle audience is one more entry in CIRCLE_AUDIENCES: it is exported (which circles the
    person's items were shared with), counted before erasure, deleted with the items when the
    person chooses "Delete it too", and makes an item "shared" when they choose to keep it."""

    table: type
    item_column: Any  # the audience's column naming the item
    item: type
    owner_column: Any  # the item's column naming its owner

    def rows(self, user_id: int) -> Select:
        return (
            select(self.table)
            .join(self.item, self.item.id == self.item_column)
            .where(self.owner_column == user_id)
        )


CIRCLE_AUDIENCES: list[CircleAudience] = [
    CircleAudience(
        EntryCircleAudience, EntryCircleAudience.entry_id, JournalEntry, JournalEntry.author_id
    ),
    CircleAudience(
        PracticeCircleAudience, PracticeCircleAudience.practice_id, Practice, Practice.owner_id
    ),
    CircleAudience(GoalCircleAudience, GoalCircleAudience.goal_id, Goal, Goal.owner_id),
    # Shared with one person of a circle: the same (item, circle) rows, with that person.
    CircleAudience(
        EntryPrivateShare, EntryPrivateShare.entry_id, JournalEntry, JournalEntry.author_id
    ),
    CircleAudience(
        PracticePrivateShare, PracticePrivateShare.practice_id, Practice, Practice.owner_id
    ),
    CircleAudience(GoalPrivateShare, GoalPrivateShare.goal_id, Goal, Goal.owner_id),
]


def _shared(item: type, pair_audience: tuple[Any, ...]) -> Any:
    """The item is shared with someone: a partner (pair_audience) or any circle audience."""
    columns = list(pair_audience) + [a.item_column for a in CIRCLE_AUDIENCES if a.item is item]
    return or_(*(exists().where(column == item.id) for column in columns))


def _theme(circle_id: int) -> dict[str, Any]:
    return {"circle_theme": db.session.get(Circle, circle_id).theme}


def _signed(signature: CircleAgreementSignature) -> dict[str, Any]:
    version = signature.version
    return {"circle_id": version.agreement.circle_id, "agreement_version": version.version}


def _attended(row: CircleAttendance) -> dict[str, Any]:
    return {"circle_id": row.meeting.circle_id, "starts_at": _plain(row.meeting.starts_at)}


# Circle material: the person's own text and the facts of their own participation; never what
# another member wrote (their comments, introductions, the agreement as others saved it).
CIRCLE_SECTIONS: list[Section] = [
    Section(
        "circles_facilitated.json",
        lambda u: select(Circle).where(Circle.facilitator_id == u.id),
        more=lambda c: {"role": "facilitator"},
        omit=frozenset({"score", "explanation"}),  # the matcher's figures about the group
    ),
    Section(
        "circle_stints.json",
        lambda u: select(CircleMember).where(CircleMember.user_id == u.id),
        more=lambda s: {**_theme(s.circle_id), "role": "member"},
    ),
    *(
        Section(f"{audience.table.__tablename__}.json", lambda u, a=audience: a.rows(u.id))
        for audience in CIRCLE_AUDIENCES
    ),
    Section(
        "circle_introductions",
        lambda u: select(CircleIntroduction).where(CircleIntroduction.user_id == u.id),
        markdown=("circle_theme", "text"),
        more=lambda r: _theme(r.circle_id),
    ),
    Section(
        "circle_reflections",
        lambda u: select(CircleReflection).where(CircleReflection.user_id == u.id),
        markdown=("circle_theme", "text"),
        more=lambda r: _theme(r.circle_id),
    ),
    Section(
        "circle_comments.json",
        lambda u: select(CircleComment).where(CircleComment.author_id == u.id),
    ),
    Section(
        "circle_agenda_points.json",
        lambda u: select(CircleAgendaPoint).where(CircleAgendaPoint.author_id == u.id),
    ),
    Section(
        "circle_agreement_versions",
        lambda u: select(CircleAgreementVersion).where(CircleAgreementVersion.saved_by_id == u.id),
        markdown=("circle_theme", "text"),
        more=lambda v: _theme(v.agreement.circle_id),
    ),
    Section(
        "circle_agreement_signatures.json",
        lambda u: select(CircleAgreementSignature).where(CircleAgreementSignature.user_id == u.id),
        more=_signed,
    ),
    Section(
        "circle_meetings_planned.json",
        lambda u: select(CircleMeeting).where(CircleMeeting.proposed_by_id == u.id),
    ),
    Section(
        "circle_attendance.json",
        lambda u: select(CircleAttendance).where(CircleAttendance.user_id == u.id),
        more=_attended,
    ),
    Section(
        "survey_circle_answers.json",
        lambda u: (
            select(SurveyCircleAnswer).join(SurveyResponse).where(SurveyResponse.user_id == u.id)
        ),
    ),
]


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
    *CIRCLE_SECTIONS,
]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes):
        return None
    return value


def _as_dict(row: Any, section: Section) -> dict[str, Any]:
    data = {
        attr.key: _plain(getattr(row, attr.key))
        for attr in inspect(row).mapper.column_attrs
        if attr.key not in SECRET_COLUMNS and attr.key not in section.omit
    }
    return data | (section.more(row) if section.more else {})


def build_zip(user: User) -> tuple[bytes, dict[str, int]]:
    """The export's bytes, and how many rows each section holds."""
    buffer, counts = io.BytesIO(), {}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for section in SECTIONS:
            rows = list(db.session.scalars(section.rows(user)).unique())
            counts[section.filename] = len(rows)
            dicts = [_as_dict(row, section) for row in rows]
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
        "Circles: your own text and your part in each circle (stints, what you shared with it,",
        "meetings, signatures); what other members wrote is theirs and is not here.",
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
ADMIN_CIRCLES = (
    "In circles, their introductions, closing reflections and notes to the programme team "
    "are deleted, and they leave every circle they are in. What they shared with a circle "
    "(entries, practices, goals) and their circle comments and agenda points follow the "
    "choice below, as for a partner. That they took part stays as “Former participant”: "
    "their stints, meetings they planned, their attendance and the circle agreement as it "
    "was saved and signed. A circle they facilitate stays for its members."
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
    circles: dict[str, int]  # circle_preview: the same kinds erase() reports

    @property
    def circle_phrases(self) -> list[str]:
        return circle_summary(self.circles)


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
        circles=circle_preview(person),
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


@dataclass(frozen=True)
class CircleErasure:
    """One kind of a person's circle rows and what erasure does to it: delete it, or UPDATE it
    with `values` (the row stays, tied to the "Former participant" tombstone). The preview
    counts exactly these rows, so what the page states is what happens."""

    name: str
    model: type
    mine: Callable[[int], Any]  # the where-clause of the person's rows
    values: Callable[[], dict[str, Any]] | None = None  # None: delete
    follows_choice: bool = False  # deleted with "Delete it too", kept with "Keep it"


def _item_of(audience: CircleAudience) -> Callable[[int], Any]:
    return lambda me: audience.item_column.in_(
        select(audience.item.id).where(audience.owner_column == me)
    )


CIRCLE_ERASURE: list[CircleErasure] = [
    # Which circles their items were shared with: go with the items (their FK cascades too).
    *(
        CircleErasure(a.table.__tablename__, a.table, _item_of(a), follows_choice=True)
        for a in CIRCLE_AUDIENCES
    ),
    CircleErasure(
        "circle_comments",
        CircleComment,
        lambda me: CircleComment.author_id == me,
        follows_choice=True,
    ),
    CircleErasure(
        "circle_agenda_points",
        CircleAgendaPoint,
        lambda me: CircleAgendaPoint.author_id == me,
        follows_choice=True,
    ),
    CircleErasure(
        "circle_introductions", CircleIntroduction, lambda me: CircleIntroduction.user_id == me
    ),
    CircleErasure(
        "circle_reflections", CircleReflection, lambda me: CircleReflection.user_id == me
    ),
    CircleErasure(
        "survey_circle_answers",
        SurveyCircleAnswer,
        lambda me: SurveyCircleAnswer.response_id.in_(
            select(SurveyResponse.id).where(SurveyResponse.user_id == me)
        ),
    ),
    CircleErasure(
        "circle_leave_notes",
        CircleMember,
        lambda me: (CircleMember.user_id == me) & CircleMember.leave_note.is_not(None),
        values=lambda: {"leave_note": None},
    ),
    # They leave every circle: a tombstone is no current member (nobody waits for its signature).
    CircleErasure(
        "circle_stints_ended",
        CircleMember,
        lambda me: (CircleMember.user_id == me) & CircleMember.left_at.is_(None),
        values=lambda: {"left_at": utcnow()},
    ),
    # The stints stay (who took part, the circle's counts), without the matcher's reasons.
    CircleErasure(
        "circle_stints",
        CircleMember,
        lambda me: CircleMember.user_id == me,
        values=lambda: {"score": None, "explanation": null()},
    ),
]

# What the pages say about the counts (singular, plural); a kind may share a phrase.
CIRCLE_PHRASES = {
    "circles_facilitated": ("circle facilitated", "circles facilitated"),
    "circle_stints": ("stint in a circle", "stints in circles"),
    "circle_stints_ended": ("current circle membership", "current circle memberships"),
    **{
        a.table.__tablename__: ("item shared with a circle", "items shared with a circle")
        for a in CIRCLE_AUDIENCES
    },
    "circle_comments": ("circle comment", "circle comments"),
    "circle_agenda_points": ("circle agenda point", "circle agenda points"),
    "circle_introductions": ("circle introduction", "circle introductions"),
    "circle_reflections": ("closing reflection on a circle", "closing reflections on circles"),
    "circle_leave_notes": ("note left for the team", "notes left for the team"),
    "survey_circle_answers": ("survey answer about a circle", "survey answers about a circle"),
}


def circle_preview(person: User) -> dict[str, int]:
    """How many rows of each circle kind erasure would touch (and circles they facilitate)."""

    def count(model, where) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(where)) or 0

    counts = {"circles_facilitated": count(Circle, Circle.facilitator_id == person.id)}
    for kind in CIRCLE_ERASURE:
        counts[kind.name] = count(kind.model, kind.mine(person.id))
    return counts


def circle_summary(counts: dict[str, int]) -> list[str]:
    """The non-zero counts as phrases ("2 circle comments"), kinds sharing a phrase summed."""
    totals: dict[tuple[str, str], int] = {}
    for name, phrase in CIRCLE_PHRASES.items():  # in the order of the phrases
        totals[phrase] = totals.get(phrase, 0) + counts.get(name, 0)
    return [f"{n} {one if n == 1 else many}" for (one, many), n in totals.items() if n]


def _erase_circles(me: int, keep_shared: bool, gone: Callable[[str, Any], None]) -> None:
    """Before the person's items go: what they shared with circles goes first, counted."""
    for kind in CIRCLE_ERASURE:
        if kind.follows_choice and keep_shared:
            continue
        where = kind.mine(me)
        if kind.values is None:
            gone(kind.name, delete(kind.model).where(where))
        else:
            gone(kind.name, update(kind.model).where(where).values(**kind.values()))


def erase(user: User, mode: ErasureMode) -> dict[str, int]:
    """Erase one person's data (the caller commits); returns rows removed per kind."""
    me, email, removed = user.id, user.email, {}

    def gone(name: str, statement) -> None:
        removed[name] = db.session.execute(statement).rowcount or 0

    keep_shared = mode is ErasureMode.anonymise
    shared_entry = _shared(JournalEntry, (EntryAudience.entry_id,))
    shared_practice = _shared(Practice, (PracticeAudience.practice_id,))
    _erase_circles(me, keep_shared, gone)
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
