"""The overview of a round: a unit's maturity with its change, quadrant, scores, trend, rates.

The unit is the organisation's root for admin and HR, and for a manager the top of their own
subtree (``?unit=`` picks another unit in scope). Every figure is a row of ``round_figures``.
"""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from analysis.typology import QUADRANTS, UNDETERMINED, UNDETERMINED_NAME, place_unit
from survey.access import may_see
from survey.extensions import db
from survey.i18n import page_lang, role_name
from survey.models import Round
from survey.models.enums import FINISHED
from survey.results.dashboard import (
    bp,
    closed_round,
    compare_arg,
    figures,
    role_arg,
    top_units,
)
from survey.results.figures import (
    cells,
    change_word,
    low_alpha,
    unit_names,
)
from survey.results.numbers import number
from survey.results.page_charts import (
    chart_url,
    focus_unit,
    score_rows,
    scores_chart,
    trend_chart,
)
from survey.results.plan_areas import area_rows
from survey.results.quadrant_map import quadrant_section
from survey.results.report_pages import strong_and_weak
from survey.services.report import RoundFigures


def response_rate(fig: RoundFigures, unit: str) -> dict[str, Any] | None:
    """The unit's invited and completed counts, unless its cell is hidden: the number of
    responses of a hidden cell is the very n the suppression keeps back."""
    row = next((r for r in fig.fieldwork if r.unit_code == unit), None)
    cell = cells(fig, unit, "all").get("maturity")
    if row is None or cell is None or cell["suppressed"]:
        return None
    if (row.completed if row.invited else row.responses) is None:
        return None  # the count itself is held back (complementary suppression of counts)
    if row.invited:
        rate = 100.0 * (row.completed or 0) / row.invited
    elif row.headcount and row.responses is not None:
        rate = 100.0 * row.responses / row.headcount
    else:
        rate = None
    return {"row": row, "rate": rate}


def quadrant_of(fig: RoundFigures, unit: str, role: str) -> dict[str, Any] | None:
    """The unit's place in the typology, on the managers' and specialists' axes, or None.

    ``undetermined`` (with the axes whose CI crosses 50) when the data cannot tell the quadrant.
    """
    placed = place_unit(fig.aggregates, unit, role)
    if placed is None:
        return None
    lang = page_lang()
    if placed.quadrant == UNDETERMINED:
        name, advice = UNDETERMINED_NAME.get(lang, UNDETERMINED_NAME["sv"]), ""
    else:
        q = QUADRANTS[placed.quadrant]
        name, advice = q.name.get(lang, q.name["sv"]), q.advice.get(lang, q.advice["sv"])
    return {
        "id": placed.quadrant,
        "name": name,
        "advice": advice,
        "capability": placed.capability,
        "legacy": placed.legacy,
        "reasons": placed.reasons,
    }


@bp.get("/<int:round_id>/")
def overview(round_id: int) -> str:
    rnd = closed_round(round_id)
    role, compare_id = role_arg(), compare_arg()
    unit = focus_unit(rnd)
    fig = figures(rnd, compare_id)
    rows = score_rows(fig, unit, role)
    head = next((r for r in rows if r["index"] == "maturity"), None)
    est = fig.estimates
    headline = None
    if est and est.headline and unit == est.root and role == "all" and head:
        arrow, word = change_word(est.headline.get("change"))
        headline = est.headline | {"arrow": arrow, "change_word": word}
    shares = est.weights.items() if est else ()
    weights_text = ", ".join(
        f"{role_name(r).lower()} {number(100 * w, 0)} %" for r, w in shares if w > 0
    )
    if est and est.source == "none":
        weights_text += "; " + _("andelar av de svarande, antal anställda per roll saknas")
    args = {"role": role, "unit": unit, "compare": compare_id}
    others = db.session.scalars(
        select(Round)
        .where(Round.year < rnd.year, Round.status.in_(FINISHED))
        .order_by(Round.year.desc())
    ).all()
    return render_template(
        "results/overview.html",
        rnd=rnd,
        fig=fig,
        role=role,
        unit=unit,
        unit_name=unit_names(fig).get(unit, unit),
        tops=top_units(rnd),
        head=head,
        headline=headline,
        weights_text=weights_text,
        rows=rows,
        plan_areas=area_rows(fig, unit, role),
        areas=dict(
            zip(
                ("strongest", "weakest"),
                strong_and_weak(rows, {c.id for c in fig.questionnaire.categories}),
                strict=True,
            )
        ),
        quadrant=quadrant_of(fig, unit, role),
        qmap=quadrant_section(
            fig, unit, role, lambda c: may_see(current_user, rnd.year, c), page_lang()
        ),
        scores=scores_chart(rnd, fig, unit, role),
        scores_url=chart_url(rnd, "scores", **args),
        trend=trend_chart(rnd, unit, role),
        trend_url=chart_url(rnd, "trend", role=role, unit=unit),
        rate=response_rate(fig, unit),
        low_alpha=low_alpha(fig),
        compare_id=compare_id,
        others=[r for r in others if r.snapshot.instrument == rnd.snapshot.instrument],
    )
