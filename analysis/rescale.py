"""The one rule that maps an answer onto 0–100 (docs/method.md, section 1), for Python and SQL.

.. math:: y = \\frac{(x' - \\min) \\cdot 100}{\\max - \\min}, \\qquad
          x' - \\min = \\max - x \\text{ if reverse-keyed, else } x - \\min.

The report's scan sums rescaled answers in SQL (``survey/services/statistics.py``); scoring a
frame of answers, a respondent's own profile and the tests do it in Python. Both are written
from :data:`TOP` and :func:`rescale_sql` / :func:`rescale` here, with the same order of
operations (distance from the low end, times 100, divided by the span), so that a float sum
is the same whichever path made it; a test runs both on every scale of the shipped instrument
on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import pandas as pd

__all__ = ["TOP", "rescale", "rescale_sql"]

#: The top of the common scale; the bottom is 0.
TOP = 100.0

_Value = TypeVar("_Value", float, np.ndarray, pd.Series)


def rescale(
    value: _Value, low: _Value | float, high: _Value | float, reverse: bool = False
) -> _Value:
    """An answer ``value`` on the scale ``low``–``high`` as 0–100, reverse-keyed reversed.

    Works on a number or element-wise on an array or Series (``low``/``high`` may be arrays
    of the same shape, ``reverse`` a plain bool).
    """
    distance = high - value if reverse else value - low
    return distance * TOP / (high - low)


def rescale_sql(value: str, low: str, high: str, reverse: str) -> str:
    """:func:`rescale` as a SQL expression over columns (SQLite and PostgreSQL alike).

    ``value``, ``low``, ``high`` and ``reverse`` are SQL expressions (e.g. ``a.value``); the
    result is a float expression evaluated in the same order as :func:`rescale`.
    """
    return (
        f"(CASE WHEN {reverse} THEN {high} - {value} ELSE {value} - {low} END"
        f" * {TOP!r} / ({high} - {low}))"
    )
