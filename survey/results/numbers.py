"""Numbers as the pages and the report write them, in the locale being rendered.

One formatter for every surface, so a figure reads the same on a dashboard, in the report and
in its PDF. :data:`TEMPLATE_GLOBALS` registers them once for every template (``create_app``),
so ``number`` in a template is this function whichever view rendered the page.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from typing import Any, Literal

from babel.numbers import get_decimal_symbol, get_group_symbol
from flask_babel import get_locale

DASH = "–"  # what a suppressed or missing figure shows


@lru_cache(maxsize=16)
def _marks(locale: str) -> dict[int, str]:
    return {ord(","): get_group_symbol(locale), ord("."): get_decimal_symbol(locale)}


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def number(value: Any, digits: int = 1) -> str:
    """A figure as the page writes it (the page's decimal mark); "–" for a missing one.

    The same text as Babel's ``format_decimal(value, format="#,##0.0")`` (the float's shortest
    decimal, rounded half to even), made without Babel's pattern machinery: a heatmap prints
    thousands of figures and Babel took a third of the page's time. A count is
    ``number(n, 0)``.
    """
    if value is None or value != value:
        return DASH
    exact = Decimal(str(float(value))).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_EVEN)
    if exact.is_zero():
        exact = exact.copy_abs()  # -0.04 is "0,0", never "-0,0"
    return f"{exact:,.{digits}f}".translate(_marks(str(get_locale())))


def percent(value: Any, digits: int = 0, *, unit: Literal["share", "percent"] = "share") -> str:
    """A percentage ("42 %"); "–" for a missing one.

    ``unit`` says what ``value`` is: a ``"share"`` between 0 and 1 (a response rate, the
    share of a role with a gap), or already a ``"percent"`` between 0 and 100 (the segments
    of a stacked bar), which is written as it is rather than divided and multiplied again.
    """
    if _missing(value):
        return DASH
    return number(100 * value if unit == "share" else value, digits) + " %"


def signed(x: Any, digits: int = 1) -> str:
    """A change with its sign ("+1,2", "-0,4")."""
    if _missing(x):
        return DASH
    text = number(x, digits)
    return text if x < 0 else "+" + text


def interval(low: Any, high: Any, digits: int = 1) -> str:
    """A confidence interval ("41,2 – 47,9")."""
    if _missing(low) or _missing(high):
        return DASH
    return f"{number(low, digits)} {DASH} {number(high, digits)}"


def p_value(p: Any) -> str:
    """A p-value with three decimals, "< 0,001" below that."""
    if _missing(p):
        return DASH
    return "< " + number(0.001, 3) if p < 0.001 else number(p, 3)


#: What every template may call, whichever view renders it.
TEMPLATE_GLOBALS = {
    "number": number,
    "percent": percent,
    "signed": signed,
    "interval": interval,
    "p_value": p_value,
}
