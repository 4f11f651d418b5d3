"""Meet your partner, the agreement, goals and meeting planning, under /pairings/<id>/."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from portal.blueprints.kickoff import bp
from portal.blueprints.kickoff.forms import (
    AgreementForm,
    GoalForm,
    LinkPracticeForm,
    MeetingForm,
    RatingForm,
    SignForm,
    TemplateForm,
)
from portal.extensions import db
from portal.models import Pairing, utcnow
from portal.models.kickoff import AGREEMENT_SECTIONS, Goal, PlannedMeeting
from portal.rendering import render, wants_fragment
from portal.services import access
from portal.services.accounts.profiles import is_past, partner_card
from portal.services.pairings import KickoffError
from portal.services.pairings import agreement as agreement_service
from portal.services.pairings import goals as goal_service
from portal.services.pairings import overview as overview_service
from portal.services.pairings import schedule as calendar_service
from portal.services.pairings.next_meeting import next_meeting
from portal.services.practice import local_today

AGREEMENT_ID, GOALS_ID, PROGRESS_ID, SCHEDULE_ID = "agreement", "goals", "goal-progress", "schedule"


def _pairing(pairing_id: int, write: bool = False) -> Pairing:
    """A pairing the current user is a partner in (404 otherwise); writes need it active (403)."""
    pairing = access.kickoff_pairing_or_404(current_user, pairing_id)
    if write and not access.can_work_in_pairing(current_user, pairing):
        abort(403)
    return pairing


def _done(endpoint: str, fragment_id: str, page, message: str, **values):
    """After a good POST: the fragment for htmx, otherwise a flash and a 303 (Post/Redirect/Get)."""
    if wants_fragment(fragment_id):
        return page()
    flash(message, "success")
    return redirect(url_for(endpoint, **values), 303)


# --- meet your partner ----------------------------------------------------------------------


@bp.get("/pairings/<int:pairing_id>/partner")
@login_required
def partner(pairing_id: int):
    """Who the partner is, how to reach them, and what they chose to show."""
    pairing = _pairing(pairing_id)
    return render(
        "kickoff/partner.html",
        pairing=pairing,
        card=partner_card(current_user, pairing),
        steps=None if is_past(pairing) else overview_service.steps_for(current_user, pairing),
    )


# --- the agreement --------------------------------------------------------------------------


def _agreement_form(agreement) -> AgreementForm:
    values = {**agreement.snapshot(), "version": agreement.version}
    return AgreementForm(formdata=None, data=values)


def _agreement_page(
    pairing: Pairing, status: int = 200, form=None, conflict=None, sign_conflict: bool = False
):
    agreement = agreement_service.agreement_or_draft(pairing)
    state = agreement_service.state_of(agreement)
    return render(
        "kickoff/agreement.html",
        "kickoff/_agreement.html",
        fragment_id=AGREEMENT_ID,
        status=status,
        pairing=pairing,
        state=state,
        history=agreement_service.history_changes(state),
        form=form or _agreement_form(agreement),
        sign_form=SignForm(formdata=None, version=state.current.version),
        conflict=conflict,
        sign_conflict=sign_conflict,
        titles=agreement_service.SECTION_TITLES,
        formats=agreement_service.FORMATS,
        can_write=access.can_work_in_pairing(current_user, pairing),
    )


@bp.get("/pairings/<int:pairing_id>/agreement")
@login_required
def agreement(pairing_id: int):
    return _agreement_page(_pairing(pairing_id))


@bp.post("/pairings/<int:pairing_id>/agreement")
@login_required
def save_agreement(pairing_id: int):
    """Save the text; a save based on an older version is a conflict that keeps both texts."""
    pairing = _pairing(pairing_id, write=True)
    form = AgreementForm()
    if not form.validate():
        return _agreement_page(pairing, 422, form)
    agreement = agreement_service.start_agreement(pairing)
    try:
        agreement_service.save_agreement(
            agreement, current_user, _terms(form), _int(form.version.data)
        )
        db.session.commit()
    except KickoffError as error:
        db.session.rollback()
        form[error.field].errors.append(str(error))
        return _agreement_page(pairing, 422, form)
    except agreement_service.AgreementConflict as conflict:
        return _agreement_page(pairing, 409, form, conflict=conflict.agreement)
    page = lambda: _agreement_page(pairing)  # noqa: E731
    return _done(
        "kickoff.agreement", AGREEMENT_ID, page, "The agreement is saved.", pairing_id=pairing_id
    )


def _int(value) -> int | None:
    return int(value) if str(value or "").isdigit() and len(str(value)) < 10 else None


def _terms(form: AgreementForm) -> agreement_service.AgreementTerms:
    return agreement_service.AgreementTerms(
        sections={key: form[key].data or "" for key in AGREEMENT_SECTIONS},
        meeting_minutes=form.meeting_minutes.data,
        meeting_format=form.meeting_format.data,
        meeting_place=form.meeting_place.data or "",
    )


@bp.post("/pairings/<int:pairing_id>/agreement/sign")
@login_required
def sign_agreement(pairing_id: int):
    """Sign the text you read; if it changed meanwhile, read the new text first."""
    pairing = _pairing(pairing_id, write=True)
    agreement = agreement_service.start_agreement(pairing)
    try:
        agreement_service.sign(agreement, current_user, _int(SignForm().version.data))
    except agreement_service.AgreementConflict:
        db.session.rollback()
        return _agreement_page(pairing, 409, sign_conflict=True)
    db.session.commit()
    page = lambda: _agreement_page(pairing)  # noqa: E731
    return _done(
        "kickoff.agreement", AGREEMENT_ID, page, "You signed the agreement.", pairing_id=pairing_id
    )


# --- goals ---------------------------------------------------------------------------------


def _goals_page(pairing: Pairing, status: int = 200, form: GoalForm | None = None):
    return render(
        "kickoff/goals.html",
        "kickoff/_goals.html",
        fragment_id=GOALS_ID,
        status=status,
        pairing=pairing,
        goals=goal_service.goals_of(current_user, pairing),
        form=form or GoalForm(formdata=None),
        can_write=access.can_work_in_pairing(current_user, pairing),
    )


@bp.get("/pairings/<int:pairing_id>/goals")
@login_required
def goals(pairing_id: int):
    return _goals_page(_pairing(pairing_id))


@bp.post("/pairings/<int:pairing_id>/goals")
@login_required
def add_goal(pairing_id: int):
    pairing = _pairing(pairing_id, write=True)
    form = GoalForm()
    if form.validate():
        try:
            goal_service.add_goal(
                pairing,
                current_user,
                title=form.title.data,
                why=form.why.data or "",
                measure=form.measure.data or "",
                visibility=form.visibility.data,
                today=local_today(current_user),
            )
            db.session.commit()
            page = lambda: _goals_page(pairing)  # noqa: E731
            return _done(
                "kickoff.goals", GOALS_ID, page, "The goal is added.", pairing_id=pairing_id
            )
        except KickoffError as error:
            db.session.rollback()
            form[error.field].errors.append(str(error))
    return _goals_page(pairing, 422, form)


def _goal(pairing: Pairing, goal_id: int, edit: bool = False) -> Goal:
    goal = access.get_visible_or_404(
        access.visible_goals(current_user).where(Goal.pairing_id == pairing.id), goal_id, Goal
    )
    if edit and not (
        access.can_edit_goal(current_user, goal)
        and access.can_work_in_pairing(current_user, pairing)
    ):
        abort(403)
    return goal


def _goal_page(pairing: Pairing, goal: Goal, status: int = 200, **forms):
    detail = goal_service.goal_detail(current_user, goal)
    link_form = forms.pop("link_form", None) or LinkPracticeForm(formdata=None)
    link_form.practice_id.choices = [
        (p.id, p.title) for p in goal_service.linkable_practices(current_user, goal)
    ]
    return render(
        "kickoff/goal.html",
        "kickoff/_goal_progress.html",
        fragment_id=PROGRESS_ID,
        status=status,
        pairing=pairing,
        detail=detail,
        points=goal_service.progress_points(detail.ratings),
        rating_form=forms.get("rating_form")
        or RatingForm(formdata=None, progress=goal.progress.value),
        edit_form=forms.get("edit_form")
        or GoalForm(formdata=None, obj=goal, visibility=goal.visibility.value),
        link_form=link_form,
        can_edit=access.can_edit_goal(current_user, goal)
        and access.can_work_in_pairing(current_user, pairing),
    )


@bp.get("/pairings/<int:pairing_id>/goals/<int:goal_id>")
@login_required
def goal(pairing_id: int, goal_id: int):
    pairing = _pairing(pairing_id)
    return _goal_page(pairing, _goal(pairing, goal_id))


@bp.post("/pairings/<int:pairing_id>/goals/<int:goal_id>/rate")
@login_required
def rate_goal(pairing_id: int, goal_id: int):
    pairing = _pairing(pairing_id, write=True)
    goal = _goal(pairing, goal_id, edit=True)
    form = RatingForm()
    if form.validate():
        try:
            goal_service.rate_goal(
                goal, form.progress.data, form.note.data or "", local_today(current_user)
            )
            db.session.commit()
            page = lambda: _goal_page(pairing, goal)  # noqa: E731
            return _done(
                "kickoff.goal",
                PROGRESS_ID,
                page,
                "Progress noted.",
                pairing_id=pairing_id,
                goal_id=goal_id,
            )
        except KickoffError as error:
            db.session.rollback()
            form[error.field].errors.append(str(error))
    return _goal_page(pairing, goal, 422, rating_form=form)


@bp.post("/pairings/<int:pairing_id>/goals/<int:goal_id>/edit")
@login_required
def edit_goal(pairing_id: int, goal_id: int):
    pairing = _pairing(pairing_id, write=True)
    goal = _goal(pairing, goal_id, edit=True)
    form = GoalForm()
    if form.validate():
        try:
            goal_service.edit_goal(
                goal,
                title=form.title.data,
                why=form.why.data or "",
                measure=form.measure.data or "",
                visibility=form.visibility.data,
            )
            db.session.commit()
            flash("The goal is saved.", "success")
            return redirect(url_for("kickoff.goal", pairing_id=pairing_id, goal_id=goal_id), 303)
        except KickoffError as error:
            db.session.rollback()
            form[error.field].errors.append(str(error))
    return _goal_page(pairing, goal, 422, edit_form=form)


@bp.post("/pairings/<int:pairing_id>/goals/<int:goal_id>/practices")
@login_required
def link_practice(pairing_id: int, goal_id: int):
    """Say that one of your own practices serves this goal."""
    pairing = _pairing(pairing_id, write=True)
    goal = _goal(pairing, goal_id, edit=True)
    form = LinkPracticeForm()
    try:
        goal_service.link_practice(goal, current_user, _int(request.form.get("practice_id")))
    except KickoffError as error:
        db.session.rollback()
        form.practice_id.errors = [str(error)]
        return _goal_page(pairing, goal, 422, link_form=form)
    db.session.commit()
    flash("The practice now serves this goal.", "success")
    return redirect(url_for("kickoff.goal", pairing_id=pairing_id, goal_id=goal_id), 303)


@bp.post("/pairings/<int:pairing_id>/goals/<int:goal_id>/practices/<int:practice_id>/delete")
@login_required
def unlink_practice(pairing_id: int, goal_id: int, practice_id: int):
    pairing = _pairing(pairing_id, write=True)
    goal = _goal(pairing, goal_id, edit=True)
    try:
        goal_service.unlink_practice(goal, current_user, practice_id)
    except PermissionError:
        abort(404)
    db.session.commit()
    flash("The practice no longer serves this goal.", "success")
    return redirect(url_for("kickoff.goal", pairing_id=pairing_id, goal_id=goal_id), 303)


# --- planning meetings -------------------------------------------------------------------------


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
        "kickoff/schedule.html",
        "kickoff/_schedule.html",
        fragment_id=SCHEDULE_ID,
        status=status,
        pairing=pairing,
        meetings=meetings,
        form=form or MeetingForm(formdata=None, **defaults),
        move_forms=move_forms,
        can_accept=calendar_service.can_accept,
        in_zone=calendar_service.in_zone,
        can_write=access.can_work_in_pairing(current_user, pairing),
        next_meeting=next_meeting(pairing.id, utcnow(), current_user.zone),
    )


def _move_form(meeting: PlannedMeeting, formdata=None) -> MeetingForm:
    """A reschedule form for one meeting; its prefix keeps field ids unique on the page."""
    prefix = f"move{meeting.id}"
    if formdata is not None:
        return MeetingForm(prefix=prefix)
    return MeetingForm(formdata=None, prefix=prefix, minutes=meeting.minutes, place=meeting.place)


def _meeting_terms(form: MeetingForm) -> calendar_service.MeetingTerms:
    return calendar_service.MeetingTerms(
        form.day.data, form.start_time.data, form.minutes.data, form.place.data or ""
    )


@bp.get("/pairings/<int:pairing_id>/schedule")
@login_required
def schedule(pairing_id: int):
    return _schedule_page(_pairing(pairing_id))


@bp.post("/pairings/<int:pairing_id>/schedule")
@login_required
def propose_meeting(pairing_id: int):
    """Propose a time, in your own time zone; your partner accepts or proposes another."""
    pairing = _pairing(pairing_id, write=True)
    form = MeetingForm()
    if form.validate():
        try:
            calendar_service.propose(pairing, current_user, _meeting_terms(form), utcnow())
            db.session.commit()
            page = lambda: _schedule_page(pairing)  # noqa: E731
            return _done(
                "kickoff.schedule",
                SCHEDULE_ID,
                page,
                "Your proposal is sent.",
                pairing_id=pairing_id,
            )
        except KickoffError as error:
            db.session.rollback()
            form[error.field].errors.append(str(error))
    return _schedule_page(pairing, 422, form)


def _meeting(pairing: Pairing, meeting_id: int) -> PlannedMeeting:
    return access.get_visible_or_404(
        access.visible_planned_meetings(current_user).where(
            PlannedMeeting.pairing_id == pairing.id
        ),
        meeting_id,
        PlannedMeeting,
    )


@bp.post("/pairings/<int:pairing_id>/schedule/<int:meeting_id>/accept")
@login_required
def accept_meeting(pairing_id: int, meeting_id: int):
    pairing = _pairing(pairing_id, write=True)
    try:
        calendar_service.accept(
            _meeting(pairing, meeting_id), current_user, local_today(current_user)
        )
    except PermissionError:
        abort(403)
    db.session.commit()
    page = lambda: _schedule_page(pairing)  # noqa: E731
    return _done(
        "kickoff.schedule",
        SCHEDULE_ID,
        page,
        "The meeting is agreed and in both calendars.",
        pairing_id=pairing_id,
    )


@bp.post("/pairings/<int:pairing_id>/schedule/<int:meeting_id>/reschedule")
@login_required
def reschedule_meeting(pairing_id: int, meeting_id: int):
    """Propose another time for the same meeting: calendars update it, never duplicate it."""
    pairing = _pairing(pairing_id, write=True)
    meeting = _meeting(pairing, meeting_id)
    form = _move_form(meeting, request.form)
    if form.validate():
        try:
            calendar_service.reschedule(meeting, current_user, _meeting_terms(form), utcnow())
            db.session.commit()
            page = lambda: _schedule_page(pairing)  # noqa: E731
            return _done(
                "kickoff.schedule",
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


@bp.post("/pairings/<int:pairing_id>/schedule/<int:meeting_id>/cancel")
@login_required
def cancel_meeting(pairing_id: int, meeting_id: int):
    pairing = _pairing(pairing_id, write=True)
    calendar_service.cancel(_meeting(pairing, meeting_id), current_user)
    db.session.commit()
    page = lambda: _schedule_page(pairing)  # noqa: E731
    return _done(
        "kickoff.schedule", SCHEDULE_ID, page, "The meeting is called off.", pairing_id=pairing_id
    )


@bp.get("/pairings/<int:pairing_id>/schedule/<int:meeting_id>.ics")
@login_required
def meeting_ics(pairing_id: int, meeting_id: int):
    """The meeting as an iCalendar invitation (REQUEST, or CANCEL once called off)."""
    meeting = _meeting(_pairing(pairing_id), meeting_id)
    return Response(
        calendar_service.invitation(meeting, current_user),
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="horizon-meeting-{meeting.id}.ics"'},
    )


# --- the programme team: the template, and whether and when (never what) --------------------------


@bp.route("/admin/programs/<slug>/agreement", methods=["GET", "POST"])
@access.admin_required
def agreement_template(slug: str):
    """The programme's agreement template, which every new pair starts from."""
    program = access.visible_program_by_slug(current_user, slug)
    form = (
        TemplateForm()
        if request.method == "POST"
        else TemplateForm(formdata=None, data=agreement_service.template_for(program))
    )
    if request.method == "POST" and form.validate():
        agreement_service.save_template(
            program, {k: form[k].data or "" for k in form.data if k != "csrf_token"}
        )
        db.session.commit()
        flash("The agreement template is saved. New pairs start from it.", "success")
        return redirect(url_for("kickoff.agreement_template", slug=slug), 303)
    status = 422 if request.method == "POST" else 200
    return render("kickoff/template.html", status=status, program=program, form=form)


@bp.get("/admin/programs/<slug>/kickoff")
@access.admin_required
def overview(slug: str):
    """Per pair: signed on <date> or not yet, how many goals, when they next meet."""
    program = access.visible_program_by_slug(current_user, slug)
    rows = overview_service.program_overview(current_user, program, utcnow())
    return render("kickoff/overview.html", program=program, rows=rows)
