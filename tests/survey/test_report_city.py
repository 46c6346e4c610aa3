"""The report of a city-size round as a publication: every förvaltning and hundreds of units.

The demo has eight förvaltningar with six units each; a large Swedish city has about fifteen
with twenty to thirty units each, and names far longer than "Enhet 3". This round is made of
that shape (15 förvaltningar × 16 units, the longest names a city uses, two years so that
changes exist) with :mod:`analysis.synthetic`, the generator ``bench/analysis.py`` uses for its
25,000-respondent city; the respondents are fewer (about 10 per unit), which changes the
figures, not the shape of the documents. Both languages' PDFs are then checked as the demo's
are (``tests/survey/test_report_publication.py``): no character outside its page, tagged,
title and language, the summary naming the headline and the quadrant, a page per förvaltning.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

import numpy as np
import pytest
from flask_babel import force_locale

from analysis.instruments import load_questionnaire
from analysis.synthetic import Plan, grid_org, response_rows
from survey.extensions import db
from survey.results.report import render_pdf, render_report
from survey.results.report_data import build
from survey.services.report import round_figures
from tests.survey.test_report_publication import check_publication

QUESTIONNAIRE = Path(__file__).resolve().parents[2] / "questionnaires" / "malmo-digital.yaml"
DEPARTMENTS, UNITS, PER_UNIT = 15, 16, 10
YEARS = (2024, 2025)
#: Names as long as a city's: the longest förvaltning and unit names of Swedish cities.
DEPARTMENT = "Gymnasie- och vuxenutbildningsförvaltningen, verksamhetsområde %d"
UNIT = "Enheten för myndighetsutövning, bistånd och uppföljning inom äldreomsorgen %d.%d"


def city_org() -> list[list[str]]:
    rows = [["code", "name", "parent_code"]]
    for code, name, parent in grid_org(DEPARTMENTS, UNITS):
        if parent == "CITY":
            name = DEPARTMENT % int(code[1:])
        elif parent:
            f, u = code[1:].split("-")
            name = UNIT % (int(f), int(u))
        rows.append([code, name, parent])
    return rows


def write(path: Path, rows: list[list[object]]) -> str:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return str(path)


def load_city(runner, tmp_path: Path) -> str:
    """Two closed rounds of the city; the later one's name."""
    org = city_org()
    leaves = [r[0] for r in org[1:] if r[2] not in ("", "CITY")]
    q = load_questionnaire(QUESTIONNAIRE)
    plan = Plan(trend=dict.fromkeys(leaves, 0.1), groups={c: c[:3] for c in leaves}, group_sd=0.4)
    name = ""
    for step, year in enumerate(YEARS):
        rng = np.random.default_rng(year)
        header, rows = response_rows(q, leaves, PER_UNIT * len(leaves), rng, plan, step)
        name = f"Stad {year}"
        for args in (
            ["org", "import", "--year", str(year), write(tmp_path / f"org{year}.csv", org)],
            ["round", "create", name, "--year", str(year), "--questionnaire", "malmo-digital"],
            ["responses", "import", name, write(tmp_path / f"r{year}.csv", [header, *rows])],
            ["round", "open", name],
            ["round", "close", name],
        ):
            result = runner.invoke(args=args)
            assert result.exit_code == 0, (args, result.output)
    return name


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_city_size_report_is_a_publication_in_both_languages(app, runner, tmp_path) -> None:
    start = time.perf_counter()
    name = load_city(runner, tmp_path)
    loaded = time.perf_counter() - start
    with app.app_context():
        figures = round_figures(db.session(), name, app.config["K_ANONYMITY"])
        for lang in ("sv", "en"):
            with force_locale(lang):
                data = build(figures, lang)
            assert len(data.units) == DEPARTMENTS
            pdf = render_pdf(render_report(figures, lang, "pdf"))
            if lang == "sv":
                Path(tmp_path / "city.pdf").write_bytes(pdf)
            check_publication(pdf, data, lang, app.config["ORGANISATION_NAME"], name)
    print(
        f"city: loaded in {loaded:.1f} s, both PDFs checked at {time.perf_counter() - start:.1f} s"
    )
