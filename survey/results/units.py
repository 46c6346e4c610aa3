"""A unit's drill-down: the tree below it, the unit beside its parent and the organisation,
and its item-level answer distributions.

The parent and the organisation are shown only to someone allowed to see them (a manager's
subtree stops at their own unit). Item distributions come suppressed from
``survey.services.items``; a hidden item shows "–" and never a count.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, render_template, request, url_for
from flask_babel import gettext as _

from analysis import tree as trees
from analysis.instruments import Category
from analysis.nonresponse import role_mix_notes
from survey.extensions import db
from survey.i18n import page_lang, tr
from survey.models import Round
from survey.results import charts
from survey.results.dashboard import (
    bp,
    closed_round,
    compare_arg,
    figures,
    may_see,
    number,
    remembered,
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
from survey.results.overview import chart_texts, chart_url
from survey.results.quadrant_map import quadrant_section
from survey.services import stored
from survey.services.items import ItemRow, ItemTable
from survey.services.report import RoundFigures


def index_arg(fig: RoundFigures, role: str) -> str:
    index = request.args.get("index", "maturity")
    if index not in indices_for(fig.questionnaire, role):
        abort(400, description=_("Indexet finns inte för den här rollen: %(index)s", index=index))
    return index


def subtree(
    fig: RoundFigures, code: str
) -> tuple[list[tuple[str, str, int]], dict[str, str | None]]:
    """(code, name, depth below ``code``) of ``code`` and every unit below it, preorder, and
    the year's parent map (the tree the figures were made on)."""
    frame = fig.units
    parent = trees.parent_map(frame["unit"], frame["parent"])
    names = dict(zip(frame["unit"], frame["name"], strict=True))
    kids = trees.children_map(parent, key=str)
    return [(c, names[c], d) for c, d in trees.preorder(kids, [code])], parent


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


def comparators(fig: RoundFigures, rnd: Round, code: str) -> tuple[list[tuple[str, str]], bool]:
    """(column title, unit code) of this unit, its parent and the root where allowed, and
    whether one was left out because the user may not see it."""
    chain = trees.ancestors(code, subtree(fig, code)[1])
    out = [(_("Enheten"), code)]
    wanted = [(_("Överordnad enhet"), c) for c in chain[1:2]]
    wanted += [(_("Hela organisationen"), c) for c in chain[2:][-1:]]
    if len(chain) == 2:
        wanted = [(_("Överordnad enhet, hela organisationen"), chain[1])]
    shown = [(title, c) for title, c in wanted if may_see(rnd.year, c)]
    return out + shown, len(shown) < len(wanted)


def compare_wording(fig: RoundFigures, rnd: Round, code: str) -> dict[str, str]:
    """Heading, table caption and chart caption (with ``%(index)s``) of the comparison, naming
    only the units the viewer may see: a manager's page must not promise the organisation."""
    titles = {title for title, _c in comparators(fig, rnd, code)[0][1:]}
    parent = _("Överordnad enhet") in titles
    root = (
        _("Hela organisationen") in titles or _("Överordnad enhet, hela organisationen") in titles
    )
    if parent and root:
        return {
            "heading": _("Jämfört med överordnad enhet och hela organisationen"),
            "caption": _("Dimensioner: enheten, den överordnade enheten och organisationen"),
            "chart": _("%(index)s för enheten, den överordnade enheten och hela organisationen."),
        }
    if parent:
        return {
            "heading": _("Jämfört med överordnad enhet"),
            "caption": _("Dimensioner: enheten och den överordnade enheten"),
            "chart": _("%(index)s för enheten och den överordnade enheten."),
        }
    if root:
        return {
            "heading": _("Jämfört med hela organisationen"),
            "caption": _("Dimensioner: enheten och organisationen"),
            "chart": _("%(index)s för enheten och hela organisationen."),
        }
    return {
        "heading": _("Enhetens dimensioner"),
        "caption": _("Dimensioner: enheten"),
        "chart": _("%(index)s för enheten."),
    }


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


def compare_chart(fig: RoundFigures, rnd: Round, code: str, role: str, index: str) -> charts.Chart:
    names = {
        r["unit_code"]: r["unit_name"]
        for r in fig.aggregates[["unit_code", "unit_name"]].drop_duplicates().to_dict("records")
    }
    bars = []
    for what, c in comparators(fig, rnd, code)[0]:
        row = cells(fig, c, role).get(index)
        shown = row is not None and not row["suppressed"]
        bars.append(
            charts.Bar(
                f"{what}: {names.get(c, c)}",
                row["score"] if shown and row else None,
                row["ci_low"] if shown and row else None,
                row["ci_high"] if shown and row else None,
            )
        )
    label = index_label(fig.questionnaire, index)
    return charts.bar_chart(
        "compare",
        bars,
        title=_("%(index)s: enheten jämförd", index=label),
        caption=compare_wording(fig, rnd, code)["chart"] % {"index": label},
        texts=charts.Texts(**{**chart_texts().__dict__, "label": _("Enhet")}),
        fmt=number,
    )


def items(rnd: Round, fig: RoundFigures) -> ItemTable:
    """The round's suppressed item counts with the comparison round's (stored, remembered)."""
    compare_id = fig.compare.id if fig.compare else None

    def build() -> ItemTable:
        table = stored.items(db.session(), rnd, fig, int(current_app.config["K_HOMOGENEOUS"]))
        db.session.commit()  # a table built here (an older round's) is kept for every worker
        return table

    return remembered("items", (rnd.id, compare_id), build)


def answer_labels(category: Category) -> list[str]:
    scale = category.scale
    labels = [
        f"{v} {tr({lang: texts[i] for lang, texts in scale.labels.items()})}"
        for i, v in enumerate(scale.values)
    ]
    return [*labels, _("Vet ej")] if category.scale.dont_know else labels


def item_groups(table: ItemTable, code: str, role: str) -> list[tuple[Category, list[ItemRow]]]:
    q = table.questionnaire
    rows = table.rows(code, role)
    return [
        (cat, [r for r in rows if r.category == cat.id])
        for cat in q.categories
        if any(r.category == cat.id for r in rows)
    ]


def items_chart(
    table: ItemTable,
    code: str,
    role: str,
    category: str,
    computed: list[tuple[Category, list[ItemRow]]] | None = None,
) -> charts.Chart:
    found = computed if computed is not None else item_groups(table, code, role)
    groups = {c.id: (c, rows) for c, rows in found}
    if category not in groups:
        abort(404)
    cat, rows = groups[category]
    q = table.questionnaire
    stacks = [
        charts.Stack(
            tr(q.items[r.item][0].text),
            None
            if r.suppressed or r.counts is None
            else [*r.counts, *([r.dont_know or 0] if cat.scale.dont_know else [])],
        )
        for r in rows
    ]
    return charts.stacked_bars(
        f"items-{category}",
        stacks,
        answer_labels(cat),
        title=_("Svarsfördelning: %(category)s", category=tr(cat.title)),
        caption=_("Andel av svaren per svarsalternativ och fråga."),
        texts=charts.Texts(**{**chart_texts().__dict__, "label": _("Fråga")}),
        fmt=lambda v: f"{number(v, 0)} %",
    )


@bp.get("/<int:round_id>/units/<code>")
def unit(round_id: int, code: str) -> str:
    rnd = closed_round(round_id)
    role, compare_id = role_arg(), compare_arg()
    require_unit(rnd, code)
    fig = figures(rnd, compare_id)
    index = index_arg(fig, role)
    parent = subtree(fig, code)[1]
    path = [c for c in reversed(trees.ancestors(code, parent)[1:]) if may_see(rnd.year, c)]
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
        qmap=quadrant_section(fig, code, role, lambda c: may_see(rnd.year, c), page_lang()),
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
        number=number,
        change_word=change_word,
    )
