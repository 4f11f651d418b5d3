"""Guide forms: preferences, surveys, meeting ratings, closing reflections, requests, settings."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from portal.services.pairings import no_nul
from portal.services.pairings.closing import ANSWER_MAX, PROMPTS
from portal.services.pairings.requests import REASON_MAX
from portal.services.reminders.kinds import KINDS
from portal.services.reminders.settings import DAYS_RANGE, DEFAULT_QUESTIONS, QUESTION_MAX
from portal.services.surveys import COMMENT_MAX
from portal.validation import IntegerField

CHOOSE = "Choose an answer."


def _scale(label: str, low: int, high: int) -> RadioField:
    return RadioField(
        label,
        choices=[SelectChoice(n, str(n)) for n in range(low, high + 1)],
        coerce=int,
        validators=[InputRequired(message=CHOOSE)],
    )


class PreferencesForm(FlaskForm):
    """Two switches per kind of message: in the portal, and by e-mail."""


for _key in KINDS:
    setattr(PreferencesForm, f"in_app_{_key}", BooleanField("In Horizon"))
    setattr(PreferencesForm, f"email_{_key}", BooleanField("By e-mail"))


class SurveyForm(FlaskForm):
    satisfaction = _scale("Satisfaction", 1, 5)
    recommend = _scale("Recommend", 0, 10)
    progress = _scale("Progress", 1, 5)
    comment = TextAreaField(
        "Comment",
        validators=[
            Optional(),
            Length(max=COMMENT_MAX, message="Keep this under 2,000 characters."),
        ],
        filters=[no_nul],
        render_kw={"rows": 4},
    )


class RatingForm(FlaskForm):
    rating = _scale("How useful was this meeting?", 1, 5)


def _answer(label: str) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[
            Optional(),
            Length(max=ANSWER_MAX, message="Keep each answer under 5,000 characters."),
        ],
        filters=[no_nul],
        render_kw={"rows": 5},
    )


class ReflectionForm(FlaskForm):
    understand = _answer(PROMPTS["understand"])
    forward = _answer(PROMPTS["forward"])
    keep = _answer(PROMPTS["keep"])
    visibility = RadioField(
        "Who may read it",
        choices=[
            SelectChoice("private", "Only me (private)"),
            SelectChoice("shared", "Me and my partner (shared)"),
        ],
        default="private",
        validators=[InputRequired(message="Choose who may read it.")],
    )


class RequestForm(FlaskForm):
    kind = RadioField(
        "What would you like?",
        choices=[
            SelectChoice("end_early", "End the pairing early"),
            SelectChoice("rematch", "Be re-matched"),
        ],
        validators=[InputRequired(message="Choose what you would like to ask for.")],
    )
    reason = TextAreaField(
        "Why? (read by the programme team only)",
        validators=[
            InputRequired(message="Tell the programme team why, in a few words."),
            Length(max=REASON_MAX, message="Keep the reason under 2,000 characters."),
        ],
        filters=[no_nul],
        render_kw={"rows": 5},
    )


class GuideSettingsForm(FlaskForm):
    """Per programme: each nudge on or off, its timing, and the survey's question texts."""


_low, _high = DAYS_RANGE


def _days_between(form, field) -> None:
    """Compared as integers: a number of any length gets this message, never an overflow."""
    if field.data is not None and not _low <= field.data <= _high:
        raise ValidationError(f"Choose between {_low} and {_high} days.")


for _key, _kind in KINDS.items():
    setattr(GuideSettingsForm, f"on_{_key}", BooleanField(_kind.label))
    if _kind.days is not None:
        setattr(
            GuideSettingsForm,
            f"days_{_key}",
            IntegerField(
                _kind.days_label,
                validators=[
                    InputRequired(message="Enter a number of days."),
                    _days_between,
                ],
            ),
        )
for _key, _text in DEFAULT_QUESTIONS.items():
    setattr(
        GuideSettingsForm,
        f"q_{_key}",
        TextAreaField(
            f"Question: {_key}",
            validators=[
                InputRequired(message="A question cannot be empty."),
                Length(max=QUESTION_MAX, message="Keep a question under 300 characters."),
            ],
            filters=[no_nul],
            render_kw={"rows": 2},
        ),
    )
