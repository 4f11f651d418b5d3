"""Helpers behind the admin views: loading a programme and moving form data in and out."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_login import current_user

from portal.models import Cadence, Program, ProgramStatus
from portal.services import access
from portal.services.matching.settings import MatchingSettings
from portal.services.matching.solver import Mode

PROGRAM_FIELDS = (
    "name",
    "description",
    "starts_on",
    "ends_on",
    "enrollment_opens_on",
    "enrollment_closes_on",
    "retention_months",
)


def program_or_404(slug: str | None) -> Program:
    """A programme the current user runs (admins: any), or 404."""
    if not slug:
        abort(404)
    return access.run_program_by_slug(current_user, slug)


def fill_program_form(program: Program):
    from portal.blueprints.admin.forms import WEIGHT_FIELDS, ProgramForm

    settings = MatchingSettings.from_json(program.matching)
    data: dict[str, Any] = {name: getattr(program, name) for name in PROGRAM_FIELDS}
    data.update(
        cadence=program.cadence.value,
        status=program.status.value,
        mode=settings.mode.value,
        min_score=int(settings.min_score),
        self_selection=settings.self_selection,
        cross_department=settings.cross_department,
    )
    for name in WEIGHT_FIELDS:
        data[f"weight_{name}"] = int(settings.weights.get(name, 0))
    form = ProgramForm(formdata=None)
    form.process(data=data)
    return form


def apply_program_form(form, program: Program | None) -> dict[str, Any]:
    """The programme's new column values (matching settings included) from a valid form."""
    from portal.blueprints.admin.forms import WEIGHT_FIELDS

    values: dict[str, Any] = {name: getattr(form, name).data for name in PROGRAM_FIELDS}
    values["description"] = (values["description"] or "").strip()
    values["name"] = values["name"].strip()
    values["ends_on"] = values["ends_on"] or Program.default_end(values["starts_on"])
    values["cadence"] = Cadence(form.cadence.data)
    values["status"] = ProgramStatus(form.status.data)
    settings = MatchingSettings.from_json(program.matching if program else None)
    settings.mode = Mode(form.mode.data)
    settings.min_score = float(form.min_score.data or 0)
    settings.self_selection = bool(form.self_selection.data)
    settings.cross_department = bool(form.cross_department.data)
    for name in WEIGHT_FIELDS:
        settings.weights[name] = float(getattr(form, f"weight_{name}").data or 0)
    values["matching"] = settings.to_json()
    return values
