"""The plan-area section of a staff overview: the unit's cells of the instrument's plan areas.

Nothing is computed here: a plan area is an index of the round's figures
(:mod:`analysis.plan_areas`), already suppressed and compared like every other cell; this
picks its rows for one unit and role and names them and the categories each area averages.
"""

from __future__ import annotations

from typing import Any

from survey.i18n import tr
from survey.results.figures import cells, change_word, effect_word
from survey.services.report import RoundFigures


def area_rows(fig: RoundFigures, unit: str, role: str) -> list[dict[str, Any]]:
    """One row per plan area that applies to ``role`` (``all``: every area), in file order,
    with the change in words and the categories the area averages for that role."""
    q = fig.questionnaire
    found = cells(fig, unit, role)
    rows = []
    for area in q.plan_areas:
        row = found.get(area.id)
        if row is None:
            continue  # no category of the area is asked of the role: not a cell at all
        cats = [c for c in q.index_categories(area.id) if role == "all" or c.items_for(role)]
        arrow, word = change_word(row["change"])
        rows.append(
            row
            | {"label": tr(area.title), "arrow": arrow, "change_word": word}
            | {"effect_word": effect_word(row["effect_size"]), "area": area}
            | {"categories": [tr(c.title) for c in cats]}
        )
    return rows
