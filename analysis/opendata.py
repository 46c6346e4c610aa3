"""Open data: one row per published cell, with the year-on-year comparison.

Its columns, their order and their number formats are the public open-data contract: files
already published are read by others, so a change here is a breaking change for them.

``build_aggregates`` joins this round's cells with the comparison round's (already mapped onto
this year's units), applies the suppression decided by ``analysis.suppression``, and adds the
Welch difference, Hedges' g and Benjamini–Hochberg adjusted p-values. ``write_aggregates`` is
the edge where numbers are formatted: scores with 6 decimals, p-values in full.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.aggregate import ALL_ROLES
from analysis.errors import Problem, ValidationError
from analysis.safecell import csv_text
from analysis.stats import bh_adjust, hedges_g, welch

__all__ = [
    "AGGREGATE_COLUMNS",
    "CHANGES",
    "FORMATS",
    "build_aggregates",
    "check_formats",
    "to_records",
    "write_aggregates",
    "write_reliability",
]

AGGREGATE_COLUMNS: tuple[str, ...] = (
    "round", "year", "unit_code", "unit_name", "unit_level", "role", "index", "n", "score", "sd",
    "ci_low", "ci_high", "compare_round", "compare_n", "compare_score", "delta", "delta_ci_low",
    "delta_ci_high", "p_value", "p_adjusted", "effect_size", "change", "suppressed",
)  # fmt: skip
CHANGES: tuple[str, ...] = ("improved", "declined", "no_change", "not_comparable")
ALPHA = 0.05
KEY = ["unit", "role", "index"]
CURRENT_FIGURES = ["n", "score", "sd", "ci_low", "ci_high"]
COMPARE_FIGURES = [
    "compare_n", "compare_score", "delta", "delta_ci_low", "delta_ci_high", "p_value",
    "p_adjusted", "effect_size",
]  # fmt: skip
SCORE_COLUMNS = {
    "score", "sd", "ci_low", "ci_high", "compare_score", "delta", "delta_ci_low",
    "delta_ci_high", "effect_size", "alpha",
}  # fmt: skip
FULL_COLUMNS = {"p_value", "p_adjusted"}


def _flags(flags: pd.Series, keys: pd.MultiIndex, name: str) -> np.ndarray:
    if not isinstance(flags, pd.Series) or flags.index.nlevels != 3:
        raise ValueError(f"{name}: a boolean Series indexed by (unit, role, index) is required")
    # A cell without a decision is treated as suppressed (fail closed).
    return flags.astype(bool).reindex(keys, fill_value=True).to_numpy()


def build_aggregates(
    current: pd.DataFrame,
    compare: pd.DataFrame | None,
    units: pd.DataFrame,
    *,
    round_name: str,
    year: int,
    compare_round: str | None,
    suppressed: pd.Series,
    compare_suppressed: pd.Series | None,
    indices: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One open-data row per (unit, role, index) cell with the comparison to an earlier round.

    For a comparable row (both sides shown, ``n ≥ 2`` on both):
    :math:`\\Delta = \\bar x_{cur} - \\bar x_{cmp}` with the Welch 95% CI and two-sided p
    (:func:`analysis.stats.welch`), ``effect_size`` = Hedges' g (:func:`analysis.stats.hedges_g`),
    ``p_adjusted`` = Benjamini–Hochberg over all comparable rows of the report
    (:func:`analysis.stats.bh_adjust`); ``change`` is ``improved`` / ``declined`` when
    ``p_adjusted < 0.05`` and Δ > 0 / Δ < 0, else ``no_change``. A row is ``not_comparable``
    (comparison figures empty) when there is no comparison round, or the comparison cell is
    missing, suppressed or has ``n < 2``, or the current cell is suppressed or has ``n < 2``.

    A suppressed row has ``suppressed=True`` and every figure empty, ``n`` included: next to the
    shown figures of its parent or siblings, its ``n`` would narrow down who is in it.

    Parameters
    ----------
    current, compare : DataFrame
        :func:`analysis.aggregate.cells` outputs (``unit, role, index, n, mean, sd, ci_low,
        ci_high``) over this year's unit codes; ``compare`` may be None (no comparison round).
    units : DataFrame
        Columns ``unit, name, level`` in tree order (the output order).
    round_name, year, compare_round
        Written to ``round``, ``year`` and ``compare_round`` (the latter only with ``compare``).
    suppressed, compare_suppressed : Series of bool
        Indexed by (unit, role, index), from ``analysis.suppression``. A cell missing from them
        counts as suppressed. ``compare_suppressed`` is required when ``compare`` is given.
    indices : sequence of str, optional
        Index order; default: order of first appearance in ``current``.

    Returns
    -------
    DataFrame
        Exactly :data:`AGGREGATE_COLUMNS`, ordered by unit, role (all, employee, manager,
        specialist), index. ``n``/``compare_n`` are nullable integers, missing figures NaN/NA.
    """
    if compare is not None and compare_suppressed is None:
        raise ValueError("compare_suppressed is required when a comparison round is given")
    unit_pos = {u: i for i, u in enumerate(units["unit"])}
    unknown = set(current["unit"]) - set(unit_pos)
    if unknown:
        raise ValueError(f"unit code(s) missing from units: {sorted(map(str, unknown))}")
    order = list(indices) if indices is not None else list(pd.unique(current["index"]))
    index_pos = {ix: i for i, ix in enumerate(order)}
    if set(current["index"]) - set(index_pos):
        raise ValueError("current holds index ids that are not in indices")
    role_pos = {r: i for i, r in enumerate(ALL_ROLES)}

    cur = current[[*KEY, "n", "mean", "sd", "ci_low", "ci_high"]].rename(columns={"mean": "score"})
    cur = cur.assign(
        _u=cur["unit"].map(unit_pos), _r=cur["role"].map(role_pos), _i=cur["index"].map(index_pos)
    )
    cur = cur.sort_values(["_u", "_r", "_i"], kind="stable").drop(columns=["_u", "_r", "_i"])
    cur = cur.reset_index(drop=True)
    keys = pd.MultiIndex.from_frame(cur[KEY])
    hidden = _flags(suppressed, keys, "suppressed")

    shown = ~hidden & (cur["n"].to_numpy() >= 2)
    if compare is None:
        cmp = pd.DataFrame({"n": np.nan, "mean": np.nan, "sd": np.nan}, index=cur.index)
        shown &= False
    else:
        cmp = compare.set_index(KEY)[["n", "mean", "sd"]].reindex(keys).reset_index(drop=True)
        assert compare_suppressed is not None  # refused above when missing with a comparison
        shown &= ~_flags(compare_suppressed, keys, "compare_suppressed")
        shown &= cmp["n"].fillna(0).to_numpy() >= 2

    test = welch(cur["n"], cur["score"], cur["sd"], cmp["n"], cmp["mean"], cmp["sd"])
    g = hedges_g(cur["n"], cur["score"], cur["sd"], cmp["n"], cmp["mean"], cmp["sd"])
    p = test["p_value"].where(shown)
    p_adj = bh_adjust(p)
    change = np.select(
        [~shown, (p_adj < ALPHA) & (test["delta"] > 0), (p_adj < ALPHA) & (test["delta"] < 0)],
        ["not_comparable", "improved", "declined"],
        "no_change",
    )

    names = units.set_index("unit")
    out = pd.DataFrame(
        {
            "round": round_name,
            "year": int(year),
            "unit_code": cur["unit"],
            "unit_name": cur["unit"].map(names["name"]),
            "unit_level": cur["unit"].map(names["level"]).astype("Int64"),
            "role": cur["role"],
            "index": cur["index"],
            "n": cur["n"].astype("Int64"),
            "score": cur["score"].astype(float),
            "sd": cur["sd"].astype(float),
            "ci_low": cur["ci_low"].astype(float),
            "ci_high": cur["ci_high"].astype(float),
            "compare_round": compare_round if compare is not None else None,
            "compare_n": cmp["n"].astype("Int64"),
            "compare_score": cmp["mean"].astype(float),
            "delta": test["delta"],
            "delta_ci_low": test["ci_low"],
            "delta_ci_high": test["ci_high"],
            "p_value": p,
            "p_adjusted": p_adj,
            "effect_size": g,
            "change": change,
            "suppressed": hidden,
        }
    )
    out.loc[~shown, COMPARE_FIGURES] = np.nan
    out.loc[hidden, CURRENT_FIGURES] = np.nan
    out["compare_round"] = out["compare_round"].astype(object)
    return out[list(AGGREGATE_COLUMNS)]


def _column(series: pd.Series, column: str, as_json: bool) -> list[Any]:
    """Format one column at once (the files have tens of thousands of rows).

    CSV: empty for missing, ``true``/``false``, 6 decimals for scores, full ``repr`` for
    p-values, text neutralised against spreadsheet formulas (:mod:`analysis.safecell`; numeric
    columns are never touched, so ``-0.5`` stays a number). JSON: ``None`` for missing, scores
    rounded to 6 decimals, p-values in full, text exact.
    """
    missing = series.isna().to_numpy()
    if series.dtype == bool:
        values = series.tolist() if as_json else np.where(series, "true", "false").tolist()
    elif column in SCORE_COLUMNS or column in FULL_COLUMNS:
        floats = series.to_numpy(dtype=float, na_value=np.nan)
        if as_json:
            values = (np.round(floats, 6) if column in SCORE_COLUMNS else floats).tolist()
        elif column in SCORE_COLUMNS:
            values = [f"{x:.6f}" for x in floats.tolist()]
        else:
            values = [repr(x) for x in floats.tolist()]
    elif pd.api.types.is_integer_dtype(series.dtype):
        # pandas documents na_value=None for object output; pandas-stubs omit None from na_value.
        ints = series.to_numpy(dtype=object, na_value=None).tolist()  # type: ignore[call-overload]
        values = [None if v is None else (int(v) if as_json else str(int(v))) for v in ints]
    elif as_json:
        values = [str(v) if v is not None else None for v in series.tolist()]
    else:
        values = [csv_text(str(v)) if v is not None else None for v in series.tolist()]
    empty = None if as_json else ""
    return [empty if m else v for v, m in zip(values, missing.tolist(), strict=True)]


def to_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``df`` as JSON-ready dicts, keyed by column in column order.

    The one formatter behind ``aggregates.json`` and anything else that serves the same
    figures as JSON: scores rounded to 6 decimals, p-values in full, booleans as ``True`` /
    ``False``, integers as ``int``, missing figures as ``None``.
    """
    names = list(df.columns)
    columns = [_column(df[c], c, as_json=True) for c in names]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def _write_csv(df: pd.DataFrame, path: Path) -> Path:
    columns = [_column(df[c], c, as_json=False) for c in df.columns]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(df.columns)
        writer.writerows(zip(*columns, strict=True))
    return path


# html and pdf are the report documents (written by survey.results.report, not here).
FORMATS: tuple[str, ...] = ("csv", "json", "html", "pdf")


def check_formats(formats: Iterable[str]) -> tuple[str, ...]:
    """The requested formats, or a ValidationError naming each unknown one.

    The one check of report formats: the CLI calls it before computing anything, and
    :func:`write_aggregates` before writing anything.
    """
    wanted = tuple(formats)
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown:
        raise ValidationError(
            Problem(f"unknown or unavailable format '{f}' (available: {', '.join(FORMATS)})")
            for f in unknown
        )
    return wanted


def write_aggregates(
    df: pd.DataFrame, out_dir: str | Path, formats: Iterable[str] = ("csv", "json")
) -> list[Path]:
    """Write ``aggregates.csv`` and/or ``aggregates.json`` (the same rows in both).

    Scores, SDs, CIs, deltas and effect sizes carry 6 decimals (CSV text; JSON numbers rounded
    to 6 decimals), p-values their full ``repr`` precision; booleans are ``true``/``false``;
    missing figures are empty in CSV and ``null`` in JSON. The JSON is a list of objects keyed by
    column name, in column order. Files are UTF-8 with ``\\n`` line ends.

    Returns
    -------
    list of Path
        The files written.
    """
    formats = check_formats(formats)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    if "csv" in formats:
        written.append(_write_csv(df, out / "aggregates.csv"))
    if "json" in formats:
        path = out / "aggregates.json"
        path.write_text(json.dumps(to_records(df), ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


def write_reliability(df: pd.DataFrame, out_dir: str | Path) -> Path:
    """Write ``reliability.csv`` (``round, category, n, items, alpha, ci_low, ci_high``).

    α and its CI carry 6 decimals; missing values are empty.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return _write_csv(df, out / "reliability.csv")
