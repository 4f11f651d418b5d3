"""Admin work: programmes, the enrollment queue, CSV import, matching, approvals, audit log.

Programme set-up is for portal admins (`guards.admin_required`); enrollment, matching,
approval, import, exports and the audit log are also open to a programme's leads
(`guards.programme_work_required`, then `program_or_404` checks the programme). Anyone
else gets 404.
"""

from __future__ import annotations

from flask import (
    request,
)
from flask_login import current_user

from portal.blueprints import guards
from portal.blueprints.admin import bp
from portal.blueprints.admin.common import program_or_404
from portal.rendering import render
from portal.services.dashboard import programs_health
from portal.services.platform import audit
from portal.services.platform.paging import clean_text
from portal.services.programmes import holds, queue


@bp.get("/")
@guards.programme_work_required
def index():
    return render(
        "admin/index.html",
        health=programs_health(current_user),
        queue_size=queue.waiting_count(current_user),
        events=audit.recent(current_user, limit=8),
        undoable=holds.undoable(current_user),
    )


@bp.get("/audit")
@guards.programme_work_required
def audit_log():
    slug = request.args.get("program")
    program = program_or_404(slug) if slug else None
    events, older = audit.log_page(current_user, program, clean_text(request.args.get("older")))
    return render("admin/audit.html", events=events, older=older, program=program)
