"""A programme's nudge settings and survey questions, chosen by its admins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.core.time import add_days
from portal.extensions import db
from portal.models import Program
from portal.models.guide import ProgramGuide
from portal.services.reminders import GuideError
from portal.services.reminders.kinds import KINDS

DEFAULT_QUESTIONS = {
    "satisfaction": "How satisfied are you with the programme so far?",
    "recommend": "How likely are you to recommend this programme to a colleague?",
    "progress": "How much progress have you made towards your goals?",
    "comment": "Anything you would like the programme team to know? (optional)",
}
QUESTION_MAX = 300
DAYS_RANGE = (1, 90)


@dataclass
class Nudge:
    on: bool
    days: int | None


def guide_of(program: Program) -> ProgramGuide | None:
    return db.session.get(ProgramGuide, program.id)


def nudges(program: Program, stored: ProgramGuide | None = None) -> dict[str, Nudge]:
    """Each kind's switch and timing for the programme (defaults where nothing was chosen)."""
    chosen = (stored or guide_of(program) or ProgramGuide(nudges={})).nudges or {}
    result = {}
    for key, kind in KINDS.items():
        entry = chosen.get(key) or {}
        days = entry.get("days", kind.days) if kind.days is not None else None
        result[key] = Nudge(on=bool(entry.get("on", True)), days=days)
    return result


def questions(program: Program) -> dict[str, str]:
    """The survey's question texts for the programme."""
    stored = guide_of(program)
    return {**DEFAULT_QUESTIONS, **((stored and stored.questions) or {})}


def midpoint(program: Program) -> date:
    """Halfway through the programme (robust to any stored date)."""
    return add_days(program.starts_on, (program.ends_on - program.starts_on).days // 2)


def save(
    program: Program, chosen: dict[str, Nudge], texts: dict[str, str], survey_open: bool
) -> None:
    """Store the programme's choices; questions may change only while no survey round is open
    (the caller asks `surveys.open_round`)."""
    for key, nudge in chosen.items():
        if key not in KINDS:
            raise GuideError("Unknown kind of message.", "nudges")
        low, high = DAYS_RANGE
        if nudge.days is not None and not low <= nudge.days <= high:
            raise GuideError(f"Choose between {low} and {high} days.", f"days_{key}")
    cleaned = {key: " ".join((texts.get(key) or "").split()) for key in DEFAULT_QUESTIONS}
    for key, text in cleaned.items():
        if not text:
            raise GuideError("A question cannot be empty.", f"q_{key}")
        if len(text) > QUESTION_MAX:
            raise GuideError(f"Keep a question under {QUESTION_MAX} characters.", f"q_{key}")
    stored = guide_of(program) or ProgramGuide(program_id=program.id, nudges={}, questions={})
    if cleaned != questions(program) and survey_open:
        raise GuideError(
            "A survey round is open: its questions can change once it closes.", "q_satisfaction"
        )
    stored.nudges = {key: {"on": n.on, "days": n.days} for key, n in chosen.items()}
    stored.questions = cleaned
    db.session.add(stored)
