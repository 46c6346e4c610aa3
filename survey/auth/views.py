"""Sign-in pages. Every page works without JavaScript; every form carries a CSRF token.

A refused attempt says the same thing whether the address is unknown, the password wrong or the
account locked, so that the form does not reveal which staff accounts exist.
"""

from __future__ import annotations

import segno
from flask import current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from survey.auth import bp, flow, oidc
from survey.extensions import db
from survey.forms import FormErrors, form_page
from survey.services import accounts
from survey.services.audit import audit

Page = str | tuple[str, int] | Response


def _problem(errors: FormErrors, field: str, text: str) -> None:
    """``text`` beside ``field`` (each sign-in field's id is its name) and in the summary."""
    errors.add(text, f"#{field}", field)


def _posted_code(errors: FormErrors, missing: str) -> str:
    """The one-time code the form sent ("" on a GET), with ``missing`` said when it is empty."""
    if request.method != "POST":
        return ""
    code = request.form.get("code", "").strip()
    if not code:
        _problem(errors, "code", missing)
    return code


def _bad_sign_in() -> str:
    return _(
        "E-postadressen eller lösenordet stämmer inte, eller så är kontot tillfälligt låst efter "
        "för många försök. Kontrollera och försök igen om en stund."
    )


def _bad_code() -> str:
    return _(
        "Koden stämmer inte, har redan använts eller så är kontot tillfälligt låst. Skriv den "
        "kod som din app visar just nu, eller en oanvänd reservkod."
    )


def _password_problem(key: str) -> str:
    if key == "short":
        return _("Lösenordet måste ha minst %(n)s tecken", n=accounts.MIN_PASSWORD)
    return _("Lösenorden är inte likadana – skriv samma lösenord två gånger")


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Page:
    next_url = flow.safe_next(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("admin.home"))
    errors = FormErrors()
    email = ""
    if request.method == "POST":
        email = request.form.get("email", "").strip()
        password = request.form.get("password", "")
        if not email:
            _problem(errors, "email", _("Skriv din e-postadress"))
        if not password:
            _problem(errors, "password", _("Skriv ditt lösenord"))
        if not errors:
            user = flow.user_by_email(email)
            usable = user is not None and user.active and not flow.locked(user)
            if user is not None and usable and accounts.check_password(user, password):
                flow.start_pending(user, next_url)
                db.session.commit()
                target = "auth.two_factor" if user.totp_enrolled else "auth.enrol"
                return redirect(url_for(target))
            if user is not None and usable:
                flow.fail(user, "password")
                db.session.commit()
            else:
                accounts.spend_like_a_check(password)
            _problem(errors, "email", _bad_sign_in())
    return form_page(
        "auth/sign_in.html",
        errors,
        email=email,
        next_url=next_url,
        # The proxy's own method, which Flask's types (current_app: Flask) do not show.
        sso=oidc.enabled(current_app._get_current_object()),  # type: ignore[attr-defined]
    )


@bp.route("/two-factor", methods=["GET", "POST"])
def two_factor() -> Page:
    user = flow.pending_user()
    if user is None:
        return redirect(url_for("auth.sign_in"))
    if not user.totp_enrolled:
        return redirect(url_for("auth.enrol"))
    errors = FormErrors()
    code = _posted_code(errors, _("Skriv koden från din app eller en reservkod"))
    if code and not flow.locked(user):
        now = flow.utcnow()
        secret = accounts.totp_secret(user, current_app.config["SECRET_KEY"])
        if accounts.verify_totp(user, secret, code, now):
            target = flow.complete_sign_in(user, "totp")
            db.session.commit()
            return redirect(target)
        if accounts.use_recovery_code(user, code, now):
            target = flow.complete_sign_in(user, "recovery_code")
            audit(
                db.session(),
                "auth.recovery_code_used",
                actor=flow.actor(user),
                left=accounts.recovery_codes_left(user),
            )
            db.session.commit()
            return redirect(target)
        flow.fail(user, "code")
        db.session.commit()
    if code:  # wrong, used, or the account is locked: the same words for each
        _problem(errors, "code", _bad_code())
    return form_page("auth/two_factor.html", errors)


@bp.route("/enrol", methods=["GET", "POST"])
def enrol() -> Page:
    """First sign-in: connect an authenticator app; the recovery codes are shown once."""
    user = flow.pending_user()
    if user is None:
        return redirect(url_for("auth.sign_in"))
    if user.totp_enrolled:
        return redirect(url_for("auth.two_factor"))
    secret = accounts.totp_secret(user, current_app.config["SECRET_KEY"])
    errors = FormErrors()
    code = _posted_code(errors, _("Skriv den sexsiffriga koden som appen visar"))
    if code and accounts.verify_totp(user, secret, code, flow.utcnow()):
        user.totp_enrolled = True
        codes = accounts.new_recovery_codes(user)
        audit(db.session(), "auth.second_factor_enrolled", actor=flow.actor(user))
        target = flow.complete_sign_in(user, "totp")
        db.session.commit()
        return render_template("auth/recovery_codes.html", codes=codes, target=target)
    if code:
        flow.fail(user, "enrol")
        _problem(errors, "code", _("Koden stämmer inte. Skriv den kod som appen visar just nu."))
    db.session.commit()  # the secret, made on first view, must be the same next time
    uri = accounts.provisioning_uri(user, secret, current_app.config["ORGANISATION_NAME"])
    qr = segno.make(uri, error="m").svg_data_uri(scale=5, border=2)
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return form_page("auth/enrol.html", errors, qr=qr, secret=grouped, email=user.email)


@bp.route("/setup/<token>", methods=["GET", "POST"])
def setup(token: str) -> Page:
    """The one-time link from `mognad user create`: choose a password, then enrol the app."""
    user = accounts.user_for_setup(db.session(), token, flow.utcnow())
    if user is None:
        return render_template("auth/link_invalid.html"), 404
    errors = FormErrors()
    if request.method == "POST":
        password = request.form.get("password", "")
        confirm = request.form.get("confirm", "")
        problem = accounts.password_problem(password, confirm)
        if problem:
            _problem(
                errors, "password" if problem == "short" else "confirm", _password_problem(problem)
            )
        else:
            accounts.set_password(user, password)
            audit(db.session(), "auth.password_set", actor=flow.actor(user), via="setup_link")
            flow.end_session()
            flow.start_pending(user)
            db.session.commit()
            return redirect(url_for("auth.enrol"))
    return form_page("auth/setup.html", errors, email=user.email)


@bp.post("/sign-out")
def sign_out() -> Response:
    """End the session on the server, not only in this browser.

    The cookie is signed, not stored: a copy taken before sign-out would still name a valid
    session token. Rotating the account's token makes every copy (and every other device of the
    account) anonymous at its next request.
    """
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        accounts.rotate_session(user)
        audit(db.session(), "auth.signed_out", actor=flow.actor(user))
        db.session.commit()
    logout_user()
    flow.end_session()
    return redirect(url_for("main.index"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> Page:
    """Change the password; every other session of the account ends."""
    errors = FormErrors()
    done = False
    if request.method == "POST":
        user = current_user._get_current_object()
        current = request.form.get("current", "")
        new = request.form.get("password", "")
        if not accounts.check_password(user, current):
            _problem(errors, "current", _("Det nuvarande lösenordet stämmer inte"))
        problem = accounts.password_problem(new, request.form.get("confirm", ""))
        if problem:
            _problem(
                errors, "password" if problem == "short" else "confirm", _password_problem(problem)
            )
        if errors:
            if "current" in errors.fields:
                flow.fail(user, "password_change")
                db.session.commit()
        else:
            accounts.set_password(user, new)
            audit(db.session(), "auth.password_changed", actor=flow.actor(user))
            flow.end_session()
            login_user(user)
            db.session.commit()
            done = True
    return form_page("auth/password.html", errors, done=done)
