"""The overview of a round: a unit's maturity with its change, quadrant, scores, trend, rates.

The unit is the organisation's root for admin and HR, and for a manager the top of their own
subtree (``?unit=`` picks another unit in scope). Every figure is a row of ``round_figures``.
"""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from analysis.typology import QUADRANTS, UNDETERMINED, UNDETERMINED_NAME, place_unit
from survey.extensions import db
from survey.i18n import page_lang, role_name
from survey.models import Round
from survey.models.enums import FINISHED
from survey.results import charts
from survey.results.dashboard import (
    bp,
    closed_round,
    compare_arg,
    figures,
    may_see,
    number,
    require_unit,
    role_arg,
    top_units,
)
from survey.results.figures import (
    cells,
    change_word,
    effect_word,
    index_label,
    indices_for,
    low_alpha,
    unit_names,
)
from survey.results.quadrant_map import quadrant_section
from survey.results.report_pages import strong_and_weak
from survey.services.report import RoundFigures


def chart_texts() -> charts.Texts:
    return charts.Texts(
        label=_("Index"),
        value=_("Medelvärde (0–100)"),
        ci_low=_("95 % KI, nedre"),
        ci_high=_("95 % KI, övre"),
        missing="–",
        missing_note=_("visas inte, för att skydda svarande"),
        ci_note=_("Strecken visar 95 % konfidensintervall."),
    )


def focus_unit(rnd: Round) -> str:
    """``?unit=`` when in scope (403 otherwise), else the user's top unit."""
    code = request.args.get("unit")
    if code:
        require_unit(rnd, code)
        return code
    tops = top_units(rnd)
    if not tops:
        abort(403)
    return tops[0]


def score_rows(fig: RoundFigures, unit: str, role: str) -> list[dict[str, Any]]:
    """The index rows of a unit and role, in report order, with labels and change words."""
    found = cells(fig, unit, role)
    rows = []
    for index in indices_for(fig.questionnaire, role):
        row = found.get(index)
        if row is None:
            continue  # not a cell of this role (no items), so not a row at all
        arrow, word = change_word(row["change"])
        rows.append(
            {
                **row,
                "label": index_label(fig.questionnaire, index),
                "arrow": arrow,
                "change_word": word,
                "effect_word": effect_word(row["effect_size"]),
            }
        )
    return rows


def scores_chart(rnd: Round, fig: RoundFigures, unit: str, role: str) -> charts.Chart:
    rows = score_rows(fig, unit, role)
    name = unit_names(fig).get(unit, unit)
    bars = [
        charts.Bar(
            r["label"],
            None if r["suppressed"] else r["score"],
            None if r["suppressed"] else r["ci_low"],
            None if r["suppressed"] else r["ci_high"],
        )
        for r in rows
    ]
    return charts.bar_chart(
        "scores",
        bars,
        title=_("Poäng per index: %(unit)s", unit=name),
        caption=_("Medelvärde per dimension och kategori, %(round)s, 0–100.", round=rnd.name),
        texts=chart_texts(),
        fmt=number,
    )


def trend_points(rnd: Round, unit: str, role: str) -> list[dict[str, Any]]:
    """Maturity per closed year of the same instrument, each from that year's figures."""
    instrument = rnd.snapshot.instrument
    earlier = db.session.scalars(
        select(Round)
        .where(Round.year <= rnd.year, Round.status.in_(FINISHED))
        .order_by(Round.year, Round.id)
    ).all()
    points = []
    for other in earlier:
        if other.snapshot.instrument != instrument or not may_see(other.year, unit):
            continue
        if other.year == rnd.year and other.id != rnd.id:
            continue
        row = cells(figures(other), unit, role).get("maturity")
        if row is not None:
            points.append({**row, "round_id": other.id})
    return points


def trend_chart(rnd: Round, unit: str, role: str) -> charts.Chart:
    points = [
        charts.Bar(
            f"{p['year']}",
            None if p["suppressed"] else p["score"],
            None if p["suppressed"] else p["ci_low"],
            None if p["suppressed"] else p["ci_high"],
        )
        for p in trend_points(rnd, unit, role)
    ]
    texts = chart_texts()
    return charts.line_chart(
        "trend",
        points,
        title=_("Digital mognad per år"),
        caption=_("Digital mognad (0–100) för varje stängd omgång av samma enkät."),
        texts=charts.Texts(**{**texts.__dict__, "label": _("År")}),
        fmt=number,
    )


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


def chart_url(rnd: Round, name: str, **args: Any) -> str:
    return url_for(
        "dashboard.chart",
        round_id=rnd.id,
        name=name,
        **{k: v for k, v in args.items() if v is not None},
    )


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
        areas=dict(zip(("strongest", "weakest"), strong_and_weak(rows), strict=True)),
        quadrant=quadrant_of(fig, unit, role),
        qmap=quadrant_section(fig, unit, role, lambda c: may_see(rnd.year, c), page_lang()),
        scores=scores_chart(rnd, fig, unit, role),
        scores_url=chart_url(rnd, "scores", **args),
        trend=trend_chart(rnd, unit, role),
        trend_url=chart_url(rnd, "trend", role=role, unit=unit),
        rate=response_rate(fig, unit),
        low_alpha=low_alpha(fig),
        compare_id=compare_id,
        others=[r for r in others if r.snapshot.instrument == rnd.snapshot.instrument],
        number=number,
    )
