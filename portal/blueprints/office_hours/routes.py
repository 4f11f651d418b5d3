"""Office hours: a mentor's slots, booking with a one-line question, the .ics, cancelling,
saying how it went, rating, and continuing as a pairing. Rules in services/access."""

from __future__ import annotations

from datetime import date, datetime, time

from flask import Response, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from portal.blueprints.office_hours import bp
from portal.core.bounds import EARLIEST_DATE, LATEST_DATE, MAX_DB_INT
from portal.core.errors import FieldError
from portal.core.time import in_zone
from portal.extensions import db
from portal.models import Role, utcnow
from portal.rendering import render
from portal.services import access, office_hours
from portal.services.office_hours import OfficeHoursError, SlotTerms

SLOT_FIELDS = ("day", "start_time", "minutes", "topics", "place")


def _me():
    return current_user._get_current_object()


def _after(raw: str | None) -> tuple[datetime, int] | None:
    """The keyset cursor `<iso start>_<id>`; anything odd is the first page."""
    try:
        stamp, ident = (raw or "").split("_", 1)
        value = datetime.fromisoformat(stamp)
        number = int(ident)
    except ValueError:
        return None
    if not (EARLIEST_DATE <= value.date() <= LATEST_DATE and 0 < number <= MAX_DB_INT):
        return None
    return value.replace(tzinfo=None), number


@bp.get("/")
@login_required
def index():
    programs = office_hours.programs_for(current_user)
    bookings = office_hours.my_bookings(current_user, utcnow())
    return render("office_hours/index.html", programs=programs, bookings=bookings)


@bp.get("/<slug>/")
@login_required
def slots(slug: str):
    program = access.office_hours_program_or_404(current_user, slug)
    now = utcnow()
    topic = (request.args.get("topic") or "")[:60]
    rows = office_hours.upcoming_slots(program, now, topic, _after(request.args.get("after")))
    more = len(rows) > office_hours.PAGE_SIZE
    rows = rows[: office_hours.PAGE_SIZE]
    after = f"{rows[-1][0].starts_at.isoformat()}_{rows[-1][0].id}" if more and rows else None
    is_mentor = office_hours.role_in(program, current_user) is Role.mentor
    return render(
        "office_hours/slots.html",
        "office_hours/_slot_list.html",
        fragment_id="slot-list",
        program=program,
        rows=rows,
        topic=topic,
        after=after,
        is_mentor=is_mentor,
        mine=office_hours.my_slots(program, current_user, now) if is_mentor else [],
        in_zone=in_zone,
    )


@bp.route("/<slug>/slots/new", methods=["GET", "POST"])
@login_required
def new_slot(slug: str):
    program = access.office_hours_program_or_404(current_user, slug)
    if office_hours.role_in(program, current_user) is not Role.mentor:
        abort(404)
    values = {
        k: (request.form.get(k) or "")[:300]
        for k in ("day", "start_time", "minutes", "topics", "place")
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            office_hours.offer(program, _me(), _terms(values), utcnow())
        except FieldError as error:
            db.session.rollback()
            errors[error.field or "day"] = str(error)
        else:
            flash("Your office hour is offered.", "success")
            return redirect(url_for("office_hours.slots", slug=slug), 303)
    return render(
        "office_hours/new_slot.html",
        status=422 if errors else 200,
        program=program,
        values=values,
        errors=errors,
    )


def _terms(values: dict[str, str]) -> SlotTerms:
    try:
        day = date.fromisoformat(values["day"]) if values["day"] else None
    except ValueError:
        raise OfficeHoursError("Enter the date as YYYY-MM-DD.", "day") from None
    if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
        raise OfficeHoursError("Choose a date in the coming months.", "day")
    try:
        start = time.fromisoformat(values["start_time"]) if values["start_time"] else None
    except ValueError:
        raise OfficeHoursError("Enter the time as HH:MM.", "start_time") from None
    minutes = (
        int(values["minutes"])
        if values["minutes"].isdigit() and len(values["minutes"]) < 5
        else None
    )
    return SlotTerms(day, start, minutes, values["topics"], values["place"])


@bp.post("/slots/<int:slot_id>/<action>")
@login_required
def slot_action(slot_id: int, action: str):
    if action not in ("book", "withdraw"):
        abort(404)
    slot = access.office_hour_slot_or_404(current_user, slot_id)
    try:
        if action == "book":
            booking = office_hours.book(slot, _me(), request.form.get("question", ""), utcnow())
        else:
            office_hours.withdraw_slot(slot, _me(), utcnow())
    except FieldError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("office_hours.slots", slug=slot.program.slug), 303)
    if action == "book":
        flash("Booked. The calendar invitation is in your e-mail, and below.", "success")
        return redirect(url_for("office_hours.booking", booking_id=booking.id), 303)
    flash("The slot is withdrawn.", "success")
    return redirect(url_for("office_hours.slots", slug=slot.program.slug), 303)


@bp.get("/bookings/<int:booking_id>")
@login_required
def booking(booking_id: int):
    found = access.booking_or_404(current_user, booking_id)
    slot = found.slot
    return render(
        "office_hours/booking.html",
        booking=found,
        slot=slot,
        local=in_zone(slot.starts_at, current_user.zone),
        mentor_local=in_zone(slot.starts_at, slot.mentor.zone),
        is_booker=found.booker_id == current_user.id,
        ended=slot.ends_at <= utcnow(),
    )


@bp.get("/bookings/<int:booking_id>.ics")
@login_required
def booking_ics(booking_id: int):
    found = access.booking_or_404(current_user, booking_id)
    method = "CANCEL" if found.status.value == "cancelled" else "REQUEST"
    payload = office_hours.ics_bytes(found.slot, found, method, _me())
    return Response(
        payload,
        mimetype="text/calendar",
        headers={"Content-Disposition": "attachment; filename=office-hour.ics"},
    )


@bp.post("/bookings/<int:booking_id>/<action>")
@login_required
def booking_action(booking_id: int, action: str):
    if action not in ("cancel", "outcome", "rate", "continue"):
        abort(404)
    found = access.booking_or_404(current_user, booking_id)
    now = utcnow()
    try:
        if action == "cancel":
            office_hours.cancel(found, _me(), now)
            flash("Called off; the calendar update is on its way to both of you.", "success")
        elif action == "outcome":
            outcome = request.form.get("outcome", "")
            if outcome not in ("held", "missed_booker", "missed_mentor"):
                raise OfficeHoursError("Choose what happened.", "outcome")
            missed_by = None if outcome == "held" else outcome.removeprefix("missed_")
            office_hours.record_outcome(found, _me(), outcome == "held", missed_by, now)
            flash("Thank you, noted.", "success")
        elif action == "rate":
            raw = request.form.get("rating", "")
            office_hours.rate(found, _me(), int(raw) if raw in "12345" and raw else 0, now)
            flash("Thank you for rating.", "success")
        elif office_hours.ask_to_continue(found, _me(), now):
            flash("You both asked: the pairing is made.", "success")
        else:
            flash("Noted. When the other person asks too, you become a pair.", "success")
    except FieldError as error:
        db.session.rollback()
        flash(str(error), "error")
    return redirect(url_for("office_hours.booking", booking_id=booking_id), 303)
