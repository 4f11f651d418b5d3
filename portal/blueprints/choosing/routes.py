"""Mentees choose: discovery, requests and answers, a mentor's availability, "did you meet?".

Views are thin: every who-may-see-what rule is in services/access, every decision in
services/choosing. A GET never writes.
"""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from portal.blueprints.choosing import bp
from portal.blueprints.common import today
from portal.core.bounds import EARLIEST_DATE, LATEST_DATE, page_number
from portal.core.errors import FieldError
from portal.core.text import count_words
from portal.extensions import db
from portal.models import Pairing, utcnow
from portal.models.choosing import MentorRequest
from portal.rendering import render
from portal.services import access
from portal.services.choosing import discovery, meet_checks
from portal.services.choosing import requests as choosing

LIST_SIZE = 50


def _me():
    return current_user._get_current_object()


@bp.get("/")
@login_required
def index():
    """Programmes where the user may browse, and their requests sent and received."""
    programs = db.session.scalars(access.browsable_programs(current_user)).all()
    return render("choosing/index.html", programs=programs, **_request_lists())


def _request_lists() -> dict:
    order = (MentorRequest.created_at.desc(), MentorRequest.id.desc())
    sent = access.sent_mentor_requests(current_user).order_by(*order).limit(LIST_SIZE)
    received = access.received_mentor_requests(current_user).order_by(*order).limit(LIST_SIZE)
    return {
        "sent": db.session.scalars(sent).all(),
        "received": db.session.scalars(received).all(),
    }


@bp.get("/<slug>/")
@login_required
def discover(slug: str):
    """The mentors with free places, filtered, with why each one is suggested."""
    program, settings, membership = access.discovery_program_or_404(current_user, slug)
    filters = discovery.Filters.clean(request.args)
    result = discovery.discover(
        program, settings, membership, filters, page_number(request.args.get("page")), today()
    )
    return render(
        "choosing/discover.html",
        "choosing/_mentors.html",
        fragment_id="mentor-list",
        program=program,
        result=result,
        filters=filters,
        pager_args={k: v for k, v in request.args.items() if k != "page" and "\x00" not in v},
    )


@bp.post("/<slug>/mentors/<int:user_id>/request")
@login_required
def send_request(slug: str, user_id: int):
    program, _settings, _membership = access.discovery_program_or_404(current_user, slug)
    try:
        sent = choosing.send(
            program, _me(), user_id, request.form.get("note", ""), utcnow(), today()
        )
    except FieldError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("choosing.discover", slug=slug), 303)
    flash("Your request is on its way. The mentor usually answers within a week.", "success")
    return redirect(url_for("choosing.show_request", request_id=sent.id), 303)


@bp.get("/requests")
@login_required
def requests_list():
    return render("choosing/requests.html", **_request_lists())


@bp.get("/requests/<int:request_id>")
@login_required
def show_request(request_id: int):
    mentor_request = access.mentor_request_or_404(current_user, request_id)
    profile = None
    if access.can_see_requesting_mentee(current_user, mentor_request):
        profile = choosing.requesting_mentee_profile(mentor_request)
    return render(
        "choosing/request.html",
        mentor_request=mentor_request,
        can_answer=access.can_answer_request(current_user, mentor_request),
        can_withdraw=access.can_withdraw_request(current_user, mentor_request),
        show_reply=access.can_read_request_reply(current_user, mentor_request),
        profile=profile,
    )


@bp.post("/requests/<int:request_id>/<answer>")
@login_required
def answer(request_id: int, answer: str):
    if answer not in ("accept", "decline", "withdraw"):
        abort(404)
    mentor_request = access.mentor_request_or_404(current_user, request_id)
    try:
        if answer == "accept":
            accepted = choosing.accept(mentor_request, _me(), utcnow())
            flash(
                "Accepted. The programme team confirms the pairing soon."
                if accepted.awaiting_approval
                else "Accepted. You will both see the pairing on your dashboards shortly.",
                "success",
            )
        elif answer == "decline":
            choosing.decline(mentor_request, _me(), request.form.get("reply", ""), utcnow())
            flash("Declined. The mentee sees your message and other suggestions.", "success")
        else:
            choosing.withdraw(mentor_request, _me(), utcnow())
            flash("Your request is withdrawn.", "success")
    except FieldError as error:
        db.session.rollback()
        flash(str(error), "error")
    return redirect(url_for("choosing.show_request", request_id=request_id), 303)


@bp.route("/<slug>/availability", methods=["GET", "POST"])
@login_required
def availability(slug: str):
    program, membership = access.mentor_program_or_404(current_user, slug)
    absence = choosing.absence_of(membership)
    if request.method == "POST":
        raw = (request.form.get("away_until") or "").strip()
        try:
            away_until = _date_or_none(raw)
            closed = choosing.mark_away(program, _me(), away_until, today(), utcnow())
        except FieldError as error:
            db.session.rollback()
            flash(str(error), "error")
            return render(
                "choosing/availability.html", program=program, absence=absence, raw=raw
            ), 422
        if away_until is None:
            flash("You are listed again for mentees with a free place.", "success")
        else:
            flash(
                f"You are away until {away_until:%-d %B %Y}; "
                f"{count_words(closed, 'waiting request')} declined politely.",
                "success",
            )
        return redirect(url_for("choosing.availability", slug=slug), 303)
    return render("choosing/availability.html", program=program, absence=absence, raw="")


def _date_or_none(raw: str) -> date | None:
    if not raw:
        return None
    try:
        value = date.fromisoformat(raw[:10])
    except ValueError:
        raise choosing.ChoosingError("Enter a date as YYYY-MM-DD.", "away_until") from None
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise choosing.ChoosingError("Choose a date from today up to a year ahead.", "away_until")
    return value


@bp.route("/pairings/<int:pairing_id>/met", methods=["GET", "POST"])
@login_required
def met(pairing_id: int):
    """ "Did you meet?": the link in the e-mail opens this page; the answer is a POST."""
    pairing = db.session.scalar(
        access.readable_pairings(current_user).where(Pairing.id == pairing_id)
    )
    if pairing is None or not access.can_work_in_pairing(current_user, pairing):
        abort(404)
    answered = meet_checks.answer_of(pairing, current_user)
    if request.method == "POST":
        try:
            meet_checks.answer(pairing, _me(), request.form.get("answer", ""), utcnow())
        except FieldError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash("Thank you: your answer helps the programme team.", "success")
        return redirect(url_for("choosing.met", pairing_id=pairing_id), 303)
    partner = pairing.mentor if pairing.mentee_id == current_user.id else pairing.mentee
    return render("choosing/met.html", pairing=pairing, partner=partner, answered=answered)
