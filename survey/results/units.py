"""A unit's drill-down: the tree below it, the unit beside its parent and the organisation,
and its item-level answer distributions.

The parent and the organisation are shown only to someone allowed to see them (a manager's
subtree stops at their own unit). Item distributions come suppressed from
``survey.services.items``; a hidden item shows "–" and never a count.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template, url_for
from flask_login import current_user

from analysis import tree as trees
from analysis.nonresponse import role_mix_notes
from survey.access import may_see
from survey.i18n import page_lang, tr
from survey.models import Round
from survey.results.dashboard import (
    bp,
    closed_round,
    compare_arg,
    figures,
    require_unit,
    role_arg,
)
from survey.results.figures import (
    cells,
    change_word,
    effect_word,
    index_label,
    indices_for,
    unit_names,
)
from survey.results.page_charts import (
    answer_labels,
    chart_url,
    comparators,
    compare_chart,
    compare_wording,
    index_arg,
    item_groups,
    items,
    items_chart,
    subtree,
)
from survey.results.quadrant_map import quadrant_section
from survey.services.report import RoundFigures


def tree_rows(
    fig: RoundFigures, rnd: Round, code: str, role: str, index: str
) -> list[dict[str, Any]]:
    rows = []
    for unit, name, depth in subtree(fig, code)[0]:
        row = cells(fig, unit, role).get(index)
        if row is None:
            continue
        arrow, word = change_word(row["change"])
        rows.append(
            {
                **row,
                "name": name,
                "depth": depth,
                "arrow": arrow,
                "change_word": word,
                "effect_word": effect_word(row["effect_size"]),
            }
        )
    return rows


def compare_rows(fig: RoundFigures, rnd: Round, code: str, role: str) -> list[dict[str, Any]]:
    """One row per dimension index: the unit's, its parent's and the organisation's cells."""
    cols = comparators(fig, rnd, code)[0]
    found = {c: cells(fig, c, role) for _, c in cols}
    wanted = [
        i
        for i in indices_for(fig.questionnaire, role)
        if i in ("maturity", "capability", "legacy", "competence")
    ]
    return [
        {
            "index": i,
            "label": index_label(fig.questionnaire, i),
            "cells": [found[c].get(i) for _, c in cols],
        }
        for i in wanted
    ]


def role_mix_shift(fig: RoundFigures, code: str) -> float | None:
    """How far the unit's role mix moved since the comparison round, when above the setting
    (:func:`analysis.nonresponse.role_mix_notes`: shown rows only)."""
    own = fig.aggregates[fig.aggregates["unit_code"] == code]
    threshold = float(current_app.config.get("ROLE_MIX_SHIFT", 0.10))
    return role_mix_notes(own, threshold).get(code)


@bp.get("/<int:round_id>/units/<code>")
def unit(round_id: int, code: str) -> str:
    rnd = closed_round(round_id)
    role, compare_id = role_arg(), compare_arg()
    require_unit(rnd, code)
    fig = figures(rnd, compare_id)
    index = index_arg(fig, role)
    parent = subtree(fig, code)[1]
    path = [
        c for c in reversed(trees.ancestors(code, parent)[1:]) if may_see(current_user, rnd.year, c)
    ]
    table = items(rnd, fig)
    groups = item_groups(table, code, role)
    args = {"role": role, "unit": code, "compare": compare_id}
    return render_template(
        "results/unit.html",
        rnd=rnd,
        fig=fig,
        role=role,
        code=code,
        role_mix_shift=role_mix_shift(fig, code),
        index=index,
        indices=[
            (i, index_label(fig.questionnaire, i)) for i in indices_for(fig.questionnaire, role)
        ],
        names=unit_names(fig),
        path=path,
        tree=[
            {
                **r,
                "label": r["name"],
                "href": None
                if r["unit_code"] == code
                else url_for(
                    "dashboard.unit",
                    round_id=rnd.id,
                    code=r["unit_code"],
                    role=role,
                    compare=compare_id,
                    index=None if index == "maturity" else index,
                ),
            }
            for r in tree_rows(fig, rnd, code, role, index)
        ],
        index_name=index_label(fig.questionnaire, index),
        columns=comparators(fig, rnd, code)[0],
        out_of_scope=comparators(fig, rnd, code)[1],
        compare_rows=compare_rows(fig, rnd, code, role),
        wording=compare_wording(fig, rnd, code),
        qmap=quadrant_section(
            fig, code, role, lambda c: may_see(current_user, rnd.year, c), page_lang()
        ),
        compare_chart=compare_chart(fig, rnd, code, role, index),
        compare_url=chart_url(rnd, "compare", index=index, **args),
        groups=[
            (
                c,
                rows,
                items_chart(table, code, role, c.id, groups),
                chart_url(rnd, f"items-{c.id}", **args),
            )
            for c, rows in groups
        ],
        answer_labels=answer_labels,
        item_text=lambda item: tr(fig.questionnaire.items[item][0].text),
        compare_id=compare_id,
        change_word=change_word,
    )
