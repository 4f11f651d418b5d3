"""Admin views of background work: a job's progress, the workers, and e-mail that could not
be delivered."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user

from portal.blueprints import guards
from portal.blueprints.admin import bp
from portal.blueprints.admin.common import program_or_404
from portal.models.jobs import BackgroundJob
from portal.models.outbox import OutboxMessage, OutboxStatus
from portal.rendering import render
from portal.services import access
from portal.services.platform import heartbeat, jobs, mail
from portal.services.reminders.kinds import MESSAGE_KINDS


@bp.get("/programs/<slug>/jobs/<int:job_id>")
@guards.programme_work_required
def job(slug: str, job_id: int):
    """A job's progress; the fragment polls itself while the job runs (reload without JS)."""
    program = program_or_404(slug)
    query = access.visible_jobs(current_user).where(BackgroundJob.program_id == program.id)
    record = access.get_visible_or_404(query, job_id, BackgroundJob)
    return render(
        "admin/job.html",
        "admin/_job.html",
        fragment_id="background-job",
        program=program,
        job=record,
        done=jobs.progress(record),
    )


@bp.get("/workers")
@guards.admin_required
def workers():
    """Is the background worker running? Heartbeats, the last periodic run, queue, failures."""
    counts = mail.status_counts()
    return render(
        "admin/workers.html",
        "admin/_workers.html",
        fragment_id="workers",
        workers=heartbeat.status(),
        beat_seconds=heartbeat.seconds(),
        outbox_failed=counts[OutboxStatus.failed],
        outbox_uncertain=counts[OutboxStatus.uncertain],
    )


# What each kind of message is called on the outbox page.
OUTBOX_LABELS = {
    **{key: kind.label for key, kind in MESSAGE_KINDS.items()},
    "invitation": "Invitations to a programme",
    "other": "Account and meeting e-mails",
}


@bp.get("/outbox")
@guards.admin_required
def outbox():
    """Counts by status and by kind, and the messages that failed (recipients and subjects
    only: subjects never quote participants)."""
    return render(
        "admin/outbox.html",
        "admin/_outbox.html",
        fragment_id="outbox",
        counts=mail.status_counts(),
        by_kind=mail.counts_by_kind(),
        held=mail.held_count(),
        labels=OUTBOX_LABELS,
        failed=mail.failed_messages(),
    )


@bp.post("/outbox/<int:message_id>/retry")
@guards.admin_required
def retry_message(message_id: int):
    message = access.get_visible_or_404(
        access.visible_outbox(current_user).where(OutboxMessage.status.in_(mail.RETRYABLE)),
        message_id,
        OutboxMessage,
    )
    mail.retry(message)
    flash(f"The message to {', '.join(message.to)} is queued again.", "success")
    return redirect(url_for("admin.outbox"), 303)
