"""A pairing's meeting log, its next meeting date, and the session prep page with its agenda."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from portal.blueprints.common import saving
from portal.blueprints.pairings import bp
from portal.blueprints.pairings.forms import (
    AgendaForm,
    MeetingForm,
    NextMeetingForm,
    blank_meeting_form,
    meeting_values,
)
from portal.core.time import local_today
from portal.extensions import db
from portal.models import Pairing
from portal.models.meetings import AgendaPoint
from portal.rendering import render, wants_fragment
from portal.services import access
from portal.services.pairings import meetings as service
from portal.services.pairings.goals import goals_since
from portal.services.practice import PracticeError

AGENDA_ID = "agenda"
NEXT_ID = "next-meeting"


def _writable_or_403(pairing_id: int) -> Pairing:
    pairing = access.pairing_log_or_404(current_user, pairing_id)
    if not access.can_work_in_pairing(current_user, pairing):
        abort(403)
    return pairing


@bp.get("/")
@login_required
def index():
    """The person's pairings, each with its meeting status."""
    pairings = service.my_pairings(current_user)
    dues = service.meeting_dues(pairings, local_today(current_user), current_user.zone)
    return render("pairings/index.html", pairings=pairings, dues={d.pairing.id: d for d in dues})


def _log_page(pairing: Pairing, status: int = 200, **forms):
    today = local_today(current_user)
    log = service.meeting_log(current_user, pairing, today)
    if "meeting_form" not in forms:
        forms["meeting_form"] = blank_meeting_form(today)
    if "next_form" not in forms:
        forms["next_form"] = NextMeetingForm(
            formdata=None, next_meeting_on=log.plan.next_meeting_on if log.plan else None
        )
    return render(
        "pairings/detail.html",
        "pairings/_next_meeting.html",
        fragment_id=NEXT_ID,
        status=status,
        log=log,
        pairing=pairing,
        today=today,
        can_write=access.can_work_in_pairing(current_user, pairing),
        choices=service.PRACTICE_FOR,
        **forms,
    )


@bp.get("/<int:pairing_id>")
@login_required
def detail(pairing_id: int):
    return _log_page(access.pairing_log_or_404(current_user, pairing_id))


@bp.post("/<int:pairing_id>/next")
@login_required
def next_meeting(pairing_id: int):
    pairing = _writable_or_403(pairing_id)
    form = NextMeetingForm()
    if not form.validate():
        return _log_page(pairing, status=422, next_form=form)
    service.set_next_meeting(pairing, current_user, form.next_meeting_on.data)
    db.session.commit()
    if wants_fragment(NEXT_ID):
        return _log_page(pairing)
    flash("The next meeting date is saved.", "success")
    return redirect(url_for("pairings.detail", pairing_id=pairing.id), 303)


@bp.post("/<int:pairing_id>/meetings")
@login_required
def log_meeting(pairing_id: int):
    """One step after the meeting: log it and turn the chosen agenda points into practices."""
    pairing = _writable_or_403(pairing_id)
    form = MeetingForm()
    if form.validate():
        with saving(form) as saved:
            service.log_meeting(
                pairing,
                current_user,
                **meeting_values(form, request.form),
                today=local_today(current_user),
            )
        if saved:
            flash(_logged(pairing), "success")
            return redirect(url_for("pairings.detail", pairing_id=pairing.id), 303)
    return _log_page(pairing, status=422, meeting_form=form)


def _logged(pairing: Pairing) -> str:
    """Say what happened to the agenda: points still open are on the next meeting's prep."""
    carried = len(service.open_agenda(current_user, pairing))
    if not carried:
        return "The meeting is logged."
    return f"The meeting is logged. {service.carried_over_message(carried)}"


def _prep_page(pairing: Pairing, status: int = 200, agenda_form: AgendaForm | None = None):
    prep = service.prep_for(current_user, pairing, local_today(current_user))
    return render(
        "pairings/prep.html",
        "pairings/_agenda.html",
        fragment_id=AGENDA_ID,
        status=status,
        pairing=pairing,
        prep=prep,
        goals=goals_since(current_user, pairing, prep.since),
        agenda_form=agenda_form or AgendaForm(formdata=None),
        can_write=access.can_work_in_pairing(current_user, pairing),
    )


@bp.get("/<int:pairing_id>/prep")
@login_required
def prep(pairing_id: int):
    return _prep_page(access.pairing_log_or_404(current_user, pairing_id))


@bp.post("/<int:pairing_id>/agenda")
@login_required
def add_agenda_point(pairing_id: int):
    pairing = _writable_or_403(pairing_id)
    form = AgendaForm()
    if form.validate():
        try:
            service.add_agenda_point(pairing, current_user, form.text.data)
            db.session.commit()
            if wants_fragment(AGENDA_ID):
                return _prep_page(pairing)
            return redirect(url_for("pairings.prep", pairing_id=pairing.id), 303)
        except PracticeError as error:
            db.session.rollback()
            form.text.errors.append(str(error))
    return _prep_page(pairing, status=422, agenda_form=form)


@bp.post("/<int:pairing_id>/agenda/<int:point_id>/delete")
@login_required
def remove_agenda_point(pairing_id: int, point_id: int):
    pairing = _writable_or_403(pairing_id)
    point = access.get_visible_or_404(
        access.visible_agenda_points(current_user).where(AgendaPoint.pairing_id == pairing.id),
        point_id,
        AgendaPoint,
    )
    try:
        service.remove_agenda_point(point, current_user)
    except PermissionError:
        abort(403)
    db.session.commit()
    if wants_fragment(AGENDA_ID):
        return _prep_page(pairing)
    return redirect(url_for("pairings.prep", pairing_id=pairing.id), 303)
