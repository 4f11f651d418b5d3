"""Sign in, sign out, register and change a password."""

from flask import (
    Response,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from portal.blueprints.auth import bp, limits
from portal.blueprints.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
)
from portal.core.text import count_words
from portal.extensions import db, limiter, login_manager
from portal.models import utcnow
from portal.rendering import is_local_url
from portal.services import accounts
from portal.services.accounts import (
    authenticate,
    data_rights,
    end_session,
    find_by_email,
    send_password_links,
    start_session,
    user_for_reset_token,
)
from portal.services.accounts.demo_logins import DEMO_ACCOUNTS, demo_accounts_present
from portal.services.accounts.provisioning import audit_password_refusal, password_refusal
from portal.services.accounts.settings import sso_settings

LOGIN_FAILED = "That e-mail and password do not match an account."


def _safe_next(target: str | None) -> str:
    """Only follow a `next` that stays on this site."""
    return target if is_local_url(target) else url_for("dashboard.index")


_limit_options = {"methods": ["POST"], "deduct_when": limits.failed}


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    limits.account_limit,
    key_func=limits.account_key,
    exempt_when=limits.trusted_device,
    on_breach=limits.login_breached,
    **_limit_options,
)
@limiter.limit(
    limits.device_limit,
    key_func=limits.device_key,
    exempt_when=limits.untrusted_device,
    on_breach=limits.login_breached,
    **_limit_options,
)
@limiter.limit(
    limits.address_limit,
    key_func=limits.address_key,
    on_breach=limits.login_breached,
    **_limit_options,
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    settings = sso_settings()
    if form.validate_on_submit():
        refusal = password_refusal(form.email.data, settings)
        user = None if refusal else authenticate(form.email.data, form.password.data)
        if refusal:
            audit_password_refusal(form.email.data, "login")
            form.email.errors.append(refusal)
        elif user:
            user.last_login_at = utcnow()
            db.session.commit()
            start_session(user)
            if pending := data_rights.pending_erasure(user):
                flash(
                    f"Your account is scheduled to be deleted on {pending.due_at:%d %B %Y}. "
                    "You can keep it: Profile → Delete your account → Keep my account.",
                    "info",
                )
            response = redirect(_safe_next(request.args.get("next")), 303)
            return limits.remember_device(response, user.email)
        else:
            form.password.errors.append(LOGIN_FAILED)
    status = 422 if form.errors else 200
    return render_template(
        "auth/login.html",
        form=form,
        show_demo=demo_accounts_present(),
        demo_accounts=DEMO_ACCOUNTS,
    ), status


@bp.post("/logout")
def logout():
    end_session()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"), 303)


@bp.post("/sessions/end-all")
@login_required
def end_all_sessions():
    """Sign out on every device, this one included."""
    ended = accounts.end_all_sessions(current_user)
    flash(f"You have signed out everywhere ({count_words(ended, 'session')}).", "info")
    return redirect(url_for("auth.login"), 303)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(limits.address_limit, key_func=limits.address_key, methods=["POST"])
def register():
    """The answer is the same whether or not the address has an account; the owner is e-mailed."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        next_page = request.args.get("next")
        accounts.start_registration(
            form.email.data,
            form.name.data,
            form.timezone.data,
            form.password.data,
            next_page if is_local_url(next_page) else None,
        )
        db.session.commit()
        return redirect(url_for("auth.register_sent"), 303)
    return render_template("auth/register.html", form=form), 422 if form.errors else 200


@bp.get("/register/sent")
def register_sent():
    return render_template("auth/register_sent.html")


@bp.get("/register/confirm/<token>")
def confirm_registration(token: str):
    user, next_page = accounts.finish_registration(token)
    if user is None:
        return render_template("auth/reset_invalid.html", registration=True), 400
    start_session(user)
    flash(f"Welcome to Horizon, {user.first_name}.", "success")
    return redirect(_safe_next(next_page), 303)


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
            start_session(current_user)  # this session stays; every other one ends
            flash("Your password has been changed. Other sessions were signed out.", "success")
            return redirect(url_for("dashboard.index"), 303)
    return render_template("auth/password.html", form=form), 422 if form.errors else 200


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(limits.account_limit, key_func=limits.account_key, methods=["POST"])
@limiter.limit(limits.address_limit, key_func=limits.address_key, methods=["POST"])
def forgot_password():
    """Queue a link to set a new password; the answer never says whether the account exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        refusal = password_refusal(form.email.data, sso_settings())
        if refusal:  # the same answer whether or not the address has an account
            audit_password_refusal(form.email.data, "forgot")
            flash(refusal, "info")
            return redirect(url_for("auth.login"), 303)
        user = find_by_email(form.email.data)
        if user:
            send_password_links([user])  # queued: a mail server outage cannot change the answer
            db.session.commit()
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
    if password_refusal(user.email, sso_settings()):  # a link sent before enforcement began
        return render_template("auth/reset_invalid.html", sso=sso_settings()), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user.set_password(form.new_password.data)  # ends other sessions and this link
        db.session.commit()
        start_session(user)
        flash("Your password is set. Welcome to Horizon.", "success")
        return redirect(url_for("dashboard.index"), 303)
    return render_template("auth/reset.html", form=form, user=user), 422 if form.errors else 200


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """An invitation to a programme: choose a password (7 days); expired, ask for a new one."""
    invitation = accounts.read_invitation(token[:1000])
    if invitation is None:
        return render_template("auth/reset_invalid.html", invitation=True), 400
    if password_refusal(invitation.user.email, sso_settings()):
        return render_template("auth/reset_invalid.html", sso=sso_settings()), 400
    if invitation.expired:
        return render_template("auth/invitation_expired.html", invitation=invitation), 410
    form = ResetPasswordForm()
    if form.validate_on_submit():
        invitation.user.set_password(form.new_password.data)  # ends this link
        db.session.commit()
        start_session(invitation.user)
        flash("Your password is set. Welcome to Horizon.", "success")
        return redirect(url_for("dashboard.index"), 303)
    status = 422 if form.errors else 200
    return render_template(
        "auth/reset.html", form=form, user=invitation.user, program=invitation.program
    ), status


@bp.post("/invitation/<token>/renew")
@limiter.limit(limits.address_limit, key_func=limits.address_key)
def renew_invitation(token: str):
    """Send a fresh invitation to the account's own address (never to whoever asks)."""
    invitation = accounts.read_invitation(token[:1000])
    if invitation is None:
        return render_template("auth/reset_invalid.html", invitation=True), 400
    accounts.renew_invitation(invitation)
    db.session.commit()
    flash(
        "A new invitation is on its way to the address it was sent to. It works for 7 days.",
        "info",
    )
    return redirect(url_for("auth.login"), 303)


@login_manager.unauthorized_handler
def unauthorized() -> Response:
    """Send the visitor to sign in; an htmx call gets HX-Redirect, never a swapped login page."""
    login_url = url_for("auth.login", next=request.full_path.rstrip("?"))
    if getattr(request, "htmx", None):
        current_url = request.headers.get("HX-Current-URL")
        if current_url:
            from urllib.parse import urlsplit

            parts = urlsplit(current_url)
            page = parts.path + (f"?{parts.query}" if parts.query else "")
            login_url = url_for("auth.login", next=page)
        response = make_response("", 401)
        response.headers["HX-Redirect"] = login_url
        return response
    flash(current_app.login_manager.login_message, "info")
    return redirect(login_url)
