"""The profile form: time zone, bio, and what partners may see."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.models.users import TIME_ZONES
from portal.services.pairings import no_nul
from portal.services.reminders.kinds import MESSAGE_KINDS


def _text(label: str) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[Optional(), Length(max=1500, message="Keep this under 1,500 characters.")],
        filters=[no_nul],
        render_kw={"rows": 4},
    )


class ProfileForm(FlaskForm):
    timezone = SelectField(
        "Your time zone", choices=TIME_ZONES, validate_choice=False, filters=[no_nul]
    )
    bio = _text("A short bio")
    show_bio = BooleanField("Partners may see my bio")
    hopes = _text("What I hope to get from this")
    show_hopes = BooleanField("Partners may see what I hope to get")
    offers = _text("What I can offer")
    show_offers = BooleanField("Partners may see what I can offer")


class PreferencesForm(FlaskForm):
    """Two switches per kind of message: in the portal, and by e-mail."""


for _key in MESSAGE_KINDS:
    setattr(PreferencesForm, f"in_app_{_key}", BooleanField("In Horizon"))
    setattr(PreferencesForm, f"email_{_key}", BooleanField("By e-mail"))


class DeleteAccountForm(FlaskForm):
    """Deleting an account: what happens to shared items, confirmed with the password."""

    mode = RadioField(
        "What you shared with a partner or a circle",
        choices=[
            ("remove", "Delete it too"),
            ("anonymise", "Keep it for them, as written by “Former participant”"),
        ],
        default="remove",
        validate_choice=False,
    )
    password = PasswordField(
        "Your password", validators=[DataRequired("Enter your password to confirm.")]
    )
