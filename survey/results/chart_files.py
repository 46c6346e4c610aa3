"""Charts served as SVG files, with the scope checks of the page each belongs to.

A chart is the picture of a table on a page, so it is built by that page's own function from
the same figures; the file and the page cannot disagree.
"""

from __future__ import annotations

from flask import Response, abort, request

from survey.results.dashboard import bp, closed_round, compare_arg, figures, require_unit, role_arg
from survey.results.page_charts import (
    compare_chart,
    focus_unit,
    index_arg,
    items,
    items_chart,
    scores_chart,
    trend_chart,
)


@bp.get("/<int:round_id>/charts/<name>.svg")
def chart(round_id: int, name: str) -> Response:
    rnd = closed_round(round_id)
    role, compare_id = role_arg(), compare_arg()
    if name in ("scores", "trend"):
        unit = focus_unit(rnd)
        fig = figures(rnd, compare_id)
        built = (
            scores_chart(rnd, fig, unit, role) if name == "scores" else trend_chart(rnd, unit, role)
        )
    elif name == "compare" or name.startswith("items-"):
        unit = request.args.get("unit") or abort(404)
        require_unit(rnd, unit)
        fig = figures(rnd, compare_id)
        if name == "compare":
            built = compare_chart(fig, rnd, unit, role, index_arg(fig, role))
        else:
            built = items_chart(items(rnd, fig), unit, role, name.removeprefix("items-"))
    else:
        abort(404)
    return Response(built.svg, mimetype="image/svg+xml")
