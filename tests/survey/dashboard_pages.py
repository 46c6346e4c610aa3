"""Reading the results pages as a reader would: tables by caption id, numbers as written."""

from __future__ import annotations

import math
import re

from analysis.instruments import load_questionnaire
from tests.support.factory import QUESTIONNAIRE

DASH = "–"


def num(text: str) -> float:
    """A number as the Swedish pages write it: decimal comma, spaces in thousands, − sign."""
    clean = text.replace("\u2212", "-").replace(",", ".").replace("%", "")
    return float(re.sub(r"\s", "", clean))


def close(text: str, value: float, digits: int = 1) -> bool:
    """Whether ``text`` is ``value`` rounded to ``digits`` decimals (as the page rounds it)."""
    return not math.isnan(value) and abs(num(text) - value) <= 0.5 * 10**-digits + 1e-9


def labels() -> dict[str, str]:
    """Index id → the Swedish label a page gives it."""
    q = load_questionnaire(QUESTIONNAIRE)
    out = {"maturity": "Digital mognad"}
    out.update({d.id: d.title["sv"] for d in q.dimensions})
    out.update({c.id: c.title["sv"] for c in q.categories})
    return out


#: What a page says about a hidden cell, by its ``hidden_reason``.
HIDDEN_TEXT = {
    "too_few": "färre än k svar",
    "homogeneous": "alla svarade lika",
    "complementary": "dold för att skydda en annan grupp",
}


def assert_row_matches(cells: list[str], fig: dict) -> None:
    """One figure row (n, response rate, mean, CI, change, Δ, Δ CI, p, g) against the
    figures' row."""
    if fig["suppressed"]:
        why = HIDDEN_TEXT[fig["hidden_reason"]]
        assert all(c == DASH or why in c for c in cells), cells
        assert any(why in c for c in cells), (cells, why)
        return
    n, rate, score, low, high, _change, delta, _dci, _p, g = cells
    assert int(num(n)) == fig["n"]
    if fig.get("response_rate") is None or fig["response_rate"] != fig["response_rate"]:
        assert rate == DASH, rate
    else:
        assert close(rate.split("%")[0], 100 * fig["response_rate"], 0), rate
    assert close(score, fig["score"]) and close(low, fig["ci_low"]) and close(high, fig["ci_high"])
    if fig["delta"] is None or fig["delta"] != fig["delta"]:
        assert delta == DASH
    else:
        assert close(delta, fig["delta"])
        g_value = fig["effect_size"]
        assert g == DASH if g_value is None or g_value != g_value else close(g, g_value, 2)
