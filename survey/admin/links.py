"""Shared unit links of an open-link round in the browser, each with a QR code and an A4 poster.

The links are the same as `mognad links` writes (``survey.services.links.unit_url``: an HMAC of
the round and unit, nothing stored), so a poster printed from here and a CSV from the terminal
hand out the same address. The poster is a page to print and the same as a one-page tagged PDF.
Whoever may send the round's mail may hand out its links: an admin
for every unit, a förvaltning's administrator for their subtree only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Response, abort, current_app, render_template
from flask_babel import format_date
from flask_login import current_user
from sqlalchemy import select

from survey.access import Action, allowed, allowed_anywhere
from survey.admin import bp
from survey.admin.rounds import load_round
from survey.extensions import db
from survey.i18n import DAY_MONTH_YEAR
from survey.models import Round, Unit
from survey.models.enums import RoundMode
from survey.services.links import ISSUABLE, subtree, unit_in_round, unit_url


def _open_round(round_id: int) -> Round:
    if not allowed_anywhere(current_user, Action.SEND_MAIL):
        abort(403)
    rnd = load_round(round_id)
    if rnd.mode != RoundMode.OPEN:
        abort(404)
    return rnd


def _url(rnd: Round, code: str) -> str:
    config = current_app.config
    return unit_url(str(config["BASE_URL"]), str(config["SECRET_KEY"]), rnd.id, code)


def qr_svg(url: str) -> str:
    """The link as a QR code (an SVG data URI; medium error correction survives a worn print)."""
    import segno

    return str(segno.make(url, error="m").svg_data_uri(scale=8, border=4))


@bp.get("/rounds/<int:round_id>/unit-links")
def unit_links(round_id: int) -> str:
    """Every unit of the round this person may hand links out to, with its link and poster."""
    rnd = _open_round(round_id)
    root = db.session.scalar(select(Unit).where(Unit.year == rnd.year, Unit.parent_id.is_(None)))
    choices = subtree(db.session(), root) if root is not None else []
    rows = [
        (c, _url(rnd, c.unit.code))
        for c in choices
        if allowed(current_user, Action.SEND_MAIL, c.unit)
    ]
    return render_template(
        "admin/links/index.html", rnd=rnd, rows=rows, issuable=rnd.status in ISSUABLE
    )


@bp.get("/rounds/<int:round_id>/unit-links/<code>/poster")
def unit_poster(round_id: int, code: str) -> str:
    """An A4 poster for one unit: the round, the QR code and link, and the round's own k."""
    return render_template("admin/links/poster.html", **_poster(round_id, code))


@bp.get("/rounds/<int:round_id>/unit-links/<code>/poster.pdf")
def unit_poster_pdf(round_id: int, code: str) -> Response:
    """The same poster as one tagged A4 PDF page, for a print shop or an intranet page.

    Made in the request: one page with a vector QR code takes well under a second, unlike
    the report (a job). Its styles are the poster page's print styles, inlined.
    """
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

    from survey.i18n import page_lang
    from survey.results.report import render_pdf

    context = _poster(round_id, code)
    css = Path(str(current_app.static_folder), "poster.css").read_text(encoding="utf-8")
    html = render_template(
        "admin/links/poster_pdf.html", lang=page_lang(), poster_css=css, **context
    )
    # The QR code is a data: URI; nothing else may be fetched.
    pdf = render_pdf(html, URLFetcher(allowed_protocols=("data",)))
    response = Response(pdf, content_type="application/pdf")
    name = f"affisch-{context['rnd'].id}-{context['unit'].code}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _poster(round_id: int, code: str) -> dict[str, Any]:
    """What a unit's poster shows, once the person may hand out this unit's link."""
    rnd = _open_round(round_id)
    unit = unit_in_round(db.session(), rnd, code)
    if unit is None:
        abort(404)
    if not allowed(current_user, Action.SEND_MAIL, unit):
        abort(403)
    if rnd.status not in ISSUABLE:
        abort(404)
    url = _url(rnd, unit.code)
    closes = format_date(rnd.closes_on, format=DAY_MONTH_YEAR) if rnd.closes_on else None
    return {"rnd": rnd, "unit": unit, "url": url, "qr": qr_svg(url), "closes": closes}
