"""Sign-in, registration and password forms."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from portal.core.timezones import grouped_choices

PASSWORD_RULE = Length(min=10, max=200, message="Use at least 10 characters.")


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(message="Enter your e-mail address.")])
    password = PasswordField("Password", validators=[DataRequired(message="Enter your password.")])


class RegisterForm(FlaskForm):
    name = StringField(
        "Your name",
        validators=[DataRequired(message="Tell us your name."), Length(max=120)],
    )
    email = EmailField(
        "E-mail",
        validators=[
            DataRequired(message="Enter your e-mail address."),
            Email(message="That does not look like an e-mail address.", check_deliverability=False),
            Length(max=254),
        ],
    )
    timezone = SelectField(
        "Time zone",
        choices=grouped_choices,
        default="UTC",
        # horizon.js picks the browser's zone while the person has not chosen one.
        render_kw={"data-browser-timezone": ""},
    )
    password = PasswordField("Password", validators=[DataRequired(), PASSWORD_RULE])
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", message="The passwords differ.")],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired(message="Enter your current password.")]
    )
    new_password = PasswordField("New password", validators=[DataRequired(), PASSWORD_RULE])
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("new_password", message="The passwords differ.")],
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(message="Enter your e-mail address.")])


class ResetPasswordForm(FlaskForm):
    new_password = PasswordField("New password", validators=[DataRequired(), PASSWORD_RULE])
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("new_password", message="The passwords differ.")],
    )
