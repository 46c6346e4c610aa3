"""Reading the gap pages back: the heatmap table, the SVG's cell texts, the figures to compare."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pandas as pd
from flask import Flask
from sqlalchemy import select

from survey.extensions import db
from survey.models import Round
from survey.services.report import round_figures

CODE = re.compile(r"\(([A-Z0-9-]+)\)\s*$")
PERCENT = re.compile(r"^(\d+) %$")


def round_id(app: Flask, name: str) -> int:
    with app.app_context():
        return int(db.session.scalar(select(Round.id).where(Round.name == name)))


def gaps_of(app: Flask, name: str) -> pd.DataFrame:
    with app.app_context():
        return round_figures(db.session(), name, int(app.config["K_ANONYMITY"])).gaps


def cell(gaps: pd.DataFrame, unit: str, role: str, category: str) -> pd.Series:
    rows = gaps[(gaps["unit"] == unit) & (gaps["role"] == role) & (gaps["category"] == category)]
    assert len(rows) == 1, (unit, role, category)
    return rows.iloc[0]


def assert_shows(text: str, row: pd.Series) -> None:
    """A shown cell: "–" and no figure when suppressed, else the share as a whole percent."""
    if bool(row["suppressed"]):
        assert text.startswith("–") and "%" not in text, text
        return
    found = PERCENT.match(text)
    assert found, text
    assert abs(int(found.group(1)) - float(row["share_below"]) * 100) <= 0.5, (text, row)


def svg_rows(svg: bytes, columns: int) -> dict[str, list[str]]:
    """The SVG heatmap's cell texts per unit code (its texts: headers, then label + cells)."""
    root = ElementTree.fromstring(svg)
    texts = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    body = texts[columns:-1]
    out = {}
    for i in range(0, len(body), columns + 1):
        label = body[i]
        found = CODE.search(label)
        assert found, label
        out[found.group(1)] = body[i + 1 : i + 1 + columns]
    return out
