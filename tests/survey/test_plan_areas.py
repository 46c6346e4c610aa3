"""Plan areas end to end: two closed rounds of the Malmö instrument (its five development
areas), the open-data package and the pages (both databases).

The reference is computed here from the answer files as imported and the mapping as the YAML
file says it: per respondent the mean of their category scores in the area, then per unit
(with its sub-units) the mean and the t interval, checked against scipy; the change against
scipy's Welch test, and the family's adjusted p against statsmodels.
"""

from __future__ import annotations

import csv
import json
import re

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
import yaml
from frictionless import validate
from scipy import stats
from statsmodels.stats.multitest import multipletests

from survey.extensions import db
from survey.models import Round
from survey.results.report import render_report
from survey.services.report import round_figures
from tests.support import results
from tests.support.factory import QUESTIONNAIRE
from tests.support.report_html import number
from tests.support.tables import cells as report_cells
from tests.support.tables import table, tables_by_caption
from tests.survey.dashboard_pages import assert_row_matches

ROLES = {"employee": 0.6, "manager": 0.25, "specialist": 0.15}
AREAS = ("area_technology", "area_data", "area_competence", "area_innovation", "area_rules")


@pytest.fixture
def package(runner, write_csv, tmp_path):
    results.load_two_years(runner, write_csv, roles=ROLES)
    out = tmp_path / "package"
    result = runner.invoke(args=["report", "R2025", "--out", str(out), "--format", "csv"])
    assert result.exit_code == 0, result.output
    return out


def _read(path):
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _reference(year: int, planted: float) -> pd.DataFrame:
    """``unit, role, index, score`` per respondent and area, from the imported file."""
    doc = yaml.safe_load(QUESTIONNAIRE.read_text(encoding="utf-8"))
    header, *rows = results.answers(year, planted, ROLES)
    cats = {}
    for dim in doc["dimensions"]:
        for cat in dim["categories"]:
            scale = doc["scales"][cat["scale"]]
            items = {i["id"]: (set(i.get("roles", cat["roles"])), i.get("reverse", False))
                     for i in cat["items"]}  # fmt: skip
            cats[cat["id"]] = (scale["min"], scale["max"], items)
    out = []
    for row in rows:
        given = dict(zip(header, row, strict=True))
        role = given["role"]
        score = {}
        for cid, (lo, hi, items) in cats.items():
            asked = [i for i, (roles, _) in items.items() if role in roles]
            raw = [(int(given[i]), items[i][1]) for i in asked if str(given[i]) not in ("", "dk")]
            ys = [((lo + hi - v if rev else v) - lo) / (hi - lo) * 100 for v, rev in raw]
            if asked and ys and 2 * len(ys) >= len(asked):
                score[cid] = sum(ys) / len(ys)
        for area in doc["plan_areas"]:
            applies = [c for c in area["categories"]
                       if any(role in r for r, _ in cats[c][2].values())]  # fmt: skip
            have = [score[c] for c in applies if c in score]
            if applies and 2 * len(have) >= len(applies) and have:
                out.append((given["unit_code"], role, area["id"], sum(have) / len(have)))
    return pd.DataFrame(out, columns=["unit", "role", "index", "score"])


def _subtree(unit: str) -> set[str]:
    parent = {code: up for code, _, up in results.ORG[1:]}
    return {c for c in parent if c == unit or _above(c, parent, unit)}


def _above(code: str, parent: dict[str, str], unit: str) -> bool:
    while parent.get(code):
        code = parent[code]
        if code == unit:
            return True
    return False


def _sample(ref: pd.DataFrame, unit: str, role: str, index: str) -> np.ndarray:
    inside = ref["unit"].isin(_subtree(unit)) & ref["index"].eq(index)
    if role != "all":
        inside &= ref["role"].eq(role)
    return ref.loc[inside, "score"].to_numpy()


def test_area_figures_equal_the_reference_and_their_changes_scipy(package):
    rows = _read(package / "plan_areas.csv")
    assert {r["index"] for r in rows} == set(AREAS)
    now, before = _reference(2025, 1.5), _reference(2024, 0.0)
    checked = 0
    for r in rows:
        x = _sample(now, r["unit_code"], r["role"], r["index"])
        assert int(r["n"] or len(x)) == len(x)
        if r["suppressed"] == "true":
            assert r["score"] == r["n"] == ""
            continue
        low, high = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
        assert float(r["score"]) == pytest.approx(x.mean(), abs=2e-6)
        assert float(r["sd"]) == pytest.approx(x.std(ddof=1), abs=2e-6)
        assert (float(r["ci_low"]), float(r["ci_high"])) == pytest.approx((low, high), abs=2e-6)
        assert r["family"] == "plan_area"
        # Last year's side as stored: a role group below k was kept under a unit above at
        # close (k-anonymous storage), so only the root holds exactly who answered.
        if r["p_value"] and r["unit_code"] == "CITY":
            y = _sample(before, r["unit_code"], r["role"], r["index"])
            p = stats.ttest_ind(x, y, equal_var=False).pvalue
            assert float(r["compare_score"]) == pytest.approx(y.mean(), abs=2e-6)
            assert float(r["delta"]) == pytest.approx(x.mean() - y.mean(), abs=4e-6)
            assert float(r["p_value"]) == pytest.approx(p, rel=1e-6)
            checked += 1
    assert checked >= 8
    # Benjamini–Hochberg within (unit, role, plan_area), duplicates counted once.
    frame = pd.DataFrame(rows)
    tested = frame[(frame["p_value"] != "") & (frame["duplicate_of"] == "")]
    for _, family in tested.groupby(["unit_code", "role"]):
        expected = multipletests(family["p_value"].astype(float), method="fdr_bh")[1]
        np.testing.assert_allclose(family["p_adjusted"].astype(float), expected, rtol=1e-9)


def test_areas_share_their_groups_suppression_and_the_package_validates(package):
    areas = _read(package / "plan_areas.csv")
    aggregates = _read(package / "aggregates.csv")
    # plan_areas.csv is exactly the area rows of aggregates.csv.
    assert areas == [r for r in aggregates if r["index"] in AREAS]
    hidden = {(r["unit_code"], r["role"]) for r in aggregates if r["suppressed"] == "true"}
    assert ("TINY", "all") in hidden
    for r in areas:  # a group hidden in one index is hidden in all, the areas included
        assert (r["suppressed"] == "true") == ((r["unit_code"], r["role"]) in hidden)
    desc = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    resource = next(r for r in desc["resources"] if r["name"] == "plan_areas")
    assert resource["schema"]["primaryKey"] == ["unit_code", "role", "index"]
    assert any(fk["reference"]["resource"] == "aggregates"
               for fk in resource["schema"]["foreignKeys"])  # fmt: skip
    report = validate(str(package / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    kinds = {r["index"]: r for r in _read(package / "indices.csv")}
    assert kinds["area_data"]["kind"] == "plan_area"
    assert kinds["area_data"]["categories"] == "leg_data comp_information"
    assert kinds["area_data"]["dimension"] == ""
    assert kinds["competence"]["kind"] == "dimension"


def test_the_overview_and_the_report_show_the_areas(package, app, admin):
    with app.app_context():
        round_id = db.session.scalars(sa.select(Round.id).where(Round.name == "R2025")).one()
        figures = round_figures(db.session(), "R2025", int(app.config["K_ANONYMITY"]))
        report = render_report(figures, "sv")
    frame = figures.aggregates.set_index(["unit_code", "role", "index"])
    titles = {a.title["sv"]: a.id for a in figures.questionnaire.plan_areas}
    for role in ("all", "employee", "manager"):
        page = admin.get(f"/dashboard/{round_id}/?role={role}").get_data(as_text=True)
        rows = table(page, "plan-areas-table")
        for cells in rows:  # every shown figure is the figures' own, hidden ones say why
            fig = frame.loc[("CITY", role, titles[cells[0]])]
            assert_row_matches(cells[1:], {k: None if pd.isna(v) else v for k, v in fig.items()})
        expected = [a for a in AREAS if ("CITY", role, a) in frame.index]
        assert [titles[c[0]] for c in rows] == expected
    assert "Innovation" not in [
        c[0]
        for c in table(
            admin.get(f"/dashboard/{round_id}/?role=employee").get_data(as_text=True),
            "plan-areas-table",
        )
    ]
    section = report.split('<section aria-labelledby="plan-areas"', 1)[1].split("</section>")[0]
    assert "Tekniska förutsättningar och förmågor" in section and "plan_areas.csv" in section
    assert '<details id="plan-area-figures">' in section  # n and CI: "Alla siffror", below
    shown = report_cells(section)
    for key, got in shown.items():
        unit, role, index = key.split("|")
        fig = frame.loc[(unit, role, index)]
        if fig["suppressed"]:
            assert not re.search(r"\d", got["text"]) and "dold" in got["text"]
        else:
            assert number(got["score"]) == pytest.approx(round(fig["score"], 1), abs=1e-9)
    assert {k.split("|")[2] for k in shown} == set(AREAS)
    assert any(k.startswith("TINY|") for k in shown)  # hidden, with its reason, no digit
    _check_matrix(section, figures, "sv")


def _check_matrix(section: str, figures, lang: str) -> None:
    """The matrix as a reader sees it: the organisation, then each förvaltning, one column per
    area headed by its short name; each cell the figures' score with ▲/▼ exactly where the
    change is statistically certain, and a hidden cell "– dold (c)" with its reason's letter and
    no digit."""
    doc = yaml.safe_load(QUESTIONNAIRE.read_text(encoding="utf-8"))
    short = [a["short"][lang] for a in doc["plan_areas"]]
    head, *body = tables_by_caption(section)["plan-area-matrix-caption"].rows
    assert [c.text for c in head.cells] == [{"sv": "Enhet", "en": "Unit"}[lang], *short]
    agg = figures.aggregates
    top = agg[agg["unit_level"].le(1) & agg["role"].eq("all") & agg["index"].isin(AREAS)]
    order = list(dict.fromkeys(top.sort_values("unit_level", kind="stable")["unit_name"]))
    assert [r.cells[0].text for r in body] == order
    frame = top.set_index(["unit_name", "index"])
    hidden = 0
    for row in body:
        for area, cell in zip(AREAS, row.cells[1:], strict=True):
            fig = frame.loc[(row.cells[0].text, area)]
            if fig["suppressed"]:
                hidden += 1
                assert not re.search(r"\d", cell.text), cell.text
                mark = {"too_few": "a", "homogeneous": "b", "complementary": "c"}
                hide = {"sv": "dold", "en": "hidden"}[lang]
                assert cell.text == f"– {hide} ({mark[fig['hidden_reason'] or 'too_few']})"
                continue
            sign = {"improved": " ▲", "declined": " ▼"}.get(fig["change"], "")
            assert cell.text.endswith(sign) and cell.text.count("▲") + cell.text.count("▼") == (
                1 if sign else 0
            ), (cell.text, fig["change"])
            value = number(cell.text.removesuffix(sign), lang)
            assert value == pytest.approx(round(fig["score"], 1), abs=1e-9)
    assert hidden  # TINY's cells: the same suppression as every other row
    legend = section.split('id="plan-area-legend">', 1)[1].split("</p>", 1)[0]
    assert "▲" in legend and "▼" in legend


def test_the_report_matrix_in_english_and_in_the_pdf(package, app):
    """The English report heads the matrix with the English short names; the PDF's source
    carries the same matrix and, instead of the long table, points to plan_areas.csv."""
    with app.app_context():
        figures = round_figures(db.session(), "R2025", int(app.config["K_ANONYMITY"]))
        english = render_report(figures, "en")
        pdf = render_report(figures, "sv", "pdf")
    section = english.split('<section aria-labelledby="plan-areas"', 1)[1].split("</section>")[0]
    _check_matrix(section, figures, "en")
    section = pdf.split('<section aria-labelledby="plan-areas"', 1)[1].split("</section>")[0]
    _check_matrix(section, figures, "sv")
    assert "<details" not in section and not report_cells(section)
    assert "HTML-versionen" in section and "plan_areas.csv" in section
