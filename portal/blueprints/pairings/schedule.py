"""Meet your partner, the agreement, goals and meeting planning, under /pairings/<id>/."""

from __future__ import annotations

from flask import Response, abort, request
from flask_login import current_user, login_required

from portal.blueprints.common import saving
from portal.blueprints.pairings import bp
from portal.blueprints.pairings.common import (
    SCHEDULE_ID,
    done,
    pairing_or_404,
)
from portal.blueprints.pairings.forms import (
    PlannedMeetingForm,
)
from portal.core.time import in_zone, local_today
from portal.extensions import db
from portal.models import Pairing, utcnow
from portal.models.kickoff import PlannedMeeting
from portal.rendering import render
from portal.services import access
from portal.services.pairings import KickoffError
from portal.services.pairings import agreement as agreement_service
from portal.services.pairings import schedule as calendar_service
from portal.services.pairings.next_meeting import next_meeting


def _schedule_page(pairing: Pairing, status: int = 200, form=None, moved=None):
    """The schedule; `moved` is a reschedule form with errors, shown open under its meeting."""
    agreement = agreement_service.agreement_of(pairing)
    defaults = {
        "minutes": agreement.meeting_minutes if agreement else 60,
        "place": agreement.meeting_place if agreement else "",
    }
    meetings = calendar_service.upcoming(current_user, pairing, utcnow())
    move_forms = {m.id: _move_form(m) for m in meetings}
    if moved is not None:
        move_forms[moved[0]] = moved[1]
    return render(
        "pairings/schedule.html",
        "pairings/_schedule.html",
        fragment_id=SCHEDULE_ID,
        status=status,
        pairing=pairing,
        meetings=meetings,
        form=form or PlannedMeetingForm(formdata=None, **defaults),
        move_forms=move_forms,
        can_accept=calendar_service.can_accept,
        in_zone=in_zone,
        can_write=access.can_work_in_pairing(current_user, pairing),
        next_meeting=next_meeting(pairing.id, utcnow(), current_user.zone),
    )


def _move_form(meeting: PlannedMeeting, formdata=None) -> PlannedMeetingForm:
    """A reschedule form for one meeting; its prefix keeps field ids unique on the page."""
    prefix = f"move{meeting.id}"
    if formdata is not None:
        return PlannedMeetingForm(prefix=prefix)
    return PlannedMeetingForm(
        formdata=None, prefix=prefix, minutes=meeting.minutes, place=meeting.place
    )


def _meeting_terms(form: PlannedMeetingForm) -> calendar_service.MeetingTerms:
    return calendar_service.MeetingTerms(
        form.day.data, form.start_time.data, form.minutes.data, form.place.data or ""
    )


@bp.get("/<int:pairing_id>/schedule")
@login_required
def schedule(pairing_id: int):
    return _schedule_page(pairing_or_404(pairing_id))


@bp.post("/<int:pairing_id>/schedule")
@login_required
def propose_meeting(pairing_id: int):
    """Propose a time, in your own time zone; your partner accepts or proposes another."""
    pairing = pairing_or_404(pairing_id, write=True)
    form = PlannedMeetingForm()
    if form.validate():
        with saving(form) as saved:
            calendar_service.propose(pairing, current_user, _meeting_terms(form), utcnow())
        if saved:
            page = lambda: _schedule_page(pairing)  # noqa: E731
            return done(
                "pairings.schedule",
                SCHEDULE_ID,
                page,
                "Your proposal is sent.",
                pairing_id=pairing_id,
            )
    return _schedule_page(pairing, 422, form)


def _meeting(pairing: Pairing, meeting_id: int) -> PlannedMeeting:
    return access.get_visible_or_404(
        access.visible_planned_meetings(current_user).where(
            PlannedMeeting.pairing_id == pairing.id
        ),
        meeting_id,
        PlannedMeeting,
    )


@bp.post("/<int:pairing_id>/schedule/<int:meeting_id>/accept")
@login_required
def accept_meeting(pairing_id: int, meeting_id: int):
    pairing = pairing_or_404(pairing_id, write=True)
    try:
        calendar_service.accept(
            _meeting(pairing, meeting_id), current_user, local_today(current_user)
        )
    except PermissionError:
        abort(403)
    db.session.commit()
    page = lambda: _schedule_page(pairing)  # noqa: E731
    return done(
        "pairings.schedule",
        SCHEDULE_ID,
        page,
        "The meeting is agreed and in both calendars.",
        pairing_id=pairing_id,
    )


@bp.post("/<int:pairing_id>/schedule/<int:meeting_id>/reschedule")
@login_required
def reschedule_meeting(pairing_id: int, meeting_id: int):
    """Propose another time for the same meeting: calendars update it, never duplicate it."""
    pairing = pairing_or_404(pairing_id, write=True)
    meeting = _meeting(pairing, meeting_id)
    form = _move_form(meeting, request.form)
    if form.validate():
        try:
            calendar_service.reschedule(meeting, current_user, _meeting_terms(form), utcnow())
            db.session.commit()
            page = lambda: _schedule_page(pairing)  # noqa: E731
            return done(
                "pairings.schedule",
                SCHEDULE_ID,
                page,
                "Your new time is sent.",
                pairing_id=pairing_id,
            )
        except KickoffError as error:
            db.session.rollback()
            form[error.field].errors.append(str(error))
        except PermissionError:
            abort(403)
    return _schedule_page(pairing, 422, moved=(meeting.id, form))


@bp.post("/<int:pairing_id>/schedule/<int:meeting_id>/cancel")
@login_required
def cancel_meeting(pairing_id: int, meeting_id: int):
    pairing = pairing_or_404(pairing_id, write=True)
    calendar_service.cancel(_meeting(pairing, meeting_id), current_user)
    db.session.commit()
    page = lambda: _schedule_page(pairing)  # noqa: E731
    return done(
        "pairings.schedule", SCHEDULE_ID, page, "The meeting is called off.", pairing_id=pairing_id
    )


@bp.get("/<int:pairing_id>/schedule/<int:meeting_id>.ics")
@login_required
def meeting_ics(pairing_id: int, meeting_id: int):
    """The meeting as an iCalendar invitation (REQUEST, or CANCEL once called off)."""
    meeting = _meeting(pairing_or_404(pairing_id), meeting_id)
    return Response(
        calendar_service.invitation(meeting, current_user),
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="horizon-meeting-{meeting.id}.ics"'},
    )
