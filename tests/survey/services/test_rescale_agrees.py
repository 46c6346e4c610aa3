"""The one 0–100 rescale rule gives the same numbers in SQL (SQLite, PostgreSQL) and Python.

The report's scan sums rescaled answers in SQL; scoring a frame of answers and a respondent's
profile do it in Python. Every point of every scale of the shipped instrument, plain and
reverse-keyed, must come out the same float from either path, in the columns' own types
(``answers.value``, ``scale_min``, ``scale_max`` small integers, ``questionnaire_items.reverse``
a boolean), so that no figure depends on which path made it.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from analysis.instruments import load_questionnaire
from analysis.rescale import rescale, rescale_sql
from tests.support.factory import QUESTIONNAIRE


def _points() -> list[tuple[int, int, int, bool]]:
    q = load_questionnaire(QUESTIONNAIRE)
    scales = {(c.scale.min, c.scale.max) for c in q.categories}
    assert scales, "the shipped instrument has scales"
    return [
        (value, low, high, reverse)
        for low, high in sorted(scales)
        for value in range(low, high + 1)
        for reverse in (False, True)
    ]


def test_sql_and_python_rescale_every_scale_point_alike(database_url: str) -> None:
    points = _points()
    engine = sa.create_engine(database_url)
    expression = rescale_sql("a.value", "a.scale_min", "a.scale_max", "a.reverse")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TEMPORARY TABLE a (id INTEGER, value SMALLINT, scale_min SMALLINT,"
                " scale_max SMALLINT, reverse BOOLEAN)"
            )
        )
        conn.execute(
            sa.text("INSERT INTO a VALUES (:id, :value, :low, :high, :reverse)"),
            [
                {"id": i, "value": v, "low": lo, "high": hi, "reverse": r}
                for i, (v, lo, hi, r) in enumerate(points)
            ],
        )
        rows = conn.execute(sa.text(f"SELECT id, {expression} FROM a ORDER BY id")).all()
    engine.dispose()
    sql = [float(y) for _, y in rows]
    python = [rescale(float(v), lo, hi, r) for v, lo, hi, r in points]
    assert sql == python
    assert {0.0, 100.0} <= set(python)  # both ends of every scale are reached


def test_every_python_path_is_the_same_rule() -> None:
    """``Scale.rescale`` and the element-wise rescale ``score_answers`` runs on a frame (reverse
    keys turned round first, as it does) give the scalar rule's floats exactly."""
    points = _points()
    q = load_questionnaire(QUESTIONNAIRE)
    scale = {(c.scale.min, c.scale.max): c.scale for c in q.categories}
    value, low, high = (pd.Series([p[i] for p in points], dtype=float) for i in range(3))
    reverse = pd.Series([p[3] for p in points])
    turned = value.where(~reverse, low + high - value)
    scalar = [rescale(float(v), lo, hi, r) for v, lo, hi, r in points]
    assert rescale(turned, low, high).tolist() == scalar
    assert [scale[(lo, hi)].rescale(v, r) for v, lo, hi, r in points] == scalar
