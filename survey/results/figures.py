"""Reading the figures' rows for a page: cells by unit, role and index, labels and words.

Nothing here computes a figure. It picks rows of ``RoundFigures.aggregates`` and gives them
the words a reader needs: the index's name, the change as an arrow and a word (never colour
alone), and Hedges' g as an effect size in words.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from flask_babel import gettext as _

from analysis.instruments import DIMENSIONS, Questionnaire
from analysis.reliability import LOW_ALPHA, shown_alpha
from survey.i18n import role_name, tr
from survey.services.report import RoundFigures

#: Cohen's conventional thresholds for |g|: small 0.2, medium 0.5, large 0.8.
EFFECT_STEPS = ((0.8, "large"), (0.5, "medium"), (0.2, "small"))


def present(value: Any) -> bool:
    return (
        value is not None
        and value is not pd.NA
        and not (isinstance(value, float) and math.isnan(value))
    )


def cells(fig: RoundFigures, unit: str, role: str) -> dict[str, dict[str, Any]]:
    """The figures' rows of one unit and role, by index id (suppressed rows included)."""
    return fig.cell_rows.get((unit, role), {})


def indices_for(q: Questionnaire, role: str) -> list[str]:
    """The dimensions and categories that apply to a role: "all" has every one; a role only
    what it answers. Plan areas are another cut of the same answers, with a section of their
    own (``survey.results.plan_areas``), so they are not in this list."""
    if role == "all":
        return [i for i in q.indices if i not in q.plan_area_ids]
    cats = q.categories_for(role)
    dims = [d for d in DIMENSIONS if any(c.dimension == d for c in cats)]
    maturity = ["maturity"] if any(d in ("capability", "legacy") for d in dims) else []
    return [*maturity, *dims, *(c.id for c in cats)]


def index_label(q: Questionnaire, index: str) -> str:
    if index == "maturity":
        return _("Digital mognad")
    named = {d.id: d.title for d in q.dimensions} | {a.id: a.title for a in q.plan_areas}
    if index in named:
        return str(tr(named[index]))
    return str(tr(q.category(index).title))


def change_word(change: str | None) -> tuple[str, str]:
    """(arrow, words) for a row's ``change``; the arrow is decoration, the words carry it."""
    if change == "improved":
        return "↑", _("förbättring")
    if change == "declined":
        return "↓", _("försämring")
    if change == "no_change":
        return "→", _("ingen säkerställd förändring")
    return "–", _("kan inte jämföras")


def effect_word(g: float | None) -> str:
    if not present(g):
        return ""
    assert g is not None
    size = next((name for step, name in EFFECT_STEPS if abs(g) >= step), "negligible")
    # Only the word wanted is translated: a city's report asks this for 30,000 cells.
    if size == "large":
        return _("stor effekt")
    if size == "medium":
        return _("medelstor effekt")
    if size == "small":
        return _("liten effekt")
    return _("försumbar effekt")


def low_alpha(fig: RoundFigures) -> list[dict[str, Any]]:
    """The (category, role) pairs whose Cronbach's α is below 0.70, in questionnaire order."""
    rel = fig.reliability
    if rel.empty:
        return []
    rows = rel[pd.to_numeric(rel["alpha"], errors="coerce") < LOW_ALPHA]
    return [
        {
            **{str(k): v for k, v in row.items()},
            "label": index_label(fig.questionnaire, str(row["category"])),
            "role_label": role_name(str(row.get("role", ""))),
            # printed with 3 decimals, never rounded up to 0.700 beside "under 0.70"
            "shown": shown_alpha(float(row["alpha"]), 3),
        }
        for row in rows.to_dict("records")
    ]


def unit_names(fig: RoundFigures) -> dict[str, str]:
    return dict(zip(fig.units["unit"], fig.units["name"], strict=True))
