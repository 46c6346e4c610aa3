"""Numbers as the pages and the report write them, in the locale being rendered.

One formatter for every surface, so a figure reads the same on a dashboard, in the report and
in its PDF.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from typing import Any

from babel.numbers import get_decimal_symbol, get_group_symbol
from flask_babel import get_locale

DASH = "–"  # what a suppressed or missing figure shows


@lru_cache(maxsize=16)
def _marks(locale: str) -> dict[int, str]:
    return {ord(","): get_group_symbol(locale), ord("."): get_decimal_symbol(locale)}


def number(value: Any, digits: int = 1) -> str:
    """A figure as the page writes it (the page's decimal mark); "–" for a missing one.

    The same text as Babel's ``format_decimal(value, format="#,##0.0")`` (the float's shortest
    decimal, rounded half to even), made without Babel's pattern machinery: a heatmap prints
    thousands of figures and Babel took a third of the page's time.
    """
    if value is None or value != value:
        return DASH
    exact = Decimal(str(float(value))).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_EVEN)
    if exact.is_zero():
        exact = exact.copy_abs()  # -0.04 is "0,0", never "-0,0"
    return f"{exact:,.{digits}f}".translate(_marks(str(get_locale())))
