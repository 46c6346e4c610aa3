"""Ways in: a personal link, an open round's unit link, the role choice, and the status pages
that explain why a link leads nowhere."""

from __future__ import annotations

from typing import Any

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response as HttpResponse

from analysis.instruments import ROLES
from survey.extensions import db
from survey.forms import FormErrors, form_page
from survey.models import Round
from survey.models.enums import InvitationStatus, RoundMode
from survey.respond import context
from survey.respond.context import Stop
from survey.respond.flow import respondent, resume_url
from survey.services import respond as service
from survey.services.links import check_unit_key, invitation_by_token, subtree, unit_in_round

UNIT_RADIOS_MAX = 8

# Status page kind → HTTP status; the texts live in templates/respond/status.html.
STATUS = {
    "unknown": 404,
    "used": 410,
    "not_open": 403,
    "closed": 410,
    "no_session": 403,
    "answered_open": 200,
}


def stop(e: Stop) -> tuple[str, int]:
    db.session.rollback()
    return render_template("respond/status.html", kind=e.kind, round=e.round), STATUS[e.kind]


def stale_form(e: CSRFError) -> tuple[str, int]:
    return render_template("respond/status.html", kind="stale"), 400


def personal_link(token: str) -> HttpResponse:
    """Exchange a personal token for the session and continue without the token in the URL."""
    inv = invitation_by_token(db.session(), token)
    if inv is None:
        raise Stop("unknown")
    if inv.status == InvitationStatus.COMPLETED:
        raise Stop("used", inv.round)
    context.check_round(inv.round)
    context.enter_personal(token)
    draft = service.draft_for_invitation(db.session(), inv.id)
    if draft is not None:
        return redirect(resume_url(draft.page, draft.role, inv.round))
    return redirect(url_for("respond.welcome"))


def unit_link(round_id: int, unit_code: str, key: str) -> HttpResponse:
    """Enter an open round through a unit's shared link."""
    secret = current_app.config["SECRET_KEY"]
    if not check_unit_key(secret, round_id, unit_code, key):
        raise Stop("unknown")
    rnd = db.session.get(Round, round_id)
    unit = unit_in_round(db.session(), rnd, unit_code) if rnd is not None else None
    if rnd is None or unit is None or rnd.mode != RoundMode.OPEN:
        raise Stop("unknown")
    context.check_round(rnd)
    context.enter_open(rnd, unit)
    if context.answered_open(rnd.id):
        raise Stop("answered_open", rnd)
    who = context.load()
    if who.draft is not None:
        return redirect(resume_url(who.draft.page, who.draft.role, rnd))
    return redirect(url_for("respond.role"))


def answer_again() -> HttpResponse:
    """On a shared computer: let the next person answer an open round in this browser."""
    state = session.get(context.KEY) or {}
    if state.get("kind") != context.OPEN:
        raise Stop("no_session")
    context.forget_answered(state["round"])
    return redirect(url_for("respond.role"), 303)


def role() -> Any:
    """Open links: the respondent says which role they have (and unit, for a parent unit)."""
    who = respondent()
    if who.personal:
        return redirect(url_for("respond.welcome"))
    assert who.link_unit is not None
    units = subtree(db.session(), who.link_unit)
    choose_unit = len(units) > 1
    form = {"role": who.role, "unit": who.unit_id}
    errors = FormErrors()
    if request.method == "POST":
        chosen_role = request.form.get("role", "")
        chosen_unit = request.form.get("unit", type=int) if choose_unit else who.link_unit.id
        form = {"role": chosen_role, "unit": chosen_unit}
        if chosen_role not in ROLES:
            errors.add(_("Välj vilken roll du har"), "#role-employee", "role")
        if chosen_unit not in {c.unit.id for c in units}:
            first = f"#unit-{units[0].unit.id}" if len(units) <= UNIT_RADIOS_MAX else "#unit"
            errors.add(_("Välj vilken enhet du arbetar i"), first, "unit")
        if not errors and chosen_unit is not None:  # (a missing unit is an error above)
            context.choose(chosen_unit, chosen_role)
            if who.draft is not None:
                plan = service.plan_for(who.questionnaire, chosen_role)
                service.change_role(
                    db.session(), who.draft, chosen_unit, chosen_role, plan, who.draft_sealer
                )
                db.session.commit()
            return redirect(url_for("respond.welcome"), 303)
    return form_page(
        "respond/role.html",
        errors,
        who=who,
        units=units,
        choose_unit=choose_unit,
        unit_radios=len(units) <= UNIT_RADIOS_MAX,
        form=form,
    )
