"""Fieldwork pages: live counts per unit subtree and role, and their CSV.

Counts only. A manager sees the subtrees they are bound to and is refused any other unit, on
the page and in the download alike, because both go through ``_scope``.
"""

from __future__ import annotations

from types import SimpleNamespace

from flask import Response, abort, current_app, render_template, request
from flask_login import current_user
from sqlalchemy import select

from analysis.roles import ROLES
from survey.access import Action, allowed, allowed_anywhere, require, units_in_scope
from survey.admin import bp
from survey.extensions import db
from survey.i18n import template_helpers
from survey.models import Round, Unit
from survey.models.enums import RoundMode, RoundStatus
from survey.services.fieldwork import live_fieldwork, live_fieldwork_csv
from survey.services.report import round_k

# The staff templates speak the page's language like the respondent pages do.
bp.context_processor(template_helpers)


def _round(name: str) -> Round:
    rnd = db.session.scalar(select(Round).where(Round.name == name))
    if rnd is None:
        abort(404)
    return rnd


def _may_see_some_fieldwork() -> None:
    if not allowed_anywhere(current_user, Action.VIEW_FIELDWORK):
        abort(403)


def _scope(rnd: Round, code: str | None) -> set[str] | None:
    """The unit codes this user may see in ``rnd`` (None: all); 403 for a unit out of scope."""
    _may_see_some_fieldwork()
    if code:
        unit = db.session.scalar(select(Unit).where(Unit.year == rnd.year, Unit.code == code))
        require(Action.VIEW_FIELDWORK, unit or SimpleNamespace(year=rnd.year, code=code))
        if unit is None:
            abort(404)
    if allowed(current_user, Action.VIEW_FIELDWORK):
        return None
    return units_in_scope(current_user, rnd.year, Action.VIEW_FIELDWORK) or set()


def _k(rnd: Round) -> int:
    """The group size the round's reports suppress below (the same rule as ``mognad report``)."""
    return round_k(rnd, int(current_app.config["K_ANONYMITY"]))


def _threshold() -> float:
    return float(current_app.config.get("FIELDWORK_THRESHOLD", 50))


@bp.get("/fieldwork/")
def fieldwork_rounds() -> str:
    _may_see_some_fieldwork()
    rounds = db.session.scalars(
        select(Round)
        .where(Round.status != RoundStatus.DRAFT)
        .order_by(Round.year.desc(), Round.name)
    ).all()
    return render_template("admin/fieldwork/rounds.html", rounds=rounds)


@bp.get("/fieldwork/<name>")
def fieldwork(name: str) -> str:
    rnd = _round(name)
    code = request.args.get("unit") or None
    role = request.args.get("role") or ""
    scope = _scope(rnd, code)
    rows = live_fieldwork(db.session(), rnd, root=code, scope=scope)
    choices = live_fieldwork(db.session(), rnd, scope=scope)
    if role not in ROLES:
        role = ""
    return render_template(
        "admin/fieldwork/round.html",
        rnd=rnd,
        rows=rows,
        choices=choices,
        unit=code,
        role=role,
        threshold=_threshold(),
        k=_k(rnd),
        invited_round=rnd.mode == RoundMode.INVITED,
        remind=_remindable(rnd, code),
        may_hand_out=allowed_anywhere(current_user, Action.SEND_MAIL),
    )


def _remindable(rnd: Round, code: str | None) -> list[Unit]:
    """The units whose subtree this person may send reminders to from here: the chosen unit,
    or a scoped administrator's own units (an unscoped admin reminds from the round page)."""
    if rnd.mode != RoundMode.INVITED or rnd.status != RoundStatus.OPEN:
        return []
    codes = [code] if code else list(current_user.unit_codes)
    units = db.session.scalars(select(Unit).where(Unit.year == rnd.year, Unit.code.in_(codes)))
    return [u for u in units if allowed(current_user, Action.SEND_MAIL, u)]


@bp.get("/fieldwork/<name>/fieldwork.csv")
def fieldwork_csv(name: str) -> Response:
    rnd = _round(name)
    code = request.args.get("unit") or None
    rows = live_fieldwork(db.session(), rnd, root=code, scope=_scope(rnd, code))
    body = live_fieldwork_csv(rows, _threshold(), _k(rnd))
    filename = f"fieldwork-{rnd.id}{'-' + str(rows[0].code) if code and rows else ''}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_safe(filename)}"'},
    )


def _safe(filename: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in filename)
