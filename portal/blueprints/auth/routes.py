"""Sign in, sign out, register and change a password."""

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from portal.blueprints.auth import bp
from portal.blueprints.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
)
from portal.demo import demo_accounts_present
from portal.extensions import db, limiter
from portal.models import User, utcnow
from portal.rendering import is_local_url
from portal.services.accounts import (
    authenticate,
    email_taken,
    find_by_email,
    send_password_links,
    user_for_reset_token,
)

LOGIN_FAILED = "That e-mail and password do not match an account."


def _safe_next(target: str | None) -> str:
    """Only follow a `next` that stays on this site."""
    return target if is_local_url(target) else url_for("dashboard.index")


def _start_session(user: User) -> None:
    session.clear()
    session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user:
            user.last_login_at = utcnow()
            db.session.commit()
            _start_session(user)
            return redirect(_safe_next(request.args.get("next")), 303)
        form.password.errors.append(LOGIN_FAILED)
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form, show_demo=demo_accounts_present()), status


@bp.post("/logout")
def logout():
    logout_user()
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"), 303)


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        email = User.normalise_email(form.email.data)
        if email_taken(email):
            form.email.errors.append("An account with this e-mail already exists. Sign in instead.")
        else:
            user = User(email=email, name=form.name.data.strip(), timezone=form.timezone.data)
            user.set_password(form.password.data)
            db.session.add(user)
            db.session.commit()
            _start_session(user)
            flash(f"Welcome to Horizon, {user.first_name}.", "success")
            return redirect(_safe_next(request.args.get("next")), 303)
    return render_template("auth/register.html", form=form), 422 if form.errors else 200


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.current_password.errors.append("That is not your current password.")
        else:
            current_user.set_password(form.new_password.data)
            db.session.commit()
            _start_session(current_user)  # this session stays; every other one ends
            flash("Your password has been changed. Other sessions were signed out.", "success")
            return redirect(url_for("dashboard.index"), 303)
    return render_template("auth/password.html", form=form), 422 if form.errors else 200


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def forgot_password():
    """Send a link to set a new password; the answer never says whether the account exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = find_by_email(form.email.data)
        if user:
            send_password_links([user])
        flash(
            "If an account uses that address, we have sent it a link to set a new password. "
            "The link works once, for 24 hours.",
            "info",
        )
        return redirect(url_for("auth.login"), 303)
    return render_template("auth/forgot.html", form=form), 422 if form.errors else 200


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = user_for_reset_token(token)
    if user is None:
        return render_template("auth/reset_invalid.html"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user.set_password(form.new_password.data)  # ends other sessions and this link
        db.session.commit()
        _start_session(user)
        flash("Your password is set. Welcome to Horizon.", "success")
        return redirect(url_for("dashboard.index"), 303)
    return render_template("auth/reset.html", form=form, user=user), 422 if form.errors else 200
