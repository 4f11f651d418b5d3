"""Programme insights: pair health, analytics, ROI.

A programme's pages are for portal admins and that programme's leads
(`guards.programme_work_required`, then `program_or_404` answers 404 for a programme the
person does not run); the all-programmes pages are for portal admins only. Every page shows
dates, kinds, counts and rates, never text a participant wrote.
"""

from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, redirect, request, url_for
from flask_login import current_user

from portal.blueprints import guards
from portal.blueprints.admin import bp, ending
from portal.blueprints.admin.forms import EndForm, MessageForm, NudgeForm, OutcomesForm
from portal.extensions import db
from portal.models import Program
from portal.rendering import render, wants_fragment
from portal.services import access
from portal.services import matching as matcher
from portal.services.insights import analytics, charts, pair_page, roi
from portal.services.insights.exports import to_csv
from portal.services.insights.health import FORMULA, STATUS_LABELS
from portal.services.insights.pairs import SORTS, PairFilters, csv_chunks, pair_list

PAIR_LIST_ID = "pair-list"


PAIR_ACTIONS_ID = "pair-actions"


@bp.context_processor
def _health_formula() -> dict:
    """The health formula's numbers, from their one home, for "How is this computed?"."""
    return {"health_formula": FORMULA}


def _insights_program(slug: str):
    """The programme of an insight page: portal admins any, a lead their own; else 404."""
    return access.insights_program_by_slug(current_user, slug[:80])


def _csv(text: str, filename: str) -> Response:
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/programs/<slug>/pairs")
@guards.programme_work_required
def pairs(slug: str):
    program = _insights_program(slug)
    filters = PairFilters.from_args(request.args)
    return render(
        "admin/insights/pairs.html",
        "admin/insights/_pairs.html",
        fragment_id=PAIR_LIST_ID,
        program=program,
        filters=filters,
        listing=pair_list(program, filters, date.today()),
        statuses=STATUS_LABELS,
        sorts=SORTS,
    )


@bp.get("/programs/<slug>/pairs.csv")
@guards.programme_work_required
def pairs_csv(slug: str):
    program = _insights_program(slug)
    # Rows are read from SQL a few hundred at a time; the file is sent whole, inside the request
    # (a streamed body would outlive the request's database session).
    chunks = csv_chunks(program, PairFilters.from_args(request.args), date.today())
    return _csv("".join(chunks), f"{program.slug}-pairs.csv")


def _pair_page(program: Program, pairing_id: int, status: int = 200, **forms):
    pairing = access.insights_pairing_or_404(current_user, program, pairing_id)
    return render(
        "admin/insights/pair.html",
        "admin/insights/_pair_actions.html",
        fragment_id=PAIR_ACTIONS_ID,
        status=status,
        program=program,
        pairing=pairing,
        row=pair_page.pair_health(pairing, date.today()),
        events=pair_page.timeline(pairing),
        nudge_form=forms.get("nudge_form") or NudgeForm(formdata=None),
        message_form=forms.get("message_form") or MessageForm(formdata=None),
        end_form=forms.get("end_form") or EndForm(formdata=None),
    )


@bp.get("/programs/<slug>/pairs/<int:pairing_id>")
@guards.programme_work_required
def pair(slug: str, pairing_id: int):
    return _pair_page(_insights_program(slug), pairing_id)


@bp.post("/programs/<slug>/pairs/<int:pairing_id>/<action>")
@guards.programme_work_required
def pair_action(slug: str, pairing_id: int, action: str):
    program = _insights_program(slug)
    pairing = access.insights_pairing_or_404(current_user, program, pairing_id)
    forms = {"nudge": NudgeForm, "message": MessageForm, "end": EndForm, "rematch": EndForm}
    if action not in forms:
        abort(404)
    form = forms[action]()
    if action in ("end", "rematch"):
        return _end(program, pairing, action, form)
    key = f"{action}_form"
    if not form.validate_on_submit():
        return _pair_page(program, pairing_id, status=422, **{key: form})
    try:
        done = _act(pairing, action, form)
    except (pair_page.ActionError, matcher.MatchingError) as error:
        form.form_errors.append(str(error))
        return _pair_page(program, pairing_id, status=422, **{key: form})
    flash(done, "success")
    if wants_fragment(PAIR_ACTIONS_ID):
        return _pair_page(program, pairing_id)
    return redirect(url_for("admin.pair", slug=slug, pairing_id=pairing_id), 303)


def _end(program: Program, pairing, action: str, form):
    """Ending (and re-matching) goes through the shared confirm page, with the reason."""
    urls = {
        a: url_for("admin.pair_action", slug=program.slug, pairing_id=pairing.id, action=a)
        for a in ("end", "rematch")
    }
    back = url_for("admin.pair", slug=program.slug, pairing_id=pairing.id)
    if request.form.get("confirm") != "yes":
        if not form.validate_on_submit():
            return _pair_page(program, pairing.id, status=422, end_form=form)
        return ending.confirm_page(
            pairing, urls[action], back, reason=form.reason.data, rematch_url=urls["rematch"]
        )

    def end(reason: str) -> str:
        if not form.validate_on_submit():
            raise ValueError(" ".join(form.reason.errors) or "Say why the pairing ends.")
        return _act(pairing, action, form)

    if action == "rematch":
        back = url_for("admin.matching", slug=program.slug)
    return ending.confirmed(pairing, urls[action], back, end, rematch_url=urls["rematch"])


def _act(pairing, action: str, form) -> str:
    names = f"{pairing.mentee.name} and {pairing.mentor.name}"
    if action == "nudge":
        pair_page.nudge(pairing, current_user)
        return f"Nudged {names}."
    if action == "message":
        pair_page.message(pairing, current_user, form.message.data)
        return f"Sent your message to {names}."
    pair_page.resolve_concerns(pairing, current_user)
    matcher.end_pairing(pairing, form.reason.data, current_user, commit=False)
    db.session.commit()
    if action == "rematch":
        return f"Ended {names}. Propose a new mentor for {pairing.mentee.name} below."
    return f"Ended {names}."


def _programs(slug: str | None) -> tuple[Program | None, list[Program]]:
    if slug is None:
        query = access.visible_programs(current_user).order_by(Program.starts_on)
        return None, list(db.session.scalars(query))
    program = _insights_program(slug)
    return program, [program]


def _analytics_page(slug: str | None):
    program, programs = _programs(slug)
    if program is None:
        csv_url = lambda key: url_for("admin.all_figure_csv", key=key)  # noqa: E731
        svg_url = lambda key: url_for("admin.all_figure_svg", key=key)  # noqa: E731
    else:
        csv_url = lambda key: url_for("admin.program_figure_csv", slug=slug, key=key)  # noqa: E731
        svg_url = lambda key: url_for("admin.program_figure_svg", slug=slug, key=key)  # noqa: E731
    return render(
        "admin/insights/analytics.html",
        program=program,
        report=analytics.build(programs, date.today(), scope_id=program.id if program else None),
        statuses=STATUS_LABELS,
        today=date.today(),
        csv_url=csv_url,
        svg_url=svg_url,
    )


def _figure(slug: str | None, key: str):
    if key not in analytics.ALL_FIGURES:
        abort(404)
    program, programs = _programs(slug)
    scope_id = program.id if program else None
    figure = analytics.build(programs, date.today(), only=key, scope_id=scope_id).figures.get(key)
    if figure is None:
        abort(404)
    return figure


def _svg(figure) -> Response:
    response = Response(charts.svg(figure), mimetype="image/svg+xml")
    # pygal styles its SVG inline; as an <img> it runs no script, so only styles are allowed.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@bp.get("/programs/<slug>/analytics")
@guards.programme_work_required
def program_analytics(slug: str):
    return _analytics_page(slug)


@bp.get("/analytics")
@guards.admin_required
def all_analytics():
    return _analytics_page(None)


@bp.get("/programs/<slug>/analytics/<key>.csv")
@guards.programme_work_required
def program_figure_csv(slug: str, key: str):
    return _csv(_figure(slug, key).csv(), f"{slug}-{key}.csv")


@bp.get("/programs/<slug>/analytics/<key>.svg")
@guards.programme_work_required
def program_figure_svg(slug: str, key: str):
    return _svg(_figure(slug, key))


@bp.get("/analytics/<key>.csv")
@guards.admin_required
def all_figure_csv(key: str):
    return _csv(_figure(None, key).csv(), f"all-programmes-{key}.csv")


@bp.get("/analytics/<key>.svg")
@guards.admin_required
def all_figure_svg(key: str):
    return _svg(_figure(None, key))


@bp.get("/programs/<slug>/roi")
@guards.programme_work_required
def roi_page(slug: str):
    program = _insights_program(slug)
    comparison = roi.compare(program, date.today())
    inputs = roi.CostInputs.from_args(request.args)
    return render(
        "admin/insights/roi.html",
        program=program,
        comparison=comparison,
        inputs=inputs,
        estimate=roi.estimate(comparison, inputs),
        status=422 if inputs.errors else 200,
        min_to_conclude=roi.MIN_TO_CONCLUDE,
    )


@bp.get("/programs/<slug>/roi.csv")
@guards.programme_work_required
def roi_csv(slug: str):
    program = _insights_program(slug)
    rows = roi.outcomes_csv_rows(roi.compare(program, date.today()))
    return _csv(to_csv(roi.ROI_CSV_HEADER, rows), f"{slug}-roi.csv")


@bp.route("/programs/<slug>/roi/outcomes", methods=["GET", "POST"])
@guards.programme_work_required
def roi_outcomes(slug: str):
    program = _insights_program(slug)
    form = OutcomesForm()
    result = None
    if form.validate_on_submit():
        text = form.file.data.read(20_000_000).decode("utf-8-sig", errors="replace")
        result = roi.import_outcomes(program, text, current_user)
        if result.ok:
            flash(f"Imported HR outcomes for {result.imported} people.", "success")
            return redirect(url_for("admin.roi_page", slug=slug), 303)
    status = 422 if form.errors or (result and not result.ok) else 200
    return render(
        "admin/insights/outcomes.html",
        form=form,
        program=program,
        result=result,
        columns=roi.CSV_COLUMNS,
        status=status,
    )
