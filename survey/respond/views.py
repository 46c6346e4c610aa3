"""Respondent pages: link entry, role choice, welcome, one page per category, review, submit.

Every page works without JavaScript. Each Next/Back saves the page in the draft; the request's
single commit happens here, never in the services.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_number, get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response as HttpResponse

from analysis.instruments import ROLES
from survey.extensions import db
from survey.mixing import mix_after_submit
from survey.models import Round, Unit
from survey.respond import accessibility, context, pages
from survey.respond.context import Respondent, Stop
from survey.services import respond as service
from survey.services.links import (
    check_unit_key,
    invitation_by_token,
    subtree,
    unit_in_round,
)
from survey.services.rounds import snapshot_questionnaire

bp = Blueprint("respond", __name__)
bp.add_url_rule("/accessibility", "accessibility", accessibility.statement, methods=["GET", "POST"])

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


@bp.after_request
def private(response: HttpResponse) -> HttpResponse:
    """No referrer leaves these pages (tokens, rounds); nothing personal is cached."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(Stop)
def stop(e: Stop) -> tuple[str, int]:
    db.session.rollback()
    return render_template("respond/status.html", kind=e.kind, round=e.round), STATUS[e.kind]


@bp.errorhandler(CSRFError)
def stale_form(e: CSRFError) -> tuple[str, int]:
    return render_template("respond/status.html", kind="stale"), 400


@bp.context_processor
def helpers() -> dict[str, Any]:
    lang = str(get_locale() or "sv")

    def tr(text: dict[str, Any] | None) -> Any:
        """A questionnaire text in the page's language (Swedish if it lacks a translation)."""
        if not text:
            return ""
        return text.get(lang) or text.get("sv") or next(iter(text.values()))

    def tr_lang(text: dict[str, Any] | None) -> str | None:
        """The language of tr(text) when it differs from the page's (for a lang attribute)."""
        if not text or text.get(lang):
            return None
        return "sv" if text.get("sv") else next(iter(text))

    return {
        "tr": tr,
        "tr_lang": tr_lang,
        "role_name": role_name,
        "ROLES": ROLES,
        "number": format_number,
    }


def role_name(role: str) -> str:
    return {"employee": _("Medarbetare"), "manager": _("Chef"), "specialist": _("Specialist")}.get(
        role, role
    )


# --- Entry --------------------------------------------------------------------------------------


@bp.get("/s/<path:token>")
def personal_link(token: str) -> HttpResponse:
    """Exchange a personal token for the session and continue without the token in the URL."""
    inv = invitation_by_token(db.session, token)
    if inv is None:
        raise Stop("unknown")
    if inv.status == "completed":
        raise Stop("used", inv.round)
    context.check_round(inv.round)
    context.enter_personal(token)
    draft = service.draft_for_invitation(db.session, inv.id)
    if draft is not None:
        return redirect(_resume_url(draft.page, draft.role, inv.round))
    return redirect(url_for("respond.welcome"))


@bp.get("/o/<int:round_id>/<path:unit_code>/<key>")
def unit_link(round_id: int, unit_code: str, key: str) -> HttpResponse:
    """Enter an open round through a unit's shared link."""
    secret = current_app.config["SECRET_KEY"]
    if not check_unit_key(secret, round_id, unit_code, key):
        raise Stop("unknown")
    rnd = db.session.get(Round, round_id)
    unit = unit_in_round(db.session, rnd, unit_code) if rnd is not None else None
    if rnd is None or unit is None or rnd.mode != "open":
        raise Stop("unknown")
    context.check_round(rnd)
    context.enter_open(rnd, unit)
    if context.answered_open(rnd.id):
        raise Stop("answered_open", rnd)
    who = context.load()
    if who.draft is not None:
        return redirect(_resume_url(who.draft.page, who.role, rnd))
    return redirect(url_for("respond.role"))


@bp.post("/survey/again")
def answer_again() -> HttpResponse:
    """On a shared computer: let the next person answer an open round in this browser."""
    state = session.get(context.KEY) or {}
    if state.get("kind") != "open":
        raise Stop("no_session")
    context.forget_answered(state["round"])
    return redirect(url_for("respond.role"), 303)


def _resume_url(page: int, role: str, rnd: Round) -> str:
    plan = service.plan_for(snapshot_questionnaire(db.session, rnd), role)
    if page >= plan.review:
        return url_for("respond.review")
    if page >= 1:
        return url_for("respond.page", number=page)
    return url_for("respond.welcome")


# --- Role (open links) ----------------------------------------------------------------------------


@bp.route("/survey/role", methods=["GET", "POST"])
def role() -> Any:
    """Open links: the respondent says which role they have (and unit, for a parent unit)."""
    who = _respondent()
    if who.personal:
        return redirect(url_for("respond.welcome"))
    assert who.link_unit is not None
    units = subtree(db.session, who.link_unit)
    choose_unit = len(units) > 1
    form = {"role": who.role, "unit": who.unit_id}
    errors: list[dict[str, str]] = []
    field_errors: dict[str, str] = {}
    if request.method == "POST":
        chosen_role = request.form.get("role", "")
        chosen_unit = request.form.get("unit", type=int) if choose_unit else who.link_unit.id
        form = {"role": chosen_role, "unit": chosen_unit}
        if chosen_role not in ROLES:
            field_errors["role"] = _("Välj vilken roll du har")
            errors.append({"href": "#role-employee", "text": field_errors["role"]})
        if chosen_unit not in {c.unit.id for c in units}:
            field_errors["unit"] = _("Välj vilken enhet du arbetar i")
            first = f"#unit-{units[0].unit.id}" if len(units) <= UNIT_RADIOS_MAX else "#unit"
            errors.append({"href": first, "text": field_errors["unit"]})
        if not errors:
            context.choose(chosen_unit, chosen_role)
            if who.draft is not None:
                plan = service.plan_for(who.questionnaire, chosen_role)
                service.change_role(db.session, who.draft, chosen_unit, chosen_role, plan)
                db.session.commit()
            return redirect(url_for("respond.welcome"), 303)
    return render_template(
        "respond/role.html",
        who=who,
        units=units,
        choose_unit=choose_unit,
        unit_radios=len(units) <= UNIT_RADIOS_MAX,
        form=form,
        errors=errors,
        field_errors=field_errors,
    ), (400 if errors else 200)


# --- Welcome and start -------------------------------------------------------------------------


@bp.get("/survey")
def welcome() -> Any:
    who = _respondent()
    if who.role is None:
        return redirect(url_for("respond.role"))
    unit = db.session.get(Unit, who.unit_id)
    return render_template("respond/welcome.html", who=who, plan=who.plan, unit=unit)


@bp.route("/survey/start", methods=["GET", "POST"])
def start() -> HttpResponse:
    """Create the draft (once) and go to the first page, or to where the respondent left off."""
    if request.method == "GET":
        return redirect(url_for("respond.welcome"))
    who = context.load()
    if who.role is None or who.unit_id is None:
        return redirect(url_for("respond.role"), 303)
    try:
        if who.personal:
            draft = service.start_invitation_draft(db.session, who.invitation)
        else:
            key = context.browser_key(who.round.id) or service.new_browser_key()
            context.set_browser_key(who.round.id, key)
            draft = service.start_browser_draft(
                db.session, who.round.id, who.unit_id, who.role, key
            )
        page = draft.page
        db.session.commit()
    except IntegrityError:  # a double click created it in parallel
        db.session.rollback()
        who = context.load()
        page = who.draft.page if who.draft else 0
    return redirect(_resume_url(max(page, 1), who.role, who.round), 303)


# --- Question pages ----------------------------------------------------------------------------


def _with_draft() -> Respondent:
    who = _respondent()
    if who.draft is None:
        raise _Redirect(url_for("respond.welcome"))
    return who


def _respondent() -> Respondent:
    """The respondent, or after Back from the receipt (submit forgot them) the receipt again.

    The session remembers only the round this browser answered: nothing leads to the answers."""
    try:
        return context.load()
    except Stop as e:
        if e.kind == "no_session" and context.done_round() is not None:
            raise _Redirect(url_for("respond.thanks")) from None
        raise


class _Redirect(Exception):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


@bp.errorhandler(_Redirect)
def _redirect(e: _Redirect) -> HttpResponse:
    return redirect(e.url, 303)


@bp.route("/survey/page/<int:number>", methods=["GET", "POST"])
def page(number: int) -> Any:
    who = _with_draft()
    plan = who.plan
    current = plan.page(number)
    if current is None:
        raise NotFound()
    back_to_review = request.values.get("return") == "review"
    if request.method == "GET":
        values = service.draft_values(db.session, who.draft)
        return _render_page(who, plan, current, values, [], {}, back_to_review)
    form = request.form.to_dict(flat=False)
    values, problems = service.parse_page(current, form)
    if problems:
        errors, field_errors = pages.page_errors(current, problems)
        values |= pages.kept_comments(problems, form)
        return _render_page(who, plan, current, values, errors, field_errors, back_to_review), 400
    going_back = request.form.get("action") == "back"
    if going_back:
        target = number - 1
    elif back_to_review:
        target = plan.review
    else:
        target = number + 1
    try:
        service.save_page(db.session, who.draft, current, values, target)
        db.session.commit()
    except IntegrityError:  # the same page saved twice at once (a double click): save again
        db.session.rollback()
        who = _with_draft()
        service.save_page(db.session, who.draft, current, values, target)
        db.session.commit()
    if target >= plan.review:
        return redirect(url_for("respond.review"), 303)
    if target < 1:
        return redirect(url_for("respond.welcome"), 303)
    return redirect(url_for("respond.page", number=target), 303)


def _render_page(
    who: Respondent,
    plan: service.Plan,
    current: service.Page,
    values: dict[str, str],
    errors: list[dict[str, str]],
    field_errors: dict[str, str],
    back_to_review: bool,
) -> str:
    return render_template(
        "respond/page.html",
        who=who,
        plan=plan,
        page=current,
        values=values,
        errors=errors,
        field_errors=field_errors,
        back_to_review=back_to_review,
        max_comment=service.MAX_COMMENT,
    )


# --- Review and submit -------------------------------------------------------------------------


@bp.get("/survey/review")
def review() -> str:
    who = _with_draft()
    plan = who.plan
    values = service.draft_values(db.session, who.draft)
    missing = service.unanswered(plan, values)
    per_page = []
    for p in plan.pages:
        answered = sum(1 for i in p.items if i.id in values)
        written = sum(1 for c in p.comments if c.id in values)
        per_page.append({"page": p, "answered": answered, "written": written})
    return render_template(
        "respond/review.html",
        who=who,
        plan=plan,
        missing=missing,
        per_page=per_page,
        answered=len(plan.items) - len(missing),
    )


@bp.route("/survey/submit", methods=["GET", "POST"])
def submit() -> Any:
    """Submit once; a repeat (double click, reload, retry) shows the thank-you page again."""
    if request.method == "GET":
        return redirect(url_for("respond.review"))
    if session.get(context.KEY) is None and context.done_round() is not None:
        return redirect(url_for("respond.thanks"), 303)
    who = context.load(allow_completed=True)
    if who.personal:
        created = service.submit_invitation(db.session, who.invitation.id, who.plan)
    elif who.draft is not None:
        created = service.submit_browser(db.session, who.draft.id, who.plan)
    else:
        created = False
    rnd = who.round
    if not created:
        db.session.rollback()
        context.finish(rnd, who.personal)
        return _render_thanks(rnd)
    round_id = rnd.id
    db.session.commit()
    context.finish(rnd, who.personal)
    mix_after_submit(round_id)  # its own transaction, after the submission is durable
    return redirect(url_for("respond.thanks"), 303)


_render_thanks = pages.render_thanks


@bp.get("/survey/thanks")
def thanks() -> Any:
    rnd = context.done_round()
    if rnd is None:
        raise Stop("no_session")
    return _render_thanks(rnd)
