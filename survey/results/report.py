"""The maturity report: one self-contained HTML document, and the same as tagged PDF.

The HTML carries its stylesheet and charts inside it, because it is a document people download,
mail and archive: it must read the same without the server (and WeasyPrint, which makes the
PDF from this HTML, must fetch nothing). It is a publication: a title page, a one-page summary,
the capability × legacy picture, one page per förvaltning, the significant changes, method and
privacy. The full grid of cells is only in the web document (a collapsed section) and the open
data: in a PDF it is dozens of pages nobody reads, and WeasyPrint's cost grows with its cells.
``mognad report --format html,pdf`` and publishing a round both write the documents through
:func:`write_documents`, so the report a visitor downloads is byte for byte the one
``mognad report`` writes for the same round.

Everything in it is deterministic: no "generated at" time (the PDF's creation date is when the
round closed), no request, no random id.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

from analysis.languages import LANGUAGES
from analysis.roles import ALL
from survey.i18n import DAY_MONTH_YEAR, FALLBACK, tr
from survey.results.charts import Bar, Chart, Texts, bar_chart
from survey.results.numbers import DASH, interval, number, p_value, percent, signed
from survey.results.report_data import ReportData, build
from survey.results.report_pages import picture, summary, unit_pages
from survey.results.report_ua import document_class
from survey.services.errors import InputError
from survey.services.publish import DOCUMENT_FORMATS, document_name
from survey.services.report import RoundFigures

# What the HTML is rendered for: the web/download document, or the source of the PDF, which
# says where the full cell grid is instead of carrying it.
MEDIA: tuple[str, ...] = ("html", "pdf")
CONTENT_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


def day(value: Any) -> str:
    from flask_babel import format_date

    return DASH if value is None else str(format_date(value, format=DAY_MONTH_YEAR))


def _remembered(fmt: Callable[..., str]) -> Callable[..., str]:
    """``fmt`` remembering its answers for one rendering (one locale): a city's report formats
    ~30,000 scores, most of them one of the same thousand values 0,0–100,0."""
    seen: dict[tuple[Any, ...], str] = {}

    def remembered(*args: Any) -> str:
        text = seen.get(args)
        if text is None:
            text = seen[args] = fmt(*args)
        return text

    return remembered


def render_report(
    figures: RoundFigures, lang: str = FALLBACK, medium: str = "html", draft: bool = False
) -> str:
    """The report as one HTML document in ``lang`` (``sv`` or ``en``), charts inlined as SVG.

    ``medium="pdf"`` gives the HTML the PDF is made from: the same document except the
    appendix of all cells, which the PDF names (the web report and the open data) instead of
    printing. ``draft`` marks every page "utkast"/"draft": the preview shown before publishing
    is these very documents with that mark, which the published ones do not carry.
    """
    if medium not in MEDIA:
        raise ValueError(f"unknown medium {medium!r}")
    if lang not in LANGUAGES:
        raise InputError(f"unknown report language '{lang}' (available: {', '.join(LANGUAGES)})")
    with force_locale(lang):
        data = build(figures, lang)
        charts = report_charts(data)
        pages = unit_pages(data)
        rnd = figures.round
        return render_template(
            "report/report.html",
            r=data,
            fig=figures,
            rnd=rnd,
            q=figures.questionnaire,
            compare=figures.compare,
            lang=lang,
            medium=medium,
            charts=charts,
            pages=pages,
            summary=summary(data, pages),
            picture=picture(data, pages),
            draft=draft,
            organisation=current_app.config["ORGANISATION_NAME"],
            # The PDF's creation date is the day the round closed, as its title page says: the
            # same figures give the same document, whatever second they were closed at.
            created=rnd.closed_at.strftime("%Y-%m-%d") if rnd.closed_at else None,
            closed=day(rnd.closed_at),
            num=_remembered(number),
            signed=signed,
            ci=interval,
            pval=p_value,
            pct=percent,
            DASH=DASH,
            ALL=ALL,
            tr=tr,
        )


class _NoFetch(URLFetcher):
    """The report is self-contained: a reference to anything outside it is a bug, not a fetch."""

    def fetch(self, url: str, headers: Any = None) -> Any:
        raise ValueError(f"the report fetches nothing (it referred to {url[:80]})")


def render_pdf(html: str, fetcher: URLFetcher | None = None) -> bytes:
    """The HTML as tagged PDF (PDF/UA-1); title, language and date come from the HTML's head.

    ``fetcher``: what the document may fetch; by default nothing (the report is whole), and
    then the PDF is a function of the HTML alone, so the process keeps the last few it built
    (:func:`_whole_pdf`).
    """
    if fetcher is None:
        return _whole_pdf(html)
    return _build_pdf(html, fetcher)


@functools.lru_cache(maxsize=8)
def _whole_pdf(html: str) -> bytes:
    """A PDF that fetches nothing, kept by its HTML: laying out a report takes seconds, and
    the same HTML comes back when a round's documents are built again unchanged (a preview,
    then the publish of the same figures; a publish that is retried)."""
    return _build_pdf(html, _NoFetch())


def _build_pdf(html: str, fetcher: URLFetcher) -> bytes:
    # The collector is left alone: pausing it is process-wide, and other request threads of
    # the same worker run meanwhile (a PDF is built by the publish job, not in a request).
    document = document_class()(string=html, url_fetcher=fetcher, base_url=None)
    pdf = document.write_pdf(pdf_variant="pdf/ua-1")
    if not isinstance(pdf, bytes):  # write_pdf returns the bytes when given no target
        raise RuntimeError("WeasyPrint returned no PDF")
    return pdf


def write_documents(
    figures: RoundFigures,
    out: Path,
    formats: Sequence[str],
    lang: str = FALLBACK,
    draft: bool = False,
) -> list[Path]:
    """Write ``report.html`` and/or ``report.pdf`` (``report.<lang>.*`` for another language);
    ``draft`` marks them as the preview (see :func:`render_report`)."""
    wanted = [f for f in DOCUMENT_FORMATS if f in formats]
    if not wanted:
        return []
    sources = {fmt: render_report(figures, lang, fmt, draft) for fmt in wanted}
    written = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        if "html" in wanted:
            path = out / document_name("html", lang)
            path.write_text(sources["html"], encoding="utf-8")
            written.append(path)
        if "pdf" in wanted:
            path = out / document_name("pdf", lang)
            path.write_bytes(render_pdf(sources["pdf"]))
            written.append(path)
    except OSError as e:
        raise InputError(f"cannot write the report ({e.strerror or e})", file=str(out)) from None
    return written


def report_charts(data: ReportData) -> list[Chart]:
    """The summary's charts (call inside ``force_locale``): maturity per förvaltning, and the
    organisation's categories, each bar with its confidence interval; hidden cells stay gaps."""
    texts = Texts(
        label=_("Enhet"),
        value=_("Poäng"),
        ci_low=_("95 % KI, nedre"),
        ci_high=_("95 % KI, övre"),
        missing=DASH,
        missing_note=_("visas inte, för att skydda svarande"),
        ci_note=_("Strecken visar 95 % konfidensintervall."),
    )
    charts = []
    lines = [u for u in [data.root, *data.units] if u is not None and "maturity" in u.cells]
    if lines:
        bars = [_bar(u.name, u.cells["maturity"]) for u in lines]
        charts.append(
            bar_chart(
                "maturity-units",
                bars,
                title=_("Digital mognad per förvaltning"),
                caption=_("Digital mognad 0–100 för organisationen och varje förvaltning."),
                texts=texts,
                fmt=number,
            )
        )
    root = data.root
    if root is not None:
        categories = [
            r for r in data.appendix
            if r["unit_code"] == root.code and r["role"] == ALL and r["index"] in data.category_ids
        ]  # fmt: skip
        if categories:
            charts.append(
                bar_chart(
                    "categories",
                    [_bar(r["index_label"], r) for r in categories],
                    title=_("Kategorier för %(unit)s", unit=root.name),
                    caption=_("Poäng 0–100 per kategori för alla roller i organisationen."),
                    texts=texts,
                    fmt=number,
                )
            )
    return charts


def _bar(label: str, row: dict[str, Any]) -> Bar:
    return Bar(label, row["score"], row["ci_low"], row["ci_high"])
