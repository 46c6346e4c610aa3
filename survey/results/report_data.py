"""What the maturity report shows, picked from a round's figures and never recomputed.

Every number here is a value of :func:`survey.services.report.round_figures`' frames (already
suppressed); this module only chooses rows (the organisation, its förvaltningar, the
significant changes, the largest gaps) and names them in the report's language. Formatting to
text is the template's job (``survey.results.report``), so that the HTML and the PDF, which is
made from the HTML, show the same digits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from flask import current_app, has_app_context
from flask_babel import gettext as _

from analysis.disclosure import REASONS
from analysis.instruments import DIMENSIONS
from analysis.nonresponse import role_mix_notes
from analysis.reliability import LOW_ALPHA, shown_alpha
from analysis.roles import ALL
from analysis.typology import QUADRANTS, Placement, Quadrant, place_unit
from survey.i18n import role_name
from survey.results.figures import change_word, effect_word, index_label
from survey.services.fieldwork import FieldworkRow
from survey.services.report import RoundFigures

# The indices the summary and the per-förvaltning table show, in this order.
COMPOSITES: tuple[str, ...] = ("maturity", *DIMENSIONS)
# How many of a förvaltning's largest competence gaps the report lists.
TOP_GAPS = 3


def role_label(role: str) -> str:
    return _("Alla roller") if role == ALL else role_name(role)


Row = dict[str, Any]  # an aggregates row, plus its names in the report's language


@dataclass(frozen=True)
class UnitLine:
    code: str
    name: str
    level: int
    cells: dict[str, Row]  # index → row (role all)


@dataclass(frozen=True)
class AreaLine:
    """One row of the plan-area matrix: a unit and its cell per plan area (role all), in the
    instrument's order; None where the unit has no such cell."""

    code: str
    name: str
    cells: list[Row | None]


@dataclass(frozen=True)
class Rate:
    code: str
    name: str
    responses: int | None  # None where fewer than k: a count that small is not published
    invited: int | None
    completed: int | None

    @property
    def percent(self) -> float | None:
        if not self.invited or self.completed is None:
            return None
        return 100 * self.completed / self.invited


@dataclass(frozen=True)
class ReportData:
    figures: RoundFigures
    lang: str
    root: UnitLine | None
    quadrant: Quadrant | None  # None when undetermined (see ``placement``) or not shown
    units: list[UnitLine]
    changes: list[Row]
    root_gaps: list[dict[str, Any]]
    unit_gaps: list[tuple[str, list[dict[str, Any]]]]
    reliability: list[dict[str, Any]]
    rates: list[Rate]
    appendix: list[Row]
    any_suppressed: bool
    # where the organisation sits, on the managers' and specialists' axes (or None)
    placement: Placement | None = None
    headline: dict[str, Any] | None = None  # the role-standardised headline (estimates)
    #: (name, largest change of a role's share) of the organisation and förvaltningar whose
    #: respondents' role mix moved more than MOGNAD_ROLE_MIX_SHIFT since the comparison round.
    role_mix: list[tuple[str, float]] = field(default_factory=list)
    #: every unit's shown gaps, ranked, by unit code (a förvaltning's page shows its largest)
    gaps_by_unit: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: the plan-area rows (``analysis.plan_areas``), kept apart from the dimension and category
    #: rows the summary and changes read: an area is another cut of the same answers (the
    #: appendix has every row)
    plan_areas: list[Row] = field(default_factory=list)
    #: the instrument's category ids: the rows read as categories (not composites, not areas)
    category_ids: frozenset[str] = frozenset()
    #: the plan areas as a matrix: the organisation, then each förvaltning (the same rows as
    #: ``plan_areas``, so the same suppression), one cell per area
    area_matrix: list[AreaLine] = field(default_factory=list)

    @property
    def area_reasons(self) -> list[str]:
        """Why the matrix's hidden cells are hidden, each reason once in
        :data:`~analysis.disclosure.REASONS` order: the legend of the cells' marks."""
        found = {
            c["hidden_reason"] or REASONS[0]
            for line in self.area_matrix
            for c in line.cells
            if c is not None and c["suppressed"]
        }
        return [reason for reason in REASONS if reason in found]


def _value(v: Any) -> Any:
    """A frame value as plain Python: None for every kind of missing."""
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    if hasattr(v, "item"):
        return v.item()
    return v


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {c: _value(v) for c, v in zip(df.columns, t, strict=True)} for t in df.itertuples(False)
    ]


def build(figures: RoundFigures, lang: str) -> ReportData:
    """Pick the report's rows from the figures (call inside ``force_locale(lang)``)."""
    q = figures.questionnaire
    agg = figures.aggregates
    labels = {ix: index_label(q, ix) for ix in q.indices}
    roles = {r: role_label(r) for r in pd.unique(agg["role"])}
    words: dict[str | None, str] = {}  # each change's words, translated once, not per cell
    rows = [
        {
            **rec,
            "role_label": roles[rec["role"]],
            "index_label": labels[rec["index"]],
            "change_text": words.get(rec["change"])
            or words.setdefault(rec["change"], change_word(rec["change"])[1]),
            "effect": effect_word(rec["effect_size"]),
        }
        for rec in _records(agg)
    ]
    area_ids = set(q.plan_area_ids)
    areas = [r for r in rows if r["index"] in area_ids]
    lines = _unit_lines(rows)
    root = next((u for u in lines if u.level == 0), None)
    units = [u for u in lines if u.level == 1]
    placement = place_unit(agg, root.code, ALL) if root is not None else None
    found = placement.quadrant if placement and placement.quadrant in QUADRANTS else None
    changes = [r for r in rows if r["change"] in ("improved", "declined")]
    changes = [r for r in changes if r["index"] not in area_ids]  # the areas' own section
    root_gaps, unit_gaps, by_unit = _gaps(figures, labels, units, root)
    return ReportData(
        figures=figures,
        lang=lang,
        root=root,
        quadrant=QUADRANTS[found] if found else None,
        units=units,
        changes=changes,
        root_gaps=root_gaps,
        unit_gaps=unit_gaps,
        reliability=_reliability(figures, labels),
        rates=_rates(figures.fieldwork, {u.code for u in lines}, figures.k),
        appendix=rows,
        any_suppressed=bool(agg["suppressed"].any()),
        placement=placement,
        headline=_headline(figures, root),
        role_mix=_role_mix(agg, lines),
        gaps_by_unit=by_unit,
        plan_areas=areas,
        category_ids=frozenset(c.id for c in q.categories),
        area_matrix=_area_matrix(areas, q.plan_area_ids, [u for u in (root, *units) if u]),
    )


def _area_matrix(areas: list[Row], ids: tuple[str, ...], lines: list[UnitLine]) -> list[AreaLine]:
    """The organisation's and förvaltningar's plan-area cells (all roles), one row per unit:
    a council reads the units across the areas, which a list of unit × area rows hides."""
    found = {(r["unit_code"], r["index"]): r for r in areas if r["role"] == ALL}
    matrix = [AreaLine(u.code, u.name, [found.get((u.code, a)) for a in ids]) for u in lines]
    return [line for line in matrix if any(c is not None for c in line.cells)]


def _headline(figures: RoundFigures, root: UnitLine | None) -> dict[str, Any] | None:
    """The role-standardised headline with its change in words, where the root's maturity
    cell is shown (the estimate is then made of shown figures only)."""
    est = figures.estimates
    cell = root.cells.get("maturity") if root else None
    if est is None or not est.headline or cell is None or cell["suppressed"]:
        return None
    return est.headline | {"change_text": change_word(est.headline.get("change"))[1]}


def _role_mix(agg: pd.DataFrame, lines: list[UnitLine]) -> list[tuple[str, float]]:
    threshold = 0.10
    if has_app_context():
        threshold = float(current_app.config.get("ROLE_MIX_SHIFT", threshold))
    notes = role_mix_notes(agg, threshold)
    return [(u.name, notes[u.code]) for u in lines if u.level <= 1 and u.code in notes]


def _unit_lines(rows: list[Row]) -> list[UnitLine]:
    """The organisation (level 0) and each förvaltning (level 1) with its composite cells."""
    lines: dict[str, dict[str, Row]] = {}
    meta: dict[str, tuple[str, int]] = {}
    for row in rows:
        level = row["unit_level"]
        if level is None or level > 1 or row["role"] != ALL or row["index"] not in COMPOSITES:
            continue
        code = row["unit_code"]
        meta[code] = (row["unit_name"], int(level))
        lines.setdefault(code, {})[row["index"]] = row
    return [UnitLine(code, *meta[code], cells) for code, cells in lines.items()]


def _gaps(
    figures: RoundFigures, labels: dict[str, str], units: list[UnitLine], root: UnitLine | None
) -> tuple[
    list[dict[str, Any]], list[tuple[str, list[dict[str, Any]]]], dict[str, list[dict[str, Any]]]
]:
    """The organisation's gaps (ranked), each förvaltning's largest ones, and every unit's
    gaps by code; shown rows only."""
    gaps = figures.gaps
    shown = gaps[~gaps["suppressed"].astype(bool)]
    records = [
        {**g, "category_label": labels.get(g["category"], g["category"]),
         "role_label": role_label(g["role"])}
        for g in _records(shown)
    ]  # fmt: skip
    by_unit: dict[str, list[dict[str, Any]]] = {}
    for g in records:
        by_unit.setdefault(g["unit"], []).append(g)
    for found in by_unit.values():
        found.sort(key=lambda g: g["rank"])
    root_gaps = by_unit.get(root.code, []) if root else []
    unit_gaps = [(u.name, by_unit[u.code][:TOP_GAPS]) for u in units if by_unit.get(u.code)]
    return root_gaps, unit_gaps, by_unit


def _reliability(figures: RoundFigures, labels: dict[str, str]) -> list[dict[str, Any]]:
    """α per category and role, printed so that it never rounds across 0.70 (``shown``)."""
    out = []
    for rec in _records(figures.reliability):
        if rec.get("n") == 0:
            continue  # nobody of the role answered the category: nothing to say about it
        alpha = rec.get("alpha")
        flagged = alpha is not None and alpha < LOW_ALPHA
        out.append(
            {
                **rec,
                "label": labels.get(rec["category"], rec["category"]),
                "role_label": role_label(str(rec.get("role", ""))),
                "low": flagged,
                "shown": shown_alpha(alpha, 2),
            }
        )
    return out


def _rates(rows: list[FieldworkRow], codes: set[str], k: int) -> list[Rate]:
    """Response counts of the organisation and its förvaltningar; below k they stay unsaid."""

    def count(n: int | None) -> int | None:
        return n if n is not None and n >= k else None

    return [
        Rate(
            r.unit_code,
            r.unit_name,
            count(r.responses),
            r.invited if r.invited else None,
            count(r.completed) if r.invited else None,
        )
        for r in rows
        if r.unit_code in codes
    ]
