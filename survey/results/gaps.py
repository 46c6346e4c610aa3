"""HR competence gaps of a closed round: heatmap, top gaps per unit, trend, SVG and XLSX.

Every figure is a cell of ``round_figures(...).gaps``, already suppressed. Gaps are for hr,
admin and managers (``Action.VIEW_GAPS``); ``scope_for`` limits a manager to their subtree on
the page and in both downloads alike, with the same suppressed cells everyone sees.
"""

from __future__ import annotations

from flask import Response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from survey.access import Action, allowed_anywhere
from survey.extensions import db
from survey.i18n import role_name, tr
from survey.models import Round
from survey.models.enums import FINISHED
from survey.results.dashboard import bp, closed_round, figures, scope_for
from survey.results.gap_tables import (
    BANDS,
    gap_categories,
    gap_roles,
    heatmap,
    top_gaps,
    trend,
    units_shown,
)
from survey.results.gaps_xlsx import gaps_workbook
from survey.results.heatmap import heatmap_svg
from survey.services.audit import audit
from survey.services.report import RoundFigures
from survey.services.statistics import tree_frame


@bp.context_processor
def gap_links() -> dict[str, object]:
    """Lets the overview link the gap page only for those who may open it (a manager: for
    their own units)."""
    return {"may_view_gaps": lambda: allowed_anywhere(current_user, Action.VIEW_GAPS)}


def _role(roles: list[str]) -> str:
    asked = request.args.get("role", "")
    if asked in roles:
        return asked
    return "employee" if "employee" in roles else (roles[0] if roles else "")


def _trend_years(rnd: Round) -> list[tuple[int, RoundFigures, set[str]]]:
    """(year, figures, visible codes) of every closed round of the instrument up to ``rnd``."""
    instrument = rnd.snapshot.instrument
    rounds = db.session.query(Round).filter(Round.status.in_(FINISHED), Round.year <= rnd.year)
    same = sorted(
        (r for r in rounds if r.snapshot.instrument == instrument), key=lambda r: (r.year, r.id)
    )
    out: list[tuple[int, RoundFigures, set[str]]] = []
    for r in same:
        fig = figures(r)
        visible = scope_for(Action.VIEW_GAPS, r)
        out.append((r.year, fig, set(fig.units["unit"]) if visible is None else visible))
    return out


def near(
    fig: RoundFigures, units: list[tuple[str, str, int]], unit: str | None
) -> list[tuple[str, str, int]]:
    """The chosen unit and the units directly below it, those the viewer may see.

    Top gaps of every unit of a large city would be a table of well over a thousand rows that
    nobody reads; the heatmap shows all units and the XLSX every gap.
    """
    parents = dict(zip(fig.units["unit"], fig.units["parent"], strict=True))
    return [u for u in units if u[0] == unit or parents.get(u[0]) == unit]


@bp.get("/<int:round_id>/gaps")
def gaps(round_id: int) -> str:
    rnd = closed_round(round_id)
    code = request.args.get("unit") or None
    scope = scope_for(Action.VIEW_GAPS, rnd, code)
    fig = figures(rnd)
    q = fig.questionnaire
    roles = gap_roles(q)
    role = _role(roles)
    units = units_shown(fig.units, scope)
    unit = code or (units[0][0] if units else None)
    categories = gap_categories(q, role)
    years = _trend_years(rnd)
    return render_template(
        "results/gaps.html",
        rnd=rnd,
        k=fig.k,
        role=role,
        roles=roles,
        unit=unit,
        units=units,
        categories=categories,
        rows=heatmap(fig, role, scope),
        top=top_gaps(fig, role, [c for c, _, _ in near(fig, units, unit)]),
        near=near(fig, units, unit),
        trend_years=[y for y, _, _ in years],
        trend=trend(years, unit, role, categories) if unit else [],
        bands=BANDS,
        labels={c.id: tr(c.title) for c in q.categories},
    )


@bp.get("/<int:round_id>/gaps.svg")
def gaps_svg(round_id: int) -> Response:
    rnd = closed_round(round_id)
    scope = scope_for(Action.VIEW_GAPS, rnd)
    fig = figures(rnd)
    q = fig.questionnaire
    role = _role(gap_roles(q))
    rows = heatmap(fig, role, scope)
    title = _(
        "Andel under målnivån per enhet och kompetensområde, %(role)s, %(round)s",
        role=role_name(role).lower(),
        round=rnd.name,
    )
    alt = _(
        "Värmekarta: en rad per enhet, en kolumn per kompetensområde; varje ruta visar "
        "andelen svarande under rollens målnivå. Mörkare ruta betyder större andel."
    )
    note = _("– = dolt för att skydda svarande (grupper med färre än %(k)s)", k=fig.k)
    svg = heatmap_svg(rows, [tr(c.title) for c in gap_categories(q, role)], title, alt, note)
    return Response(svg.text, mimetype="image/svg+xml")


@bp.get("/<int:round_id>/gaps.xlsx")
def gaps_xlsx(round_id: int) -> Response:
    rnd = closed_round(round_id)
    scope = scope_for(Action.VIEW_GAPS, rnd)
    fig = figures(rnd)
    tree = tree_frame(db.session(), rnd.year)
    names = dict(zip(tree["unit"], tree["name"], strict=True))
    body = gaps_workbook(fig.gaps, names, fig.questionnaire, scope, rnd.name, fig.k)
    audit(db.session(), "gaps.export", actor=f"web:{current_user.email}", round=rnd.name)
    db.session.commit()
    return Response(
        body,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="gaps-{rnd.id}.xlsx"'},
    )
