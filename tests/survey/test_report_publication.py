"""The demo's report as a publication, in Swedish and English: every character inside its page,
tagged PDF/UA with title and language, a summary page naming the headline and the quadrant, and
one page per förvaltning."""

from __future__ import annotations

import io

import pdfplumber
import pypdf
import pytest
from flask_babel import force_locale

from analysis.typology import QUADRANTS, UNDETERMINED_NAME
from survey.extensions import db
from survey.results.report import render_pdf, render_report
from survey.results.report_data import build
from survey.services.report import round_figures

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
TITLE = {"sv": "Digital mognad och kompetens: %s", "en": "Digital maturity and competence: %s"}
SUMMARY = {"sv": "Sammanfattning", "en": "Summary"}
PLAN_AREAS = {"sv": "Planområden", "en": "Plan areas"}
ROUND = "Mognad 2025"


def outside(pdf: bytes) -> list[str]:
    """Every character whose box is not inside its page's box, as "page: text (x0, top)"."""
    found = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for number, page in enumerate(doc.pages, start=1):
            for c in page.chars:
                inside = (
                    c["x0"] >= -0.5
                    and c["x1"] <= page.width + 0.5
                    and c["top"] >= -0.5
                    and c["bottom"] <= page.height + 0.5
                )
                if not inside:
                    found.append(f"{number}: {c['text']!r} ({c['x0']:.0f}, {c['top']:.0f})")
    return found


def number(value: float, lang: str) -> str:
    text = f"{value:.1f}"
    return text.replace(".", ",") if lang == "sv" else text


@SQLITE
def test_the_demo_report_is_a_publication_in_both_languages(app, runner) -> None:
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        figures = round_figures(db.session(), ROUND, app.config["K_ANONYMITY"])
        for lang in ("sv", "en"):
            with force_locale(lang):
                data = build(figures, lang)
            pdf = render_pdf(render_report(figures, lang, "pdf"))
            check_publication(pdf, data, lang, app.config["ORGANISATION_NAME"])
            check_plan_area_page(pdf, data, lang)


def check_plan_area_page(pdf: bytes, data, lang: str) -> None:
    """The plan areas on ONE page: the section starts a page, and that page holds every
    unit's row of the matrix with every shown score and the sentence that ends the section."""
    pages = [
        " ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(pdf)).pages
    ]
    found = [p for p in pages if p.startswith(PLAN_AREAS[lang])]
    assert len(found) == 1, [p[:60] for p in pages]
    page = found[0]
    assert len(data.area_matrix) == 1 + len(data.units)  # the organisation and each förvaltning
    for line in data.area_matrix:
        assert " ".join(line.name.split()) in page, line.name
        for cell in line.cells:
            assert cell is not None and (cell["suppressed"] or number(cell["score"], lang) in page)
    assert page.rstrip(" 0123456789/").endswith("plan_areas.csv."), page[-200:]


def check_publication(
    pdf: bytes, data, lang: str, organisation: str, round_name: str = ROUND
) -> None:
    """The checks every published PDF passes, the demo's and a city-size round's."""
    assert not outside(pdf), outside(pdf)[:10]
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and bool(root["/MarkInfo"]["/Marked"]) is True
    assert root["/Lang"] == lang
    assert reader.metadata.title == TITLE[lang] % round_name
    pages = [page.extract_text() for page in reader.pages]
    # Page 1: the title page, with the organisation and the round.
    assert organisation in pages[0] and round_name in pages[0]
    # Page 2: the summary, naming the headline (with its CI) and the quadrant.
    summary = pages[1]
    assert summary.lstrip().startswith(SUMMARY[lang]), summary[:80]
    h = data.headline
    assert h is not None
    for value in (h["estimate"], h["ci_low"], h["ci_high"]):
        assert number(value, lang) in summary, (value, summary)
    placement = data.placement
    assert placement is not None
    name = QUADRANTS[placement.quadrant].name[lang] if placement.quadrant in QUADRANTS else None
    assert (name or UNDETERMINED_NAME[lang]) in summary
    # One page per förvaltning, headed by its name, with its maturity on it.
    assert data.units
    for unit in data.units:
        # A long name wraps in the heading; "område 1" must not match "område 10"'s page.
        starts = [p for p in pages if f"{' '.join(p.split())} ".startswith(f"{unit.name} ")]
        assert len(starts) == 1, unit.name
        cell = unit.cells["maturity"]
        if cell["score"] is not None:  # a hidden cell (a small förvaltning) shows its reason
            assert number(cell["score"], lang) in starts[0]
    # No grid of every cell: the report stays a readable length.
    assert len(pages) < 40, len(pages)
