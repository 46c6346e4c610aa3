"""Public results: published rounds, their report and their open data, without sign-in.

Only a *published* round exists here: an unknown, draft, open or closed round id gets the same
404 page, so the public cannot even tell that an unpublished round is there. Downloads are the
bytes stored when the round was published (``survey.services.publish``), never made anew.

The report's HTML carries its own stylesheet (it is a document for download and archiving), so
it is served with a Content-Security-Policy of its own: nothing may load, scripts may not run
(``sandbox``), and only its own ``<style>`` blocks apply, by their SHA-256 hashes.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from analysis.typology import UNDETERMINED_NAME
from survey.extensions import db
from survey.i18n import page_lang, template_helpers
from survey.models import Round
from survey.results.numbers import interval, number, percent
from survey.services.errors import MognadError
from survey.services.publish import (
    published_file,
    published_files,
    published_round,
    published_rounds,
)
from survey.services.settings import FigureSettings

bp = Blueprint("results", __name__, url_prefix="/results")
bp.context_processor(template_helpers)


@bp.context_processor
def figures_helpers() -> dict[str, Any]:
    """The report's names for the number formats (``survey.results.numbers``, registered for
    every template) and its date, so a page and the report show the same digits."""
    from survey.results.report import day

    return {"num": number, "ci": interval, "day": day, "pct": percent}


STYLE = re.compile(rb"<style[^>]*>(.*?)</style>", re.S)
# Shown in the browser; everything else downloads.
INLINE = ("text/html", "application/pdf")


def document_csp(html: bytes) -> str:
    """A policy under which the stored report shows as designed and can do nothing else."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(m.group(1)).digest()).decode() + "'"
        for m in STYLE.finditer(html)
    )
    return (
        f"default-src 'none'; style-src {hashes or chr(39) + 'none' + chr(39)}; img-src data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox"
    )


def document_response(content: bytes, content_type: str, filename: str) -> Response:
    """A stored document as the browser gets it: HTML and PDF shown, anything else downloaded;
    HTML under :func:`document_csp` (the published files and the preview's alike)."""
    response = Response(content, content_type=content_type)
    kind = content_type.split(";")[0]
    disposition = "inline" if kind in INLINE else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    if kind == "text/html":
        response.headers["Content-Security-Policy"] = document_csp(content)
    return response


def file_label(filename: str) -> str:
    """What a file is, in the page's language (its name is shown beside it anyway)."""
    labels = {
        "report.html": _("Rapporten på svenska (HTML)"),
        "report.en.html": _("Rapporten på engelska (HTML)"),
        "report.pdf": _("Rapporten på svenska (PDF, tillgänglighetsanpassad)"),
        "report.en.pdf": _("Rapporten på engelska (PDF, tillgänglighetsanpassad)"),
        "aggregates.csv": _("Alla celler: poäng, konfidensintervall och jämförelse (CSV)"),
        "aggregates.json": _("Alla celler (JSON)"),
        "aggregates.xlsx": _("Alla celler med databeskrivning (Excel)"),
        "reliability.csv": _("Tillförlitlighet, Cronbachs α per kategori (CSV)"),
        "units.csv": _("Organisationens enheter (CSV)"),
        "indices.csv": _("Index och kategorier med namn (CSV)"),
        "gaps.csv": _("Kompetensgap (CSV)"),
        "comparisons.csv": _("Jämförelser med skäl när de saknas (CSV)"),
        "fieldwork.csv": _("Antal inbjudna och svar (CSV)"),
        "datapackage.json": _("Beskrivning av alla filer och kolumner (Data Package)"),
        "dcat.jsonld": _("Katalogpost för dataportaler (DCAT-AP-SE, JSON-LD)"),
    }
    return labels.get(filename, filename)


def size_text(size: int) -> str:
    if size < 1000:
        return _("%(n)s byte", n=size)
    if size < 1_000_000:
        return _("%(n)s kB", n=number(size / 1000, 0))
    return _("%(n)s MB", n=number(size / 1_000_000, 1))


def _round_or_404(round_id: int) -> Round:
    rnd = published_round(db.session(), round_id)
    if rnd is None:
        abort(404)
    return rnd


@bp.get("/")
def index() -> str:
    """Every published round, newest first."""
    return render_template("results/public/index.html", rounds=published_rounds(db.session()))


@bp.get("/<int:round_id>/")
def report(round_id: int) -> str:
    """A published round's summary, its report and its open data."""
    rnd = _round_or_404(round_id)
    files = published_files(db.session(), round_id)
    documents = sorted(
        (f for f in files if f.filename.startswith("report.")),
        key=lambda f: (f.filename.count("."), f.filename.endswith(".pdf")),
    )  # Swedish first (report.html, report.pdf), then report.en.html
    data = [f for f in files if not f.filename.startswith("report.")]
    return render_template(
        "results/public/report.html",
        rnd=rnd,
        documents=documents,
        data=data,
        summary=summary(round_id, page_lang()),
        file_label=file_label,
        size_text=size_text,
        method="main.method" in current_app.view_functions,
    )


@bp.get("/<int:round_id>/files/<filename>")
def download(round_id: int, filename: str) -> Response:
    """A stored file of a published round, exactly as stored."""
    stored = published_file(db.session(), round_id, filename)
    if stored is None:
        abort(404)
    response = document_response(stored.content, stored.content_type, stored.filename)
    response.headers["Content-Length"] = str(stored.size)
    response.headers["ETag"] = f'"{stored.sha256}"'
    return response


def summary(round_id: int, lang: str) -> dict[str, Any] | None:
    """The organisation's composite indices and quadrant, as the report's summary shows them."""
    rnd = db.session.get(Round, round_id)
    if rnd is None:
        return None
    database = str(current_app.config["DATABASE_URL"])
    settings = FigureSettings.of(current_app.config)
    try:
        return _summary(database, round_id, str(rnd.published_at), lang, settings)
    except MognadError:
        # The stored report still stands; the page says the summary cannot be shown.
        current_app.logger.warning("no summary for published round %s", round_id)
        return None


def _undetermined_reason(placement: Any) -> str:
    reasons = tuple(placement.reasons) if placement is not None else ()
    if len(reasons) == 2:
        return _(
            "Fyrfältet kan inte avgöras: konfidensintervallen för både förmåga och arv spänner "
            "över 50, så data kan inte skilja högt från lågt på någon av axlarna."
        )
    if reasons == ("capability",):
        return _(
            "Fyrfältet kan inte avgöras: konfidensintervallet för förmåga spänner över 50, så "
            "data kan inte skilja hög från låg förmåga."
        )
    return _(
        "Fyrfältet kan inte avgöras: konfidensintervallet för arv spänner över 50, så data kan "
        "inte skilja ett arv som möjliggör från ett som hindrar."
    )


@lru_cache(maxsize=32)
def _summary(
    database: str, round_id: int, published: str, lang: str, settings: FigureSettings
) -> dict[str, Any] | None:
    """Cached per process: a published round's figures never change (no answers, no reopening).

    The key names the database and the publication, not only the id, so that two apps of one
    process (or a database restored under the same ids) never share an entry.
    """
    from survey.results.report_data import COMPOSITES, build
    from survey.services.stored import figures

    session = db.session()
    rnd = session.get(Round, round_id)
    if rnd is None:
        return None
    with force_locale(lang):
        data = build(figures(session, rnd.name, settings), lang)
        reason = _undetermined_reason(data.placement)
    if data.root is None:
        return None
    quadrant = data.quadrant
    undetermined = data.placement is not None and quadrant is None
    return {
        "unit": data.root.name,
        "cells": [data.root.cells[ix] for ix in COMPOSITES if ix in data.root.cells],
        "compare": data.figures.compare.name if data.figures.compare else None,
        "quadrant": (quadrant.name[lang], quadrant.advice[lang]) if quadrant else None,
        # (name, why): the confidence interval of an axis crosses the split at 50
        "undetermined": (UNDETERMINED_NAME[lang], reason) if undetermined else None,
        "k": data.figures.k,
    }
