"""Personal API tokens in the browser (administrators): the list, create (shown once), revoke.

A token reads the API as its owner (``survey.services.tokens``), so creating one is handing out
a credential: only administrators may, it is audit-logged (never the token), and the token is
shown on the page that answers the form and nowhere else (the blueprint sends ``no-store``).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from survey.access import Action, require
from survey.admin import bp
from survey.admin.org import actor
from survey.extensions import db
from survey.forms import FormErrors, form_page
from survey.messages import staff_message
from survey.models import ApiToken, User
from survey.models.audit import utcnow
from survey.services.audit import audit
from survey.services.errors import MognadError
from survey.services.tokens import create_token, list_tokens, revoke_token


def _page(errors: FormErrors, form: dict[str, str]) -> tuple[str, int]:
    accounts = db.session.scalars(
        select(User).where(User.active.is_(True)).order_by(User.email)
    ).all()
    return form_page(
        "admin/tokens/index.html",
        errors,
        tokens=list_tokens(db.session()),
        accounts=accounts,
        form=form,
    )


@bp.get("/tokens/")
def tokens() -> tuple[str, int]:
    require(Action.MANAGE_USERS)
    return _page(FormErrors(), {"user": "", "name": ""})


@bp.post("/tokens/")
def token_create() -> tuple[str, int]:
    require(Action.MANAGE_USERS)
    form = {k: request.form.get(k, "").strip() for k in ("user", "name")}
    errors = FormErrors()
    owner = db.session.get(User, int(form["user"])) if form["user"].isdigit() else None
    if owner is None or not owner.active:
        errors.add(_("Välj det konto som nyckeln ska höra till."), "#user", "user")
    if not form["name"]:
        errors.add(_("Skriv vad nyckeln ska användas till."), "#name", "name")
    if errors or owner is None:
        return _page(errors, form)
    try:
        row, token = create_token(db.session(), owner, form["name"])
    except MognadError as e:
        db.session.rollback()
        errors.add(staff_message(e), "#name", "name")
        return _page(errors, form)
    audit(
        db.session(), "token.created", actor=actor(), user=owner.email, token=row.id, name=row.name
    )
    db.session.commit()
    return render_template("admin/tokens/created.html", row=row, token=token), 200


@bp.post("/tokens/<int:token_id>/revoke")
def token_revoke(token_id: int) -> Response:
    require(Action.MANAGE_USERS)
    if db.session.get(ApiToken, token_id) is None:
        abort(404)
    try:
        row = revoke_token(db.session(), token_id, utcnow())
    except MognadError:
        db.session.rollback()
        flash(_("Nyckeln är redan återkallad."), "error")
        return redirect(url_for("admin.tokens"))
    audit(
        db.session(),
        "token.revoked",
        actor=actor(),
        user=row.user.email,
        token=row.id,
        name=row.name,
    )
    db.session.commit()
    flash(_("Nyckeln %(name)s är återkallad och fungerar inte längre.", name=row.name))
    return redirect(url_for("admin.tokens"))
