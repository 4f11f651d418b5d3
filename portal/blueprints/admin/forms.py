"""Admin forms: programmes, their questions and matching settings, CSV import, pairings."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.blueprints.fields import DateField, IntegerField
from portal.blueprints.pairings.forms import agreement_section
from portal.models import Cadence, ProgramStatus
from portal.models.choosing import MatchingMode
from portal.models.enrollment import QuestionAudience
from portal.services.matching.scoring import DEFAULT_WEIGHTS, FACTOR_LABELS
from portal.services.matching.solver import Mode
from portal.services.pairings import no_nul
from portal.services.programmes import messages as team_messages
from portal.services.programmes.retention import MAX_MONTHS
from portal.services.reminders.kinds import KINDS
from portal.services.reminders.settings import DAYS_RANGE, DEFAULT_QUESTIONS, QUESTION_MAX

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
    retention_months = IntegerField(
        "Keep participants' content after the end (months)",
        validators=[
            Optional(),
            NumberRange(0, MAX_MONTHS, message=f"Use 0 to {MAX_MONTHS} months, or leave it empty."),
        ],
    )

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


class TemplateForm(FlaskForm):
    meeting = agreement_section("meeting")
    sharing = agreement_section("sharing")
    feedback = agreement_section("feedback")
    ending = agreement_section("ending")


class GuideSettingsForm(FlaskForm):
    """Per programme: each nudge on or off, its timing, and the survey's question texts."""


def _days_between(form, field) -> None:
    """Compared as integers: a number of any length gets this message, never an overflow."""
    if field.data is not None and not _low <= field.data <= _high:
        raise ValidationError(f"Choose between {_low} and {_high} days.")


class NudgeForm(FlaskForm):
    """Nothing to fill in: the CSRF token is the whole form."""


class MessageForm(FlaskForm):
    message = TextAreaField(
        "Message to both partners",
        validators=[DataRequired(message="Write the message first."), Length(max=280)],
    )


class TeamMessageForm(FlaskForm):
    """A message from the programme team to a cohort or to the pairs in one health state."""

    audience = SelectField(
        "Who receives it",
        choices=[SelectChoice(key, label) for key, label in team_messages.AUDIENCES.items()],
        validate_choice=False,
    )
    text = TextAreaField(
        "Message",
        validators=[
            DataRequired(message="Write the message first."),
            Length(max=team_messages.TEXT_MAX),
        ],
        render_kw={"rows": 4, "maxlength": team_messages.TEXT_MAX},
    )


class EndForm(FlaskForm):
    reason = TextAreaField(
        "Why it ends (kept in the audit log, not shown to the pair)",
        validators=[DataRequired(message="Say why the pairing ends."), Length(max=500)],
    )


class OutcomesForm(FlaskForm):
    file = FileField("Outcomes file (CSV)", validators=[FileRequired("Choose a CSV file.")])


_low, _high = DAYS_RANGE


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


class ChoosingSettingsForm(FlaskForm):
    """Who makes the pairs, and the settings of mentees-choose (services/choosing/settings)."""

    mode = SelectField(
        "Who makes the pairs",
        choices=[SelectChoice(m.value, m.label) for m in MatchingMode],
        default=MatchingMode.admin.value,
    )
    max_open_requests = IntegerField(
        "Requests a mentee may have waiting at once",
        validators=[InputRequired(message="Enter a number."), NumberRange(1, 10)],
        default=3,
    )
    remind_after_days = IntegerField(
        "Remind the mentor after (days)",
        validators=[InputRequired(message="Enter a number."), NumberRange(1, 60)],
        default=7,
    )
    expire_after_days = IntegerField(
        "A request closes unanswered after (days)",
        validators=[InputRequired(message="Enter a number."), NumberRange(2, 90)],
        default=14,
    )
    meet_check_days = IntegerField(
        "Ask “Did you meet?” after (days)",
        validators=[InputRequired(message="Enter a number."), NumberRange(7, 60)],
        default=14,
    )
    requires_approval = BooleanField("The programme team confirms each accepted request")
    office_hours = BooleanField("Mentors may offer office hours", default=True)


class EraseForm(FlaskForm):
    """An admin erases a person: what happens to what they shared, confirmed by their address."""

    mode = RadioField(
        "What they shared with a partner or a circle",
        choices=[
            ("remove", "Delete it too"),
            ("anonymise", "Keep it for the partner, as written by “Former participant”"),
        ],
        default="remove",
        validate_choice=False,
    )
    email = StringField(
        "Type their e-mail address to confirm",
        validators=[DataRequired("Type the person's e-mail address to confirm."), Length(max=320)],
        filters=[no_nul],
    )
