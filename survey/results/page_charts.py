"""The dashboard's charts and the rows they draw, shared by the pages that show them
(``overview``, ``units``) and by ``chart_files``, which serves each as an SVG file.

A chart is the picture of a table on a page, so the page and the file build it with the same
function from the same figures and cannot disagree. The views import this module, never each
other.
"""

from __future__ import annotations

import functools
from typing import Any

from flask import abort, current_app, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from analysis import tree as trees
from analysis.instruments import Category
from survey.access import may_see
from survey.extensions import db
from survey.i18n import tr
from survey.models import Round
from survey.models.enums import FINISHED
from survey.results import charts
from survey.results.dashboard import figures, remembered, require_unit, top_units
from survey.results.figures import (
    cells,
    change_word,
    effect_word,
    index_label,
    indices_for,
    unit_names,
)
from survey.results.numbers import number, percent
from survey.services import stored
from survey.services.items import ItemRow, ItemTable
from survey.services.report import RoundFigures
from survey.services.settings import FigureSettings


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
        if other.snapshot.instrument != instrument or not may_see(current_user, other.year, unit):
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


def chart_url(rnd: Round, name: str, **args: Any) -> str:
    return url_for(
        "dashboard.chart",
        round_id=rnd.id,
        name=name,
        **{k: v for k, v in args.items() if v is not None},
    )


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


def comparators(fig: RoundFigures, rnd: Round, code: str) -> tuple[list[tuple[str, str]], bool]:
    """(column title, unit code) of this unit, its parent and the root where allowed, and
    whether one was left out because the user may not see it."""
    chain = trees.ancestors(code, subtree(fig, code)[1])
    out = [(_("Enheten"), code)]
    wanted = [(_("Överordnad enhet"), c) for c in chain[1:2]]
    wanted += [(_("Hela organisationen"), c) for c in chain[2:][-1:]]
    if len(chain) == 2:
        wanted = [(_("Överordnad enhet, hela organisationen"), chain[1])]
    shown = [(title, c) for title, c in wanted if may_see(current_user, rnd.year, c)]
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
        table = stored.items(db.session(), rnd, fig, FigureSettings.of(current_app.config))
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
        fmt=functools.partial(percent, unit="percent"),
    )
