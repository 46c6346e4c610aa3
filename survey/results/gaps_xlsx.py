"""The competence-gap workbook for competence planning: one row per unit, role and category.

Rows come straight from ``RoundFigures.gaps``: a suppressed row keeps its unit, role, category
and target (the questionnaire's, not the respondents') and leaves every figure empty, with
``suppressed`` saying why. Text cells go through ``analysis.safecell`` like every spreadsheet
the project writes, so a unit named ``=HYPERLINK(...)`` stays text.
"""

from __future__ import annotations

import math
from io import BytesIO

import pandas as pd
from openpyxl import Workbook

from analysis.instruments import Questionnaire
from analysis.safecell import neutralise

COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("unit_code", "Enhetens kod", "Unit code"),
    ("unit_name", "Enhetens namn", "Unit name"),
    ("role", "Roll; målnivåerna gäller per roll", "Role; targets are per role"),
    ("category", "Kompetenskategorins id", "Competence category id"),
    ("category_label_sv", "Kategorins namn på svenska", "Category name in Swedish"),
    (
        "n",
        "Antal svarande med kategoripoäng (enheten och alla enheter under den)",
        "Respondents with a category score (the unit and every unit below it)",
    ),
    ("mean_level", "Medelnivå på skalan (1–5)", "Mean level on the scale (1–5)"),
    ("target", "Rollens målnivå för kategorin", "The role's target level for the category"),
    (
        "gap",
        "Målnivå minus medelnivå; positivt värde = under målet",
        "Target minus mean level; positive = short of the target",
    ),
    (
        "share_below",
        "Andel svarande vars nivå är under målnivån (0–1)",
        "Share of respondents whose level is below the target (0–1)",
    ),
    (
        "rank",
        "Rangordning inom enheten (1 = största gapet), över alla roller",
        "Rank within the unit (1 = largest gap), across roles",
    ),
    (
        "suppressed",
        "Sant när cellen döljs för att skydda svarande (färre än k, eller den skulle "
        "avslöja en sådan grupp); då är alla siffror utom målnivån tomma",
        "True when the cell is hidden to protect respondents (fewer than k, or it would "
        "reveal such a group); every figure but the target is then empty",
    ),
    (
        "hidden_reason",
        "Varför cellen döljs: too_few (färre än k), homogeneous (alla svarade lika) eller "
        "complementary (för att skydda en annan grupp); tom när den visas",
        "Why the cell is hidden: too_few (fewer than k), homogeneous (everyone answered alike) "
        "or complementary (to protect another group); empty when shown",
    ),
)


def _number(value: object) -> float | int | None:
    if value is None or value is pd.NA:
        return None
    number = float(value)  # type: ignore[arg-type]
    if math.isnan(number):
        return None
    return int(number) if float(number).is_integer() and not isinstance(value, float) else number


def gaps_workbook(
    gaps: pd.DataFrame,
    names: dict[str, str],
    q: Questionnaire,
    scope: set[str] | None,
    round_name: str,
    k: int,
) -> bytes:
    """The workbook: sheet ``gaps`` (units in ``scope`` only; None = all) and ``columns``."""
    wb = Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.title = "gaps"
    sheet.append([c for c, _, _ in COLUMNS])
    labels = {c.id: c.title.get("sv", c.id) for c in q.categories}
    for row in gaps.itertuples(index=False):
        code = str(row.unit)
        if scope is not None and code not in scope:
            continue
        hidden = bool(row.suppressed)
        figures = [
            None if hidden else _number(getattr(row, name))
            for name in ("n", "mean_level", "target", "gap", "share_below", "rank")
        ]
        figures[2] = _number(row.target)  # the target is the questionnaire's, never hidden
        texts = [code, names.get(code, code), str(row.role), str(row.category)]
        texts.append(labels.get(str(row.category), str(row.category)))
        reason = str(getattr(row, "hidden_reason", "") or "complementary") if hidden else ""
        sheet.append([neutralise(t) for t in texts] + figures + [hidden, reason])
    about = wb.create_sheet("columns")
    about.append(["column", "meaning_sv", "meaning_en"])
    for name, sv, en in COLUMNS:
        about.append([name, sv, en])
    about.append([])
    about.append(["round", neutralise(round_name), ""])
    about.append(["k", k, "minsta gruppstorlek / minimum group size"])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
