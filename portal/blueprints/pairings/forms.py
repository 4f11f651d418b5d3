"""Forms for the meeting log, the next meeting date and agenda points."""

from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from portal.validation import DateField


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
