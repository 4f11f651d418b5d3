"""The application form: what matching needs, plus the programme's own questions."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from portal.blueprints.fields import IntegerField
from portal.core.timezones import grouped_choices
from portal.models.enrollment import ProgramQuestion
from portal.services.programmes.enrollment import (
    EMAIL,
    FORMAT_LABELS,
    SENIORITY_LEVELS,
    STYLE_QUESTIONS,
    VALUE_CHOICES,
    split_list,
)


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


STYLE_LABELS = {
    "directness": "Feedback you prefer",
    "structure": "How you like a conversation to run",
    "pace": "Your pace",
}


class ApplicationForm(FlaskForm):
    role = RadioField(
        "I want to join as",
        choices=[
            SelectChoice("mentee", "Mentee: I want to grow"),
            SelectChoice("mentor", "Mentor: I want to help"),
        ],
        validators=[DataRequired(message="Choose mentee or mentor.")],
    )
    department = StringField(
        "Department", validators=[DataRequired(message="Name your department."), Length(max=80)]
    )
    seniority = SelectField(
        "Seniority",
        choices=[SelectChoice(str(k), v) for k, v in SENIORITY_LEVELS.items()],
        default="2",
    )
    location = StringField(
        "Location (city)", validators=[DataRequired(message="Name your city."), Length(max=80)]
    )
    timezone = SelectField(
        "Time zone",
        choices=grouped_choices,
        default="UTC",
        # horizon.js picks the browser's zone while the person has not chosen one.
        render_kw={"data-browser-timezone": ""},
    )
    format = RadioField(
        "Preferred format",
        choices=[SelectChoice(k, v) for k, v in FORMAT_LABELS.items()],
        default="either",
    )
    values = MultiCheckboxField(
        "Values that matter most to you (pick up to three)",
        choices=[SelectChoice(v, v.capitalize()) for v in VALUE_CHOICES],
    )
    goals = TextAreaField("What I am trying to achieve", validators=[Length(max=500)])
    develop = TextAreaField("Areas I want to develop", validators=[Length(max=500)])
    strengths = TextAreaField("My strengths", validators=[Length(max=500)])
    capacity = IntegerField(
        "How many mentees I can take (1 to 5)",
        default=1,
        validators=[Optional(), NumberRange(1, 5, message="Choose from 1 to 5 mentees.")],
    )
    avoid = StringField(
        "People I should not be paired with (optional)", validators=[Length(max=500)]
    )
    manager = StringField("My manager's e-mail (optional)", validators=[Length(max=254)])

    def validate_values(self, field) -> None:
        if len(field.data or []) > 3:
            raise ValidationError("Pick at most three values.")

    def validate_goals(self, field) -> None:
        if self.role.data == "mentee" and not split_list(field.data):
            raise ValidationError("Tell your mentor what you are trying to achieve.")

    def validate_strengths(self, field) -> None:
        if self.role.data == "mentor" and not split_list(field.data):
            raise ValidationError("Name at least one strength.")

    def validate_avoid(self, field) -> None:
        bad = [e for e in split_list(field.data) if not EMAIL.match(e)]
        if bad:
            raise ValidationError(f"Use e-mail addresses, separated by commas ({bad[0]}).")

    def validate_manager(self, field) -> None:
        if field.data and not EMAIL.match(field.data.strip()):
            raise ValidationError("That does not look like an e-mail address.")


for _question, _options in STYLE_QUESTIONS.items():
    setattr(
        ApplicationForm,
        f"style_{_question}",
        RadioField(
            STYLE_LABELS[_question],
            choices=[SelectChoice(o, o.replace("-", " ").capitalize()) for o in _options],
            validators=[DataRequired(message="Choose one.")],
        ),
    )


def application_form(questions, mentors=None) -> ApplicationForm:
    """A form class with the programme's extra questions (and mentor picks) added."""

    class ProgramApplicationForm(ApplicationForm):
        pass

    for q in questions:
        validators = [Length(max=1000)]
        validators.insert(
            0, DataRequired(message="Please answer this question.") if q.required else Optional()
        )
        setattr(ProgramApplicationForm, q.key, TextAreaField(q.label, validators=validators))
    if mentors:
        choices = [SelectChoice("", "No preference")] + [
            SelectChoice(str(m.user_id), m.user.name) for m in mentors
        ]
        for rank in (1, 2, 3):
            setattr(
                ProgramApplicationForm,
                f"pick_{rank}",
                SelectField(f"Mentor choice {rank}", choices=choices, default=""),
            )
    return ProgramApplicationForm()


def profile_from_form(form, questions: list[ProgramQuestion]) -> dict[str, Any]:
    """The application's answers in the profile schema the matcher reads."""
    role = form.role.data
    profile: dict[str, Any] = {
        "department": form.department.data.strip(),
        "seniority": int(form.seniority.data),
        "location": form.location.data.strip(),
        "timezone": form.timezone.data,
        "format": form.format.data,
        "values": list(form.values.data or []),
        "style": {q: form[f"style_{q}"].data for q in STYLE_QUESTIONS},
        "avoid": [e.lower() for e in split_list(form.avoid.data)],
    }
    if form.manager.data and form.manager.data.strip():
        profile["manager"] = form.manager.data.strip().lower()
    if role == "mentee":
        profile["goals"] = split_list(form.goals.data)
        profile["develop"] = split_list(form.develop.data)
        picks = [form[f"pick_{r}"].data for r in (1, 2, 3) if f"pick_{r}" in form]
        profile["picks"] = [int(p) for p in picks if p and p.isdigit()]
    else:
        profile["strengths"] = split_list(form.strengths.data)
        profile["capacity"] = int(form.capacity.data or 1)
    answers = {q.key: (form[q.key].data or "").strip() for q in questions if q.asks(role)}
    if answers:
        profile["answers"] = answers
    return profile
