"""Population estimates end to end: organisation headcounts → ``estimates.csv`` and the overview.

Two closed rounds on the small tree with all three roles and headcounts per role in the
organisation file: the package validates, every shown cell has exactly one estimate and no
hidden cell has one, headcounts are the file's (a group moved up at close included), and the
overview shows the role-standardised headline beside the respondent mean.
"""

from __future__ import annotations

import csv
import json

import pytest
import sqlalchemy as sa
from frictionless import validate

from survey.extensions import db
from survey.models import Round
from tests.support.factory import create_round
from tests.support.results import ORG, answers
from tests.survey.dashboard_pages import num

ROLE_MIX = {"employee": 0.7, "manager": 0.15, "specialist": 0.15}
LEAF = {"EDU-A": (80, 20, 20), "EDU-B": (80, 20, 20), "CARE-A": (80, 20, 20),
        "CARE-B": (80, 20, 20), "TINY": (3, 1, 1)}  # fmt: skip


def _org() -> list[list[object]]:
    parent = {str(r[0]): str(r[2]) for r in ORG[1:]}
    total = {code: [0, 0, 0] for code in parent}
    for leaf, heads in LEAF.items():
        unit: str | None = leaf
        while unit:
            total[unit] = [a + b for a, b in zip(total[unit], heads, strict=True)]
            unit = parent.get(unit) or None
    header = [*ORG[0], "headcount_employee", "headcount_manager", "headcount_specialist"]
    return [header] + [[*r, *total[str(r[0])]] for r in ORG[1:]]


@pytest.fixture
def package(runner, write_csv, tmp_path):
    for year, planted in ((2024, 0.0), (2025, 1.5)):
        org = write_csv(f"org{year}.csv", _org())
        assert runner.invoke(args=["org", "import", "--year", str(year), str(org)]).exit_code == 0
        create_round(runner, write_csv, f"R{year}", year, "invited", "draft", False)
        path = write_csv(f"answers{year}.csv", answers(year, planted, ROLE_MIX))
        assert runner.invoke(args=["responses", "import", f"R{year}", str(path)]).exit_code == 0
        for move in ("open", "close"):
            assert runner.invoke(args=["round", move, f"R{year}"]).exit_code == 0
    out = tmp_path / "pkg"
    result = runner.invoke(args=["report", "R2025", "--out", str(out), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "population = the organisation file's headcounts per role" in result.output
    assert "role-standardised headline" in result.output
    return out


def _read(path):
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_estimates_validate_and_only_shown_cells_have_one(package) -> None:
    desc = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    assert "estimates.csv" in {r["path"] for r in desc["resources"]}
    report = validate(str(package / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    aggregates = _read(package / "aggregates.csv")
    estimates = _read(package / "estimates.csv")
    shown = {
        (r["unit_code"], r["role"], r["index"])
        for r in aggregates
        if r["suppressed"] == "false" and int(r["n"] or 0) > 0
    }
    hidden = {(r["unit_code"], r["role"], r["index"]) for r in aggregates} - shown
    cells = [r for r in estimates if r["weighting"] != "role_standardised"]
    keys = [(r["unit_code"], r["role"], r["index"]) for r in cells]
    assert len(keys) == len(set(keys)) and set(keys) == shown
    assert hidden and not hidden & set(keys)
    assert any(k[0] == "TINY" for k in hidden)
    by_key = dict(zip(keys, cells, strict=True))
    for key, row in by_key.items():
        agg = next(a for a in aggregates if (a["unit_code"], a["role"], a["index"]) == key)
        assert float(row["respondent_mean"]) == pytest.approx(float(agg["score"]), abs=1e-6)
        assert row["n"] == agg["n"]
        assert row["weighting"] == "post_stratified", (key, row)
    city = by_key[("CITY", "employee", "maturity")]
    assert int(city["headcount"]) == sum(h[0] for h in LEAF.values())  # TINY's moved group too
    assert float(city["coverage"]) == pytest.approx(1.0)
    assert float(city["ci_low"]) < float(city["estimate"]) < float(city["ci_high"])
    std = [r for r in estimates if r["weighting"] == "role_standardised"]
    assert [r["round"] for r in std] == ["R2025", "R2024"]


def test_overview_shows_the_standardised_headline(app, package, admin) -> None:
    with app.app_context():
        rid = db.session.scalar(sa.select(Round.id).where(Round.name == "R2025"))
    page = admin.get(f"/dashboard/{rid}/").get_data(as_text=True)
    std = next(
        r
        for r in _read(package / "estimates.csv")
        if r["weighting"] == "role_standardised" and r["round"] == "R2025"
    )
    assert "Skattning, standardiserad för rollfördelningen" in page
    at = page.index('id="headline-figures"')
    figure = page[page.index("big-figure", at) :].split(">", 1)[1].split("<", 1)[0]
    assert num(figure) == pytest.approx(float(std["estimate"]), abs=0.05)
    assert "Svarandes medelvärde (0–100)" in page
    assert "Förändring, standardiserad, mot R2024" in page
    assert 'id="headline-explanation"' in page and "medarbetare 67 %" in page


def test_report_document_gives_the_standardised_headline(app, package) -> None:
    from flask_babel import force_locale

    from survey.results.report import render_report
    from survey.services.report import round_figures

    with app.test_request_context(), force_locale("sv"):
        figures = round_figures(db.session(), "R2025", app.config["K_ANONYMITY"])
        html = render_report(figures, "sv")
    headline = html.split('id="headline">', 1)[1].split("</p>", 1)[0]
    assert "Standardiserat för rollfördelningen" in headline
    assert "Förändringen mot R2024, standardiserad" in headline
    assert "svarandes medelvärde" in headline


def test_an_invited_round_counts_the_invited_as_its_population(
    app, make_round, runner, write_csv, tmp_path
) -> None:
    from tests.survey.respondent import close_round, invite, issue_links
    from tests.survey.test_admin_fieldwork import answer

    people = [(f"a{i}@example.org", "EDU-A", "employee") for i in range(14)]
    people += [(f"b{i}@example.org", "EDU-B", "employee") for i in range(4)]
    make_round()
    invite(runner, write_csv, people=people)
    links = [r for r in issue_links(runner, tmp_path / "links.csv") if r["unit_code"] == "EDU-A"]
    for link in links[:10]:  # everyone answers alike: a cell needs 10 (k_homogeneous)
        answer(app, link["url"])
    close_round(runner)
    out = tmp_path / "out"
    result = runner.invoke(args=["report", "R2025", "--out", str(out), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "population = the invited" in result.output
    rows = {
        (r["unit_code"], r["role"], r["index"]): r
        for r in _read(out / "estimates.csv")
        if r["weighting"] != "role_standardised"
    }
    school, edu = rows[("EDU-A", "employee", "maturity")], rows[("EDU", "employee", "maturity")]
    assert (school["headcount"], school["n"]) == ("14", "10")
    assert float(school["coverage"]) == 1.0
    # EDU-B's four invited did not answer: their share goes to the answered stratum.
    assert edu["headcount"] == "18" and float(edu["coverage"]) == pytest.approx(14 / 18)
    assert float(edu["estimate"]) == pytest.approx(float(school["estimate"]))


def test_without_headcounts_the_overview_says_whose_shares_weigh(app, two_years, admin) -> None:
    with app.app_context():
        rid = db.session.scalar(sa.select(Round.id).where(Round.name == "R2025"))
    page = admin.get(f"/dashboard/{rid}/").get_data(as_text=True)
    assert "andelar av de svarande, antal anställda per roll saknas" in page
    assert "Svarandes medelvärde (0–100)" in page
