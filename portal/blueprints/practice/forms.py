"""Forms for practices, check-ins, comments, closing, and the template library."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.blueprints.fields import DateField, IntegerField, audience_choices
from portal.core.bounds import optional_id
from portal.models import User
from portal.models.journal import Visibility
from portal.models.practice import Practice, PracticeTemplate
from portal.services.practice import source_choices
from portal.services.sharing import audience_choice_of, edit_options

VISIBILITY_CHOICES = [
    SelectChoice("shared", "Shared with my partner"),
    SelectChoice("private", "Private: only me"),
]


def _optional_int(value):
    return optional_id(value)  # an id the database can hold, or None


class PracticeForm(FlaskForm):
    template_id = HiddenField(filters=[_optional_int])
    title = StringField(
        "What will you practise?",
        validators=[DataRequired(message="Give your practice a short title."), Length(max=200)],
    )
    idea = TextAreaField(
        "The idea it came from",
        validators=[Optional(), Length(max=2000, message="Keep it under 2,000 characters.")],
    )
    source_entry_id = SelectField("From a journal entry", coerce=_optional_int, choices=[])
    source_meeting_id = SelectField("From a meeting", coerce=_optional_int, choices=[])
    action = TextAreaField(
        "What exactly will you do?",
        validators=[
            DataRequired(message="Say what you will do, so you know when you did it."),
            Length(max=2000, message="Keep it under 2,000 characters."),
        ],
    )
    starts_on = DateField("Start", validators=[DataRequired(message="Pick a start date.")])
    ends_on = DateField("End", validators=[DataRequired(message="Pick an end date.")])
    per_week = IntegerField(
        "Times per week",
        default=3,
        validators=[
            DataRequired(message="How often per week?"),
            NumberRange(min=1, max=14, message="Between 1 and 14 times a week."),
        ],
    )
    visibility = RadioField("Who sees it", choices=VISIBILITY_CHOICES, default="shared")
    # The relationship a shared practice goes to (a pairing id or "all-mentees"), offered
    # when the owner has more than one current pairing; see services.sharing.
    audience = SelectField("Shared with", choices=[], default="", validate_choice=False)


class CheckInForm(FlaskForm):
    note = TextAreaField(
        "What did you notice?",
        validators=[Optional(), Length(max=2000, message="Keep it under 2,000 characters.")],
    )
    day = DateField("Day", validators=[Optional()])


class CommentForm(FlaskForm):
    body = TextAreaField(
        "Leave a comment or an encouragement",
        validators=[
            DataRequired(message="Write a few words first."),
            Length(max=1000, message="Keep it under 1,000 characters."),
        ],
    )
    kind = HiddenField(default="comment")
    check_in_id = HiddenField(filters=[_optional_int])


class CloseForm(FlaskForm):
    outcome = RadioField(
        "How did it go?",
        choices=[
            SelectChoice("done", "Done: I practised it"),
            SelectChoice("dropped", "Dropped: it did not fit"),
        ],
        validators=[DataRequired(message="Choose done or dropped.")],
    )
    reflection = TextAreaField(
        "Your reflection",
        validators=[
            DataRequired(message="Write what you take away, even one sentence."),
            Length(max=4000, message="Keep it under 4,000 characters."),
        ],
    )
    to_journal = BooleanField("Also keep it as a private journal entry")


class TemplateForm(FlaskForm):
    program_id = SelectField("Programme", coerce=_optional_int, choices=[])
    title = StringField(
        "Title", validators=[DataRequired(message="Give the template a title."), Length(max=200)]
    )
    idea = TextAreaField("The idea behind it", validators=[Optional(), Length(max=2000)])
    action = TextAreaField(
        "What to do",
        validators=[DataRequired(message="Say what to do."), Length(max=2000)],
    )
    weeks = IntegerField(
        "Weeks",
        default=3,
        validators=[DataRequired(), NumberRange(min=2, max=6, message="Two to six weeks.")],
    )
    per_week = IntegerField(
        "Times per week",
        default=2,
        validators=[DataRequired(), NumberRange(min=1, max=14, message="Between 1 and 14.")],
    )


def fill_source_choices(form, user: User, practice: Practice | None = None) -> None:
    """Offer the journal entries and meetings a practice may come from, and the partners
    it may be shared with (an edit starts from the practice's own audience)."""
    form.audience_options = edit_options(user, practice)
    if practice is not None and not form.is_submitted():
        form.audience.data = audience_choice_of(practice, form.audience_options)
    form.audience.choices = audience_choices(form.audience_options)
    if not form.audience_options and not form.is_submitted():
        form.visibility.data = "private"  # nobody to share with: do not offer a failing default
    entries, meetings = source_choices(user)
    form.source_entry_id.choices = [SelectChoice(None, "None")] + [
        SelectChoice(value, label) for value, label in entries
    ]
    form.source_meeting_id.choices = [SelectChoice(None, "None")] + [
        SelectChoice(value, label) for value, label in meetings
    ]


def prefill(form, template: PracticeTemplate | None, today: date) -> None:
    """Defaults for a new practice: starting today for three weeks, or the template's."""
    weeks = template.weeks if template else 3
    form.starts_on.data, form.ends_on.data = Practice.default_window(today, weeks)
    if template is not None:
        form.template_id.data = template.id
        form.title.data = template.title
        form.idea.data = template.idea
        form.action.data = template.action
        form.per_week.data = template.per_week


def practice_values(form, library: list[PracticeTemplate]) -> dict:
    """The practice's columns from a validated form; a template must be one the user may use."""
    template_id = form.template_id.data
    if template_id not in {t.id for t in library}:
        template_id = None
    return {
        "title": form.title.data.strip(),
        "idea": (form.idea.data or "").strip(),
        "action": (form.action.data or "").strip(),
        "source_entry_id": form.source_entry_id.data,
        "source_meeting_id": form.source_meeting_id.data,
        "template_id": template_id,
        "starts_on": form.starts_on.data,
        "ends_on": form.ends_on.data,
        "per_week": form.per_week.data,
        "visibility": Visibility(form.visibility.data or "shared"),
        "audience": getattr(form, "audience", None) and form.audience.data,
    }
