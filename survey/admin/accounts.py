"""Staff accounts in the browser: the list, invitations by e-mail, role and scope, disable.

The same account services as `mognad user …` (``survey.services.accounts``); what the browser adds
is the invitation mail: the set-up link goes to the person by e-mail (SMTP or the outbox, like
every other message) instead of being printed in a terminal. The link leads to choosing a
password and connecting an authenticator app, as a link from the terminal does. Every change is
audited under the signed-in admin's name. Only an unscoped admin may use these pages
(``Action.MANAGE_USERS``).
"""

from __future__ import annotations

import re
from typing import Any

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from analysis.languages import LANGUAGES
from survey.access import Action, require
from survey.admin import bp
from survey.admin.mail import mail_settings
from survey.auth import flow
from survey.extensions import db
from survey.forms import FormErrors, form_page
from survey.mail import MailError, Refused, connect
from survey.models import Unit, User
from survey.models.enums import UserRole
from survey.services import accounts
from survey.services.audit import audit
from survey.services.errors import MognadError
from survey.services.mail import letterhead, setup_message

#: The kinds of account the form offers: a scoped admin is an admin bound to units.
KINDS = ("admin", "unit_admin", "hr", "manager")
SCOPED_KINDS = ("unit_admin", "manager")


def kind_of(user: User) -> str:
    if user.role == UserRole.ADMIN and user.unit_codes:
        return "unit_admin"
    return str(user.role)


def state_of(user: User) -> str:
    if not user.active:
        return "disabled"
    return "active" if user.totp_enrolled else "awaiting"


def _load(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _codes(raw: str) -> list[str]:
    return [c for c in re.split(r"[\s,;]+", raw) if c]


def _check_scope(errors: FormErrors, kind: str, raw_units: str) -> list[str]:
    """The unit codes of the form, checked in the page's language."""
    codes = _codes(raw_units)
    if kind not in KINDS:
        errors.add(_("Välj vilken sorts konto det är"), "#kind", "kind")
        return []
    if kind in SCOPED_KINDS and not codes:
        errors.add(
            _("Skriv minst en enhetskod: kontot ser bara de enheterna och enheterna under dem"),
            "#units",
            "units",
        )
    if kind not in SCOPED_KINDS:
        return []
    known = set(db.session.scalars(select(Unit.code).where(Unit.code.in_(codes))))
    missing = [c for c in codes if c not in known]
    if missing:
        errors.add(
            _("Ingen enhet har koden %(codes)s i något års organisation", codes=", ".join(missing)),
            "#units",
            "units",
        )
    return codes


def _role(kind: str) -> str:
    return str(UserRole.ADMIN) if kind == "unit_admin" else kind


def send_setup_mail(user: User, token: str, lang: str) -> str | None:
    """Mail the set-up link; None when sent, else why not (in the page's language)."""
    settings, problem = mail_settings()
    if settings is None:
        return _("E-postinställningarna är felaktiga: %(problem)s", problem=problem)
    head = letterhead(current_app.config, settings, render_template)
    msg = setup_message(user.email, flow.setup_url(token), accounts.SETUP_HOURS, lang, head)
    try:
        with connect(settings) as sender:
            sender.send(msg)
    except (MailError, Refused) as e:
        return _("Meddelandet kunde inte skickas: %(problem)s", problem=str(e))
    return None


def _lang() -> str:
    lang = request.form.get("lang", "")
    return lang if lang in LANGUAGES else str(get_locale() or "sv")


@bp.get("/accounts")
def accounts_list() -> str:
    require(Action.MANAGE_USERS)
    users = db.session.scalars(select(User).order_by(User.email)).all()
    rows = [(u, kind_of(u), state_of(u)) for u in users]
    return render_template("admin/accounts/list.html", rows=rows)


@bp.route("/accounts/new", methods=["GET", "POST"])
def account_new() -> Any:
    """Invite a person: the account is made and its set-up link mailed in one step."""
    require(Action.MANAGE_USERS)
    errors = FormErrors()
    form = {"kind": "", "email": "", "units": "", "lang": str(get_locale() or "sv")}
    if request.method == "POST":
        form = {k: request.form.get(k, "").strip() for k in form}
        email = ""
        if not form["email"]:
            errors.add(_("Skriv personens e-postadress"), "#email", "email")
        else:
            try:
                email = accounts.normalise_email(form["email"])
            except MognadError:
                errors.add(_("Skriv en e-postadress som namn@kommun.se"), "#email", "email")
        codes = _check_scope(errors, form["kind"], form["units"])
        if email and accounts.find_user(db.session(), email) is not None:
            errors.add(_("Det finns redan ett konto för %(email)s", email=email), "#email", "email")
        if not errors:
            user, token = accounts.create_user(
                db.session(), email, _role(form["kind"]), codes, flow.utcnow()
            )
            problem = send_setup_mail(user, token, _lang())
            if problem:
                db.session.rollback()
                errors.add(problem, "#email")
            else:
                audit(
                    db.session(), "user.created", actor=flow.actor(current_user),
                    user=user.email, role=user.role, units=list(user.unit_codes),
                )  # fmt: skip
                db.session.commit()
                return redirect(url_for("admin.account_detail", user_id=user.id, done="sent"), 303)
    return form_page("admin/accounts/new.html", errors, form=form)


@bp.route("/accounts/<int:user_id>", methods=["GET", "POST"])
def account_detail(user_id: int) -> Any:
    """One account: its scope, state and the changes an admin can make to it."""
    require(Action.MANAGE_USERS)
    user = _load(user_id)
    errors = FormErrors()
    form = {"kind": kind_of(user), "units": " ".join(user.unit_codes)}
    if request.method == "POST":
        what = request.form.get("action", "")
        if user.id == current_user.id and what in ("scope", "disable"):
            errors.add(_("Du kan inte ändra eller stänga av ditt eget konto här."), "#main")
        elif what == "scope":
            form = {k: request.form.get(k, "").strip() for k in form}
            codes = _check_scope(errors, form["kind"], form["units"])
            if not errors:
                user.role = _role(form["kind"])
                accounts.bind_units(db.session(), user, codes)
                accounts.rotate_session(user)  # the new rights from the next sign-in
                return _done(user, "user.scope", "scope", role=user.role, units=codes)
        elif what in ("disable", "enable"):
            (accounts.disable_user if what == "disable" else accounts.enable_user)(user)
            return _done(user, f"user.{what}d", what)
        elif what == "resend" and user.active:
            token = accounts.issue_setup(user, flow.utcnow())
            problem = send_setup_mail(user, token, _lang())
            if problem:
                db.session.rollback()
                errors.add(problem, "#resend")
            else:
                return _done(user, "user.reset", "sent")
        else:
            abort(400)
    return form_page(
        "admin/accounts/detail.html",
        errors,
        account=user,
        kind=kind_of(user),
        state=state_of(user),
        form=form,
        done=request.args.get("done", ""),
    )


def _done(user: User, event: str, done: str, **detail: Any) -> Any:
    audit(db.session(), event, actor=flow.actor(current_user), user=user.email, **detail)
    db.session.commit()
    return redirect(url_for("admin.account_detail", user_id=user.id, done=done), 303)
