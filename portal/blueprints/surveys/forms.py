"""Guide forms: preferences, surveys, meeting ratings, closing reflections, requests, settings."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from portal.services.pairings import no_nul
from portal.services.surveys import COMMENT_MAX

CHOOSE = "Choose an answer."


def _scale(label: str, low: int, high: int) -> RadioField:
    return RadioField(
        label,
        choices=[SelectChoice(n, str(n)) for n in range(low, high + 1)],
        coerce=int,
        validators=[InputRequired(message=CHOOSE)],
    )


class SurveyForm(FlaskForm):
    satisfaction = _scale("Satisfaction", 1, 5)
    recommend = _scale("Recommend", 0, 10)
    progress = _scale("Progress", 1, 5)
    # Asked only of someone in a circle; the service requires it then (surveys.submit).
    circle_usefulness = RadioField(
        "How useful is your circle?",
        choices=[SelectChoice(n, str(n)) for n in range(1, 6)],
        coerce=int,
        validators=[Optional()],
    )
    comment = TextAreaField(
        "Comment",
        validators=[
            Optional(),
            Length(max=COMMENT_MAX, message="Keep this under 2,000 characters."),
        ],
        filters=[no_nul],
        render_kw={"rows": 4},
    )


class MeetingRatingForm(FlaskForm):
    rating = _scale("How useful was this meeting?", 1, 5)
