"""A circle's page for its facilitator and members, and leaving it (docs/circles.md)."""

from __future__ import annotations

from flask import flash, make_response, redirect, request, url_for
from flask_login import current_user, login_required

from portal.blueprints.circles import bp
from portal.blueprints.common import today
from portal.models import utcnow
from portal.rendering import render
from portal.services import surveys
from portal.services.circles import agreement as agreements
from portal.services.circles import meetings
from portal.services.circles import page as circles
from portal.services.circles import review as reviews


def _page(circle_id: int, status: int = 200, **extra):
    circle_page = circles.circle_page(current_user, circle_id)
    planned = meetings.meetings_of(current_user, circle_page.circle)
    return render(
        "circles/circle.html",
        "circles/_circle.html",
        fragment_id="circle",
        status=status,
        circle_page=circle_page,
        planned=[(m, meetings.local_times(circle_page.circle, m)) for m in planned],
        agreement=agreements.state_for(current_user, circle_page.circle),
        survey_round=surveys.open_for_circle(current_user, circle_page.circle, today()),
        now=utcnow(),
        **extra,
    )


@bp.get("/<int:circle_id>")
@login_required
def circle(circle_id: int):
    return _page(circle_id)


@bp.post("/<int:circle_id>/leave")
@login_required
def leave(circle_id: int):
    note = request.form.get("note", "")
    if request.form.get("confirm") != "yes":
        return _page(circle_id, leaving=True, note=note[: circles.NOTE_LIMIT])
    try:
        circles.leave(current_user, circle_id, note)
    except circles.CircleError as error:
        return _page(circle_id, 422, leaving=True, note=note[: circles.NOTE_LIMIT], error=error)
    flash("You left the circle. What was shared while you were in it stays with you.", "success")
    return redirect(url_for("circles.circle", circle_id=circle_id), 303)


def _terms(form) -> meetings.MeetingTerms:
    """The meeting form's values; anything unreadable becomes None (the service says why)."""
    from datetime import date, time

    def parse(kind, text):
        try:
            return kind.fromisoformat((text or "").strip()[:10])
        except ValueError:
            return None

    minutes = (form.get("minutes") or "").strip()
    return meetings.MeetingTerms(
        parse(date, form.get("day")),
        parse(time, form.get("start_time")),
        int(minutes) if minutes.isdecimal() and len(minutes) < 5 else None,
        (form.get("place") or "")[:400],
    )


@bp.post("/<int:circle_id>/meetings")
@login_required
def plan_meeting(circle_id: int):
    try:
        meetings.plan(current_user, circle_id, _terms(request.form))
    except meetings.MeetingError as error:
        return _page(circle_id, 422, meeting_error=error, meeting_form=request.form)
    flash("Meeting planned; everyone in the circle can add it to their calendar.", "success")
    return redirect(url_for("circles.circle", circle_id=circle_id), 303)


@bp.get("/<int:circle_id>/meetings/<int:meeting_id>.ics")
@login_required
def meeting_ics(circle_id: int, meeting_id: int):
    meeting = meetings.meeting_or_404(current_user, circle_id, meeting_id)
    response = make_response(meetings.invitation(meeting))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8; method=REQUEST"
    response.headers["Content-Disposition"] = f'attachment; filename="circle-{meeting.id}.ics"'
    return response


@bp.post("/<int:circle_id>/meetings/<int:meeting_id>/attendance")
@login_required
def attendance(circle_id: int, meeting_id: int):
    meeting = meetings.meeting_or_404(current_user, circle_id, meeting_id)
    came = set()
    for value in request.form.getlist("attended"):
        if value.isdecimal() and len(value) < 11:
            came.add(int(value))
    try:
        count = meetings.record_attendance(current_user, meeting, came)
    except meetings.MeetingError as error:
        return _page(circle_id, 422, attendance_error=error)
    flash(f"Attendance recorded: {count} came.", "success")
    return redirect(url_for("circles.circle", circle_id=circle_id), 303)


def _agreement_page(circle_id: int, status: int = 200, **extra):
    return render(
        "circles/agreement.html",
        "circles/_agreement.html",
        fragment_id="circle-agreement",
        status=status,
        state=agreements.agreement_page(current_user, circle_id),
        **extra,
    )


def _version(form) -> int | None:
    value = (form.get("version") or "").strip()
    return int(value) if value.isdecimal() and len(value) < 10 else None


@bp.get("/<int:circle_id>/agreement")
@login_required
def agreement(circle_id: int):
    return _agreement_page(circle_id)


@bp.post("/<int:circle_id>/agreement")
@login_required
def save_agreement(circle_id: int):
    text = (request.form.get("text") or "")[: agreements.TEXT_LIMIT + 100]
    try:
        agreements.save(current_user, circle_id, text, _version(request.form))
    except agreements.AgreementError as error:
        return _agreement_page(circle_id, 422, error=error, draft=text)
    except agreements.AgreementConflict:
        return _agreement_page(circle_id, 409, error=agreements.CONFLICT, draft=text)
    flash("Agreement saved. Everyone in the circle signs the new version.", "success")
    return redirect(url_for("circles.agreement", circle_id=circle_id), 303)


@bp.post("/<int:circle_id>/agreement/sign")
@login_required
def sign_agreement(circle_id: int):
    try:
        agreements.sign(current_user, circle_id, _version(request.form))
    except agreements.AgreementError as error:
        return _agreement_page(circle_id, 422, sign_error=error)
    except agreements.AgreementConflict:
        return _agreement_page(circle_id, 409, sign_error=agreements.CONFLICT)
    flash("You signed the circle's agreement.", "success")
    return redirect(url_for("circles.agreement", circle_id=circle_id), 303)


def _review_page(circle_id: int, status: int = 200, **extra):
    return render(
        "circles/review.html",
        "circles/_review.html",
        fragment_id="circle-review",
        status=status,
        review=reviews.review_of(current_user, circle_id),
        **extra,
    )


@bp.get("/<int:circle_id>/review")
@login_required
def review(circle_id: int):
    return _review_page(circle_id)


@bp.post("/<int:circle_id>/reflection")
@login_required
def save_reflection(circle_id: int):
    text = (request.form.get("text") or "")[: reviews.REFLECTION_LIMIT + 100]
    shared = request.form.get("shared") == "yes"
    try:
        reviews.save_reflection(current_user, circle_id, text, shared)
    except reviews.ReflectionError as error:
        return _review_page(circle_id, 422, error=error, draft=text, draft_shared=shared)
    flash("Your reflection is saved.", "success")
    return redirect(url_for("circles.review", circle_id=circle_id), 303)
