"""The maturity report as HTML and tagged PDF: its numbers are the figures, its hidden cells stay
hidden, and the PDF carries text, tags and its sections."""

from __future__ import annotations

import io
import re

import pandas as pd
import pypdf
import pytest

from survey.extensions import db
from survey.results.report import render_pdf, render_report
from survey.services.report import round_figures
from tests.support.report_html import number
from tests.support.tables import cells

SECTIONS_SV = (
    "Sammanfattning",
    "Resultat per förvaltning",
    "Förändringar",
    "Kompetensgap",
    "Metod",
    "Bilaga: alla celler",
)
SECTIONS_EN = ("Summary", "Results per department", "Changes", "Competence gaps", "Method")
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _close(shown: float | None, value: float | None, digits: int) -> bool:
    if value is None:
        return shown is None
    return shown is not None and abs(shown - round(float(value), digits)) < 10**-digits / 2 + 1e-9


REASON_SV = {
    "too_few": "färre än k svar",
    "homogeneous": "alla svarade lika",
    "complementary": "dold för att skydda en annan grupp",
}


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_cell_of_the_report_is_the_figure_and_hidden_cells_show_none(
    app, two_years, lang
) -> None:
    with app.app_context():
        figures = round_figures(db.session(), "R2025", app.config["K_ANONYMITY"])
        html = render_report(figures, lang)
    assert f'<html lang="{lang}">' in html
    shown = cells(html)
    agg = figures.aggregates
    assert len(shown) == len(agg)
    digits = {"n": 0, "score": 1, "delta": 1, "effect_size": 2}
    for row in agg.to_dict("records"):
        got = shown[f"{row['unit_code']}|{row['role']}|{row['index']}"]
        if row["suppressed"]:
            # Not one digit anywhere in a hidden cell's row, and its reason in words.
            assert not re.search(r"\d", got["text"]), got
            if lang == "sv" and row["role"] == "all" and row["index"] == "maturity":
                assert REASON_SV[row["hidden_reason"]] in got["text"], got
            continue
        for col, d in digits.items():
            value = None if pd.isna(row[col]) else float(row[col])
            assert _close(number(got[col], lang), value, d), (row, col, got[col])
    tiny = [k for k in shown if k.startswith("TINY|")]
    assert tiny and all(not re.search(r"\d", shown[k]["text"]) for k in tiny)
    assert agg[agg.unit_code == "TINY"]["suppressed"].all()
    # The organisation's maturity in the summary sentence, as the figures have it.
    root = agg[(agg.unit_level == 0) & (agg.role == "all") & (agg["index"] == "maturity")].iloc[0]
    score = f"{root['score']:.1f}".replace(".", "," if lang == "sv" else ".")
    assert score in html.split('id="units"')[0]
    for heading in SECTIONS_SV if lang == "sv" else SECTIONS_EN:
        assert f">{heading}</h2>" in html


@SQLITE
def test_the_pdf_names_where_the_cells_are_and_the_web_report_folds_them(app, two_years) -> None:
    with app.app_context():
        figures = round_figures(db.session(), "R2025", app.config["K_ANONYMITY"])
        html = render_report(figures, "sv", "pdf")
        web = render_report(figures, "sv")
    before = '<section aria-labelledby="appendix"'
    # The PDF carries no cell grid: it says where the cells are (the web report, open data).
    assert 'id="cells"' not in html and "data-cell=" in html.split(before)[0]
    appendix = html.split(before)[1]
    assert "aggregates.csv" in appendix and "aggregates.xlsx" in appendix
    assert f"{len(figures.aggregates):,}".replace(",", "\xa0") in appendix
    # The web report keeps every cell, collapsed (a closed <details> is searchable in the page).
    folded = web.split(before)[1]
    assert '<details id="all-cells">' in folded and '<details id="all-cells" open' not in folded
    assert len(cells(folded)) == len(figures.aggregates)
    # TINY, a förvaltning whose cells are all hidden, is named as hidden and never drawn.
    hidden = web.split('id="hidden-units">', 1)[1].split("</p>", 1)[0]
    assert "Liten enhet" in hidden, hidden
    picture = web.split('id="picture"', 1)[1].split('id="units"', 1)[0]
    assert "Liten enhet" not in picture.split('id="hidden-units"', 1)[0]


@SQLITE
def test_the_pdf_is_tagged_has_text_sections_and_no_hidden_figure(app, two_years) -> None:
    with app.app_context():
        figures = round_figures(db.session(), "R2025", app.config["K_ANONYMITY"])
        html = render_report(figures, "sv", "pdf")
    pdf = render_pdf(html)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"]) is True
    assert root["/Lang"] == "sv"
    assert reader.metadata.title == "Digital mognad och kompetens: R2025"
    text = "\n".join(page.extract_text() for page in reader.pages)
    for heading in SECTIONS_SV:
        assert heading in text
    agg = figures.aggregates
    root_cell = agg[(agg.unit_level == 0) & (agg.role == "all") & (agg["index"] == "maturity")]
    assert f"{root_cell['score'].iloc[0]:.1f}".replace(".", ",") in text
    tiny_lines = [line for line in text.splitlines() if "Liten enhet" in line]
    assert tiny_lines and not [line for line in tiny_lines if re.search(r"\d", line)]


@SQLITE
def test_mognad_report_writes_the_documents_and_refuses_unknown_formats(
    runner, two_years, tmp_path
) -> None:
    out = tmp_path / "docs"
    result = runner.invoke(args=["report", "R2025", "--out", str(out), "--format", "html,bogus"])
    assert result.exit_code == 1
    assert "unknown or unavailable format 'bogus'" in result.output
    assert not out.exists()  # refused before anything was computed or written
    result = runner.invoke(
        args=["report", "R2025", "--out", str(out), "--format", "html", "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    english = (out / "report.en.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in english and ">Summary</h2>" in english
    assert not (out / "report.html").exists() and not (out / "aggregates.csv").exists()
    result = runner.invoke(args=["report", "R2025", "--out", str(out), "--format", "html"])
    assert result.exit_code == 0, result.output
    assert ">Sammanfattning</h2>" in (out / "report.html").read_text(encoding="utf-8")


def test_a_weasyprint_without_the_expected_hook_builds_with_its_own_sheet(
    monkeypatch, caplog
) -> None:
    """The speed-up overrides WeasyPrint's private ``HTML._ua_stylesheets(self, forms)``. If a
    release renames it or changes its parameters, the report is built without the override
    (and the log says so once) instead of silently doing nothing or crashing."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    from survey.results import report_ua

    assert report_ua.document_class() is report_ua.ReportHTML
    original = HTML._ua_stylesheets

    def changed(self, forms=False, counters=None):
        return original(self, forms)

    monkeypatch.setattr(HTML, "_ua_stylesheets", changed)
    monkeypatch.setattr(report_ua, "_warned", [])
    # Alembic's fileConfig (a migration earlier in this process) disables existing loggers;
    # a server process never migrates.
    monkeypatch.setattr(report_ua.log, "disabled", False)
    page = '<html lang="sv"><head><title>t</title></head><body><p>Hej</p></body></html>'
    with caplog.at_level("WARNING", logger="survey.results.report_ua"):
        assert report_ua.document_class() is HTML
        assert render_pdf(page).startswith(b"%PDF")
        render_pdf(page)
    assert len([r for r in caplog.records if "_ua_stylesheets" in r.getMessage()]) == 1
    monkeypatch.delattr(HTML, "_ua_stylesheets")
    assert not report_ua.hook_as_expected()
