"""A circle's pages for its facilitator and members: the circle, its meetings, agreement,
prep and agenda, comments written in it, introductions, closing; and leaving it
(docs/circles.md)."""

from __future__ import annotations

from flask import flash, make_response, redirect, request, url_for
from flask_login import current_user, login_required

from portal.blueprints.circles import bp
from portal.blueprints.common import today
from portal.models import utcnow
from portal.rendering import render, wants_fragment
from portal.services import surveys
from portal.services.circles import agreement as agreements
from portal.services.circles import meetings, talk
from portal.services.circles import page as circles
from portal.services.circles import prep as preps
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
        introductions=talk.introductions(current_user, circle_page.circle),
        comment_counts=talk.comment_counts(current_user, circle_page.circle),
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


# --- introductions -------------------------------------------------------------------------


@bp.post("/<int:circle_id>/introduction")
@login_required
def save_introduction(circle_id: int):
    text = (request.form.get("text") or "")[: talk.INTRODUCTION_LIMIT + 100]
    try:
        talk.save_introduction(current_user, circle_id, text)
    except talk.TalkError as error:
        return _page(circle_id, 422, intro_error=error, intro_draft=text)
    flash("Your introduction is saved.", "success")
    return redirect(url_for("circles.circle", circle_id=circle_id, _anchor="circle-intros"), 303)


# --- the prep page and the agenda for the next meeting ---------------------------------------

AGENDA_ID = "circle-agenda"


def _prep_page(circle_id: int, status: int = 200, **extra):
    return render(
        "circles/prep.html",
        "circles/_agenda.html",
        fragment_id=AGENDA_ID,
        status=status,
        prep=preps.prep_for(current_user, circle_id),
        **extra,
    )


def _agenda_done(circle_id: int, message: str):
    if wants_fragment(AGENDA_ID):
        return _prep_page(circle_id, announce=message)
    flash(message, "success")
    return redirect(url_for("circles.prep", circle_id=circle_id, _anchor=AGENDA_ID), 303)


@bp.get("/<int:circle_id>/prep")
@login_required
def prep(circle_id: int):
    return _prep_page(circle_id)


@bp.post("/<int:circle_id>/agenda")
@login_required
def add_agenda_point(circle_id: int):
    text = (request.form.get("text") or "")[:400]
    try:
        preps.add_point(current_user, circle_id, text)
    except preps.AgendaError as error:
        return _prep_page(circle_id, 422, agenda_error=error, agenda_draft=text)
    return _agenda_done(circle_id, "The point is on the agenda.")


@bp.post("/<int:circle_id>/agenda/<int:point_id>/delete")
@login_required
def remove_agenda_point(circle_id: int, point_id: int):
    try:
        preps.remove_point(current_user, circle_id, point_id)
    except preps.AgendaError as error:
        return _prep_page(circle_id, 409, agenda_error=error)
    return _agenda_done(circle_id, "The point is off the agenda.")


@bp.post("/<int:circle_id>/agenda/covered")
@login_required
def cover_agenda(circle_id: int):
    meeting = request.form.get("meeting_id") or ""
    covered = {int(v) for v in request.form.getlist("covered") if v.isdecimal() and len(v) < 10}
    try:
        done, carried = preps.cover(
            current_user,
            circle_id,
            int(meeting) if meeting.isdecimal() and len(meeting) < 10 else None,
            covered,
        )
    except preps.AgendaError as error:
        return _prep_page(circle_id, 422, cover_error=error)
    return _agenda_done(circle_id, preps.covered_message(done, carried))


# --- comments written in the circle on a shared entry or practice ----------------------------

THREAD_ID = "circle-thread"


def _thread_page(circle_id: int, kind: str, item_id: int, status: int = 200, **extra):
    return render(
        "circles/thread.html",
        "circles/_thread.html",
        fragment_id=THREAD_ID,
        status=status,
        thread=talk.thread(current_user, circle_id, kind, item_id),
        **extra,
    )


def _comment(circle_id: int, kind: str, item_id: int):
    body = (request.form.get("body") or "")[: talk.COMMENT_LIMIT + 100]
    try:
        talk.add_comment(current_user, circle_id, kind, item_id, body)
    except talk.TalkError as error:
        return _thread_page(circle_id, kind, item_id, 422, error=error, draft=body)
    if wants_fragment(THREAD_ID):
        return _thread_page(circle_id, kind, item_id, announce="Your comment is posted.")
    endpoint = talk.THREAD_ENDPOINTS[kind]
    return redirect(url_for(endpoint, circle_id=circle_id, item_id=item_id, _anchor=THREAD_ID), 303)


@bp.get("/<int:circle_id>/entries/<int:item_id>")
@login_required
def entry_thread(circle_id: int, item_id: int):
    return _thread_page(circle_id, "entries", item_id)


@bp.post("/<int:circle_id>/entries/<int:item_id>/comments")
@login_required
def comment_on_entry(circle_id: int, item_id: int):
    return _comment(circle_id, "entries", item_id)


@bp.get("/<int:circle_id>/practices/<int:item_id>")
@login_required
def practice_thread(circle_id: int, item_id: int):
    return _thread_page(circle_id, "practices", item_id)


@bp.post("/<int:circle_id>/practices/<int:item_id>/comments")
@login_required
def comment_on_practice(circle_id: int, item_id: int):
    return _comment(circle_id, "practices", item_id)
