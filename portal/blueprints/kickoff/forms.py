"""Forms for the agreement, goals and meeting planning."""

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.models.kickoff import GOAL_PROGRESS_LABELS
from portal.services.pairings import no_nul
from portal.services.pairings.agreement import FORMATS, SECTION_LIMIT, SECTION_TITLES

VISIBILITY = [
    SelectChoice("shared", "Shared with my partner"),
    SelectChoice("private", "Private: only me"),
]


def _section(key: str, required: bool = False, label: str | None = None) -> TextAreaField:
    validators = [
        Length(max=SECTION_LIMIT, message=f"Keep this under {SECTION_LIMIT:,} characters.")
    ]
    if required:
        validators.insert(0, DataRequired(message="Write what the mentee is seeking to achieve."))
    else:
        validators.insert(0, Optional())
    return TextAreaField(
        label or SECTION_TITLES[key],
        validators=validators,
        filters=[no_nul],
        render_kw={"rows": 5},
    )


class AgreementForm(FlaskForm):
    version = HiddenField()
    seeking = _section("seeking", required=True)
    meeting = _section("meeting", label="What we agree about meeting")
    meeting_minutes = IntegerField(
        "Length of a meeting (minutes)",
        validators=[
            InputRequired(message="How long is a meeting?"),
            NumberRange(15, 240, message="A meeting lasts between 15 and 240 minutes."),
        ],
    )
    meeting_format = SelectField(
        "Format", choices=[SelectChoice(k, v) for k, v in FORMATS.items()], default="video"
    )
    meeting_place = StringField(
        "Place or video link",
        validators=[Optional(), Length(max=300, message="Keep this under 300 characters.")],
        filters=[no_nul],
    )
    sharing = _section("sharing")
    feedback = _section("feedback")
    ending = _section("ending")


class SignForm(FlaskForm):
    version = HiddenField()


class TemplateForm(FlaskForm):
    meeting = _section("meeting")
    sharing = _section("sharing")
    feedback = _section("feedback")
    ending = _section("ending")


class GoalForm(FlaskForm):
    title = StringField(
        "The goal, in a few words",
        validators=[
            DataRequired(message="Write the goal in a few words."),
            Length(max=200, message="Keep the goal under 200 characters."),
        ],
        filters=[no_nul],
    )
    why = TextAreaField(
        "Why it matters",
        validators=[Optional(), Length(max=2000, message="Keep this under 2,000 characters.")],
        filters=[no_nul],
        render_kw={"rows": 4},
    )
    measure = TextAreaField(
        "How we will know it is reached",
        validators=[Optional(), Length(max=2000, message="Keep this under 2,000 characters.")],
        filters=[no_nul],
        render_kw={"rows": 4},
    )
    visibility = RadioField(
        "Who sees it",
        choices=VISIBILITY,
        default="shared",
        validators=[DataRequired(message="Choose who sees the goal.")],
    )


class RatingForm(FlaskForm):
    progress = RadioField(
        "Where is it now?",
        choices=[SelectChoice(k.value, v) for k, v in GOAL_PROGRESS_LABELS.items()],
        validators=[DataRequired(message="Choose how far along the goal is.")],
    )
    note = TextAreaField(
        "What moved it (optional)",
        validators=[Optional(), Length(max=2000, message="Keep the note under 2,000 characters.")],
        filters=[no_nul],
    )


class LinkPracticeForm(FlaskForm):
    practice_id = SelectField("Practice", coerce=int, validate_choice=False)


class MeetingForm(FlaskForm):
    day = DateField("Date", validators=[DataRequired(message="Choose the date of the meeting.")])
    start_time = TimeField(
        "Start time", validators=[DataRequired(message="Choose the start time.")]
    )
    minutes = IntegerField(
        "Length (minutes)",
        default=60,
        validators=[
            InputRequired(message="How long will you meet?"),
            NumberRange(15, 240, message="A meeting lasts between 15 and 240 minutes."),
        ],
    )
    place = StringField(
        "Place or video link",
        validators=[Optional(), Length(max=300, message="Keep this under 300 characters.")],
        filters=[no_nul],
    )
