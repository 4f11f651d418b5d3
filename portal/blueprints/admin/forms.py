"""Admin forms: programmes, their questions and matching settings, CSV import, pairings."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from portal.models import Cadence, ProgramStatus
from portal.models.enrollment import QuestionAudience
from portal.services.matching.scoring import DEFAULT_WEIGHTS, FACTOR_LABELS
from portal.services.matching.solver import Mode
from portal.validation import DateField, IntegerField

WEIGHT_FIELDS = [name for name in DEFAULT_WEIGHTS if name not in ("cross_department", "picks")]


class ProgramForm(FlaskForm):
    name = StringField(
        "Name", validators=[DataRequired(message="Name the programme."), Length(max=120)]
    )
    description = TextAreaField("Description", validators=[Length(max=4000)])
    starts_on = DateField("Starts on", validators=[DataRequired(message="Choose a start date.")])
    ends_on = DateField("Ends on", validators=[Optional()])
    cadence = SelectField(
        "Meetings", choices=[SelectChoice(c.value, c.label.capitalize()) for c in Cadence]
    )
    status = SelectField(
        "Status", choices=[SelectChoice(s.value, s.value.capitalize()) for s in ProgramStatus]
    )
    enrollment_opens_on = DateField("Applications open", validators=[Optional()])
    enrollment_closes_on = DateField("Applications close", validators=[Optional()])
    mode = SelectField("Matching goal", choices=[SelectChoice(m.value, m.label) for m in Mode])
    min_score = IntegerField(
        "Minimum score for a pair (0-100)", default=0, validators=[NumberRange(0, 100)]
    )
    self_selection = BooleanField("Mentees may rank up to three mentors (self-selection)")
    cross_department = BooleanField("Prefer mentors from another department")

    def validate_ends_on(self, field) -> None:
        if field.data and self.starts_on.data and field.data <= self.starts_on.data:
            raise ValidationError("The end must come after the start.")

    def validate_enrollment_closes_on(self, field) -> None:
        opens = self.enrollment_opens_on.data
        if field.data and opens and field.data < opens:
            raise ValidationError("Applications must close after they open.")


for _name in WEIGHT_FIELDS:
    setattr(
        ProgramForm,
        f"weight_{_name}",
        IntegerField(
            FACTOR_LABELS[_name],
            default=int(DEFAULT_WEIGHTS[_name]),
            validators=[NumberRange(0, 10, message="Use a weight from 0 to 10.")],
        ),
    )


class QuestionForm(FlaskForm):
    label = StringField(
        "Question", validators=[DataRequired(message="Write the question."), Length(max=200)]
    )
    audience = SelectField(
        "Asked of", choices=[SelectChoice(a.value, a.value.capitalize()) for a in QuestionAudience]
    )
    required = BooleanField("An answer is required")


class ImportForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired(message="Choose a CSV file.")])


class EndPairingForm(FlaskForm):
    reason = TextAreaField(
        "Why does it end?",
        validators=[DataRequired(message="Say why the pairing ends."), Length(max=500)],
    )


class LeadForm(FlaskForm):
    email = StringField(
        "E-mail of the new lead",
        validators=[
            DataRequired(message="Write the e-mail address of the person."),
            Length(max=254),
        ],
    )
