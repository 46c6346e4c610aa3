"""The follow-up of action plans: each plan beside the later round's change in its categories.

Nothing here computes a figure. The change is the comparison already in the later round's
figures (``RoundFigures.aggregates``: Welch difference, its 95 % CI and the word from the
Benjamini–Hochberg-adjusted test), read for the plan's unit and the page's role; a hidden or
non-comparable cell gives the reason and no number. It is the unit's change between the two
rounds, not an effect of the plan (docs/method.md, "Action plans followed up").

Two template globals, so that each page includes its partial with one line:
``plan_follow_up`` for the staff overview (only plans this viewer may see) and
``report_plans`` for the report (only plans marked for it, only figures the report publishes).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flask import has_request_context
from flask_babel import gettext as _
from flask_login import current_user

from analysis.typology import QUADRANTS
from survey.access import Action, allowed
from survey.extensions import db
from survey.i18n import tr
from survey.models import ActionPlan, Round
from survey.plans import bp
from survey.plans.forms import status_names
from survey.results.figures import cells, change_word, index_label, present
from survey.services import plans as service
from survey.services.report import RoundFigures
from survey.services.statistics import code_mapping

#: A quadrant plan is followed up on the typology's two axes.
QUADRANT_AXES = ("capability", "legacy")


def indices_of(plan: ActionPlan) -> list[str]:
    return [*plan.categories, *(QUADRANT_AXES if plan.quadrant else ())]


def change_rows(fig: RoundFigures, plan: ActionPlan, unit: str, role: str) -> list[dict[str, Any]]:
    """One row per index of the plan: the change with its CI and word, or why there is none."""
    found = cells(fig, unit, role)
    known = set(fig.questionnaire.indices)
    rows: list[dict[str, Any]] = []
    for index in indices_of(plan):
        row = found.get(index)
        label = index_label(fig.questionnaire, index) if index in known else index
        if not found:
            rows.append({"label": label, "reason": _("enheten har inga resultat i omgången")})
        elif row is None:
            rows.append({"label": label, "reason": _("gäller inte den här rollen")})
        elif row["suppressed"]:
            rows.append({"label": label, "reason": _("visas inte, för att skydda svarande")})
        elif not present(row.get("delta")):
            rows.append({"label": label, "reason": _("kan inte jämföras")})
        else:
            arrow, word = change_word(row["change"])
            rows.append(
                {
                    "label": label,
                    "reason": None,
                    "delta": row["delta"],
                    "low": row["delta_ci_low"],
                    "high": row["delta_ci_high"],
                    "arrow": arrow,
                    "word": word,
                }
            )
    return rows


def describe(fig: RoundFigures | None, plan: ActionPlan) -> dict[str, Any]:
    """The plan's words for a page: its categories and quadrant named, its status in words."""
    q = fig.questionnaire if fig is not None else None
    names = {c.id: str(tr(c.title)) for c in q.categories} if q is not None else {}
    quadrant = QUADRANTS.get(plan.quadrant or "")
    return {
        "plan": plan,
        "categories": [names.get(c, c) for c in plan.categories],
        "quadrant": tr(dict(quadrant.name)) if quadrant else None,
        "status": status_names().get(plan.status, plan.status),
    }


def _may_manage(year: int, code: str) -> bool:
    if not has_request_context():
        return False
    return allowed(current_user, Action.MANAGE_PLANS, SimpleNamespace(year=year, code=code))


@bp.app_template_global()
def plan_follow_up(fig: RoundFigures, unit: str, role: str) -> dict[str, Any]:
    """For the overview of ``fig.round``: the compared round's plans of ``unit`` with the change
    in their categories, and this round's own plan (to make or open), if this viewer may see
    the unit's plans; an empty result otherwise."""
    rnd, compare = fig.round, fig.compare
    if not _may_manage(rnd.year, unit):
        return {"earlier": [], "own": None, "may": False}
    earlier = []
    if compare is not None and _may_manage(compare.year, unit):
        for plan in service.earlier_plans(db.session(), compare, rnd, unit):
            earlier.append(describe(fig, plan) | {"rows": change_rows(fig, plan, unit, role)})
    own = service.plan_for(db.session(), rnd.id, unit)
    return {"earlier": earlier, "own": own, "may": True, "compare": compare}


@bp.app_template_global()
def report_plans(fig: RoundFigures) -> dict[str, Any]:
    """For the report of ``fig.round``: the plans marked for the report, this round's (what the
    units will do) and the compared round's with the change the report itself publishes (the
    organisation's cells for all roles, suppressed as everywhere)."""
    rnd: Round = fig.round
    names = dict(zip(fig.units["unit"], fig.units["name"], strict=True))
    own = [
        describe(fig, p) | {"unit_name": names.get(p.unit_code, p.unit_code)}
        for p in service.plans_of(db.session(), rnd.id, None)
        if p.in_report
    ]
    earlier = []
    compare = fig.compare
    if compare is not None:
        mapping = code_mapping(db.session(), compare.year, rnd.year)
        for p in service.plans_of(db.session(), compare.id, None):
            if not p.in_report:
                continue
            unit = mapping.get(p.unit_code, p.unit_code)
            earlier.append(
                describe(fig, p)
                | {
                    "unit_name": names.get(unit, p.unit_code),
                    "rows": change_rows(fig, p, unit, "all"),
                }
            )
    return {"own": own, "earlier": earlier, "compare": compare}
