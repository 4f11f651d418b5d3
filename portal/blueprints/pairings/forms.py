"""Forms for the meeting log, the next meeting date and agenda points."""

from __future__ import annotations

from datetime import date

import wtforms
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from portal.blueprints.fields import DateField
from portal.models.kickoff import GOAL_PROGRESS_LABELS
from portal.services.pairings import no_nul
from portal.services.pairings.agreement import FORMATS, SECTION_LIMIT, SECTION_TITLES
from portal.services.pairings.closing import ANSWER_MAX, PROMPTS
from portal.services.pairings.requests import REASON_MAX


class MeetingForm(FlaskForm):
    held_on = DateField("Meeting date", validators=[DataRequired(message="When did you meet?")])
    happened = RadioField(
        "Did it happen?",
        choices=[SelectChoice("yes", "Yes, we met"), SelectChoice("no", "No, it was missed")],
        default="yes",
        validators=[DataRequired(message="Say whether the meeting happened.")],
    )
    notes = TextAreaField(
        "Short shared notes",
        validators=[Optional(), Length(max=2000, message="Keep the notes under 2,000 characters.")],
    )
    next_meeting_on = DateField("Next meeting", validators=[Optional()])


class NextMeetingForm(FlaskForm):
    # Its own id: the meeting form on the same page has a next_meeting_on field too.
    next_meeting_on = DateField(
        "Set or change the date", validators=[Optional()], id="plan-next-meeting-on"
    )


class AgendaForm(FlaskForm):
    text = StringField(
        "Add a point to talk about",
        validators=[
            DataRequired(message="Write the point you want to talk about."),
            Length(max=300, message="Keep a point under 300 characters."),
        ],
    )


VISIBILITY = [
    SelectChoice("shared", "Shared with my partner"),
    SelectChoice("private", "Private: only me"),
]


def agreement_section(key: str, required: bool = False, label: str | None = None) -> TextAreaField:
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
    seeking = agreement_section("seeking", required=True)
    meeting = agreement_section("meeting", label="What we agree about meeting")
    meeting_minutes = wtforms.IntegerField(
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
    sharing = agreement_section("sharing")
    feedback = agreement_section("feedback")
    ending = agreement_section("ending")


class SignForm(FlaskForm):
    version = HiddenField()


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
    # The circles the person may share in (set by the view); the service checks the choice.
    circle = SelectField(
        "Also share it with a circle", choices=[], validate_choice=False, filters=[no_nul]
    )


class GoalRatingForm(FlaskForm):
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


class PlannedMeetingForm(FlaskForm):
    day = wtforms.DateField(
        "Date", validators=[DataRequired(message="Choose the date of the meeting.")]
    )
    start_time = TimeField(
        "Start time", validators=[DataRequired(message="Choose the start time.")]
    )
    minutes = wtforms.IntegerField(
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


def blank_meeting_form(today: date) -> MeetingForm:
    """A meeting form for today; an empty next date leaves the planned one as it is."""
    return MeetingForm(formdata=None, held_on=today, happened="yes")


def meeting_values(form, formdata) -> dict:
    """The log step's input; `point-<id>` fields say who takes a chosen point on as a practice,
    `carry-<id>` that a point was not covered and goes on the next meeting's agenda."""
    practice_for: dict[int, str] = {}
    carry_over: set[int] = set()
    for key, value in formdata.items():
        if key.startswith("point-") and key[6:].isdigit() and value in ("me", "partner", "both"):
            practice_for[int(key[6:])] = value
        if key.startswith("carry-") and key[6:].isdigit() and len(key) < 20:
            carry_over.add(int(key[6:]))
    return {
        "held_on": form.held_on.data,
        "happened": form.happened.data == "yes",
        "notes": form.notes.data or "",
        "next_on": form.next_meeting_on.data,
        "practice_for": practice_for,
        "carry_over": carry_over,
    }
