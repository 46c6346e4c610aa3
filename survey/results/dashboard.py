"""Staff dashboards of closed rounds: the blueprint, its sign-in guard, and what views share.

The views (``overview``, ``units``, ``gaps``, ``suggestions``, ``chart_files``) import ``bp``
and the helpers from here and are themselves imported in one place, ``survey.results.routes``.

Results exist only for closed (or published) rounds: an open round's figures would change
between two visits and their difference would reveal an answer, so its pages say so and show
nothing. Every figure comes from ``survey.services.report.round_figures`` (already suppressed)
or ``survey.services.items``; the views only pick rows. A manager sees their own subtree: the
overview starts at the units they are bound to, and any other unit is refused with 403.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from types import SimpleNamespace
from typing import TypeVar

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from analysis.roles import OUTPUT_ROLES
from survey.access import (
    Action,
    allowed,
    allowed_anywhere,
    in_scope,
    may_see,
    require,
    staff_only,
    units_in_scope,
)
from survey.auth.flow import actor
from survey.extensions import db
from survey.i18n import template_helpers
from survey.models import Round, Unit
from survey.models.enums import FINISHED, UserRole
from survey.services import memo, stored
from survey.services.errors import MognadError
from survey.services.report import RoundFigures, round_k
from survey.services.rounds import note_results_shown
from survey.services.settings import FigureSettings
from survey.services.statistics import tree_frame

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
bp.context_processor(template_helpers)
staff_only(bp)


class NotReady(Exception):
    """A round whose results do not exist (yet): answered with a page that says why."""

    def __init__(self, rnd: Round) -> None:
        self.round = rnd


@bp.errorhandler(NotReady)
def not_ready(error: NotReady) -> tuple[str, int]:
    return render_template("results/not_ready.html", rnd=error.round), 404


@bp.errorhandler(MognadError)
def bad_request(error: MognadError) -> tuple[str, int]:
    """A comparison that cannot be made (a later round, another instrument): say which."""
    from survey.messages import staff_message

    return render_template("results/bad_request.html", message=staff_message(error)), 400


def may_view_results() -> None:
    """Anyone whose role has results somewhere (a manager: in their units); 403 otherwise."""
    if not allowed_anywhere(current_user, Action.VIEW_RESULTS):
        abort(403)


def closed_round(round_id: int) -> Round:
    """The round, if it has results; 404 for an unknown round, NotReady for an open one."""
    may_view_results()
    rnd = db.session.get(Round, round_id)
    if rnd is None:
        abort(404)
    if rnd.status not in FINISHED:
        raise NotReady(rnd)
    return rnd


def role_arg() -> str:
    role = request.args.get("role", "all")
    if role not in OUTPUT_ROLES:
        abort(400, description=_("Okänd roll: %(role)s", role=role))
    return role


def k_of(rnd: Round) -> int:
    return round_k(rnd, int(current_app.config["K_ANONYMITY"]))


T = TypeVar("T")


def remembered(kind: str, key: Hashable, build: Callable[[], T]) -> T:
    """``build()`` once while the closed rounds stay as they are (``survey.services.memo``)."""
    k = int(current_app.config["K_ANONYMITY"])
    return memo.remembered(db.session(), k, kind, key, build)


def figures(rnd: Round, compare_id: int | None = None) -> RoundFigures:
    """The round's figures as stored (``survey.services.stored``), compared with
    ``compare_id`` (or last year)."""
    compare = None
    if compare_id is not None:
        other = db.session.get(Round, compare_id)
        if other is None:
            abort(404)
        if other.status not in FINISHED:
            raise NotReady(other)
        compare = other.name
    fig, compared = kept_figures(rnd, compare, compare_id)
    # The rounds inside belong to the session that built the figures; give this request's.
    other = db.session.get(Round, compared) if compared is not None else None
    # Once seen, the round may never reopen (its figures could then be differenced).
    name = other.name if other is not None else None
    note_results_shown(db.session(), "results.view", rnd.name, name, actor(current_user))
    db.session.commit()
    return fig.with_rounds(rnd, other)


def kept_figures(
    rnd: Round, compare: str | None = None, compare_id: int | None = None
) -> tuple[RoundFigures, int | None]:
    """The round's figures and the id of the round they compare with, from this process's
    memory (read from the stored row once); nothing is noted as shown."""
    settings = FigureSettings.of(current_app.config)

    def build() -> tuple[RoundFigures, int | None]:
        fig = stored.figures(db.session(), rnd.name, settings, compare)
        fig.cell_rows, fig.gap_rows  # built once here, kept with the figures  # noqa: B018
        return fig, fig.compare.id if fig.compare else None

    return remembered("figures", (rnd.id, compare_id), build)


def compare_arg() -> int | None:
    raw = request.args.get("compare")
    if not raw:
        return None
    if not raw.isdigit():
        abort(400, description=_("Jämförelseomgången ska anges med sitt nummer."))
    return int(raw)


def require_unit(rnd: Round, code: str) -> None:
    """403 for a unit outside the user's scope, 404 for one the year's tree does not have."""
    if not may_see(current_user, rnd.year, code):
        abort(403)
    if code not in set(tree_frame(db.session(), rnd.year)["unit"]):
        abort(404)


def scope_for(action: Action, rnd: Round, code: str | None = None) -> set[str] | None:
    """Unit codes of ``rnd``'s year this user may see for ``action`` (None: all of them).

    403 for someone without the action, or for a ``code`` outside their subtree; 404 for a
    code the year's tree does not have.
    """
    if code:
        unit = db.session.query(Unit).filter_by(year=rnd.year, code=code).one_or_none()
        require(action, unit or SimpleNamespace(year=rnd.year, code=code))
        if unit is None:
            abort(404)
    if allowed(current_user, action):
        return None
    if allowed_anywhere(current_user, action):  # a manager: their units
        return units_in_scope(current_user, rnd.year, action) or set()
    abort(403)


def top_units(rnd: Round) -> list[str]:
    """Where this user's overview starts: the root, or a manager's highest bound units."""
    tree = tree_frame(db.session(), rnd.year)
    if current_user.role != UserRole.MANAGER:
        return [str(tree["unit"].iloc[0])] if len(tree) else []
    parents = dict(zip(tree["unit"], tree["parent"], strict=True))
    bound = [c for c in tree["unit"] if c in set(current_user.unit_codes)]
    return [
        c
        for c in bound
        if not (parents[c] and in_scope(current_user.unit_codes, rnd.year, parents[c]))
    ]


@bp.get("/")
def index() -> str:
    """Closed and published rounds, newest first; each links to its overview."""
    may_view_results()
    rounds = db.session.scalars(
        select(Round).where(Round.status.in_(FINISHED)).order_by(Round.year.desc(), Round.name)
    ).all()
    return render_template("results/index.html", rounds=rounds)
