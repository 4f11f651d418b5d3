"""Forms of the insight pages: pair actions and the outcomes upload."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length


class NudgeForm(FlaskForm):
    """Nothing to fill in: the CSRF token is the whole form."""


class MessageForm(FlaskForm):
    message = TextAreaField(
        "Message to both partners",
        validators=[DataRequired(message="Write the message first."), Length(max=280)],
    )


class EndForm(FlaskForm):
    reason = TextAreaField(
        "Why it ends (kept in the audit log, not shown to the pair)",
        validators=[DataRequired(message="Say why the pairing ends."), Length(max=500)],
    )


class OutcomesForm(FlaskForm):
    file = FileField("Outcomes file (CSV)", validators=[FileRequired("Choose a CSV file.")])
