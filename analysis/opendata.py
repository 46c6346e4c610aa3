"""Open data: the edge where the published tables become files.

Their columns, their order and their number formats are the public open-data contract: files
already published are read by others, so a change here is a breaking change for them. The rows
come from :mod:`analysis.comparison` (aggregates, comparisons) and :mod:`analysis.tables` (the
other tables); here numbers are formatted once for every file: scores with 6 decimals, p-values
in full, text neutralised against spreadsheet formulas.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.comparison import AGGREGATE_COLUMNS as CELL_COLUMNS
from analysis.comparison import CHANGES, build_aggregates
from analysis.datapackage import DEFAULT_LICENSE, RESOURCES, descriptor, descriptor_json
from analysis.dcat import Catalogue, dcat_document, dcat_json
from analysis.errors import Problem, ValidationError
from analysis.package_fields import RESPONSE_COLUMNS
from analysis.safecell import csv_text
from analysis.workbook import write_workbook

__all__ = [
    "AGGREGATE_COLUMNS",
    "CHANGES",
    "CSV_TABLES",
    "FORMATS",
    "PackageMeta",
    "build_aggregates",
    "check_formats",
    "to_records",
    "write_aggregates",
    "write_csv",
    "write_package",
    "write_reliability",
]

SCORE_COLUMNS = {
    "score", "sd", "ci_low", "ci_high", "compare_score", "delta", "delta_ci_low",
    "delta_ci_high", "effect_size", "alpha", "mean_level", "gap", "share_below", "response_rate",
    "respondent_mean", "estimate", "se", "coverage",
    "dont_know_share",
}  # fmt: skip
#: The published columns of aggregates.csv: the cell and its comparison
#: (:mod:`analysis.comparison`), then who it speaks for (:mod:`analysis.nonresponse`).
AGGREGATE_COLUMNS: tuple[str, ...] = (*CELL_COLUMNS, *RESPONSE_COLUMNS)
FULL_COLUMNS = {"p_value", "p_adjusted"}


def _column(series: pd.Series, column: str, as_json: bool) -> list[Any]:
    """Format one column at once (the files have tens of thousands of rows).

    CSV: empty for missing, ``true``/``false``, 6 decimals for scores, full ``repr`` for
    p-values, text neutralised against spreadsheet formulas (:mod:`analysis.safecell`; numeric
    columns are never touched, so ``-0.5`` stays a number). JSON: ``None`` for missing, scores
    rounded to 6 decimals, p-values in full, text exact.
    """
    missing = series.isna().to_numpy()
    values: list[Any]
    if pd.api.types.is_bool_dtype(series.dtype):
        flags = [None if m else bool(v) for v, m in zip(series.tolist(), missing, strict=True)]
        values = flags if as_json else ["true" if v else "false" for v in flags]
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


def write_csv(df: pd.DataFrame, path: Path) -> Path:
    """Write ``df`` as UTF-8 CSV with ``\\n`` line ends in the formats of :func:`_column`."""
    columns = [_column(df[c], c, as_json=False) for c in df.columns]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(df.columns)
        writer.writerows(zip(*columns, strict=True))
    return path


#: ``csv``: every table as CSV and ``datapackage.json``; ``json``: ``aggregates.json``;
#: ``xlsx``: ``aggregates.xlsx`` (see :func:`write_package`);
#: ``html`` and ``pdf``: the report document (``survey.results.report``, not written here).
FORMATS: tuple[str, ...] = ("csv", "json", "xlsx", "html", "pdf")


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
        written.append(write_csv(df, out / "aggregates.csv"))
    if "json" in formats:
        path = out / "aggregates.json"
        path.write_text(json.dumps(to_records(df), ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


def write_reliability(df: pd.DataFrame, out_dir: str | Path) -> Path:
    """Write ``reliability.csv`` (``round, category, role, n, items, alpha, ci_low, ci_high,
    imprecise`` and, from the figures, ``alpha_below_070``).

    α and its CI carry 6 decimals; missing values are empty.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return write_csv(df, out / "reliability.csv")


@dataclass(frozen=True)
class PackageMeta:
    """What the descriptor says about the package besides its files (see analysis.datapackage)."""

    round_name: str
    year: int
    created: datetime  # the round's closing time: never "now", so reruns give the same bytes
    k: int
    questionnaire_id: str
    questionnaire_version: str
    compare_round: str | None
    title: dict[str, str]
    license: str = DEFAULT_LICENSE
    #: Publisher and contact of ``dcat.jsonld``; None: no DCAT file.
    catalogue: Catalogue | None = None


#: CSV tables of the package, in writing order, by file name.
CSV_TABLES: tuple[str, ...] = (
    "aggregates", "comparisons", "units", "indices", "reliability", "gaps", "fieldwork",
    "estimates", "plan_areas",
)  # fmt: skip


def write_package(
    tables: Mapping[str, pd.DataFrame],
    out_dir: str | Path,
    formats: Iterable[str],
    meta: PackageMeta,
) -> list[Path]:
    """Write the open-data package: which files depends on ``formats``.

    ``csv`` writes every table of :data:`CSV_TABLES` as ``<name>.csv`` and, last,
    ``datapackage.json`` describing every file written by this call; ``json`` writes
    ``aggregates.json``; ``xlsx`` writes ``aggregates.xlsx`` (with its data-dictionary sheet).
    Formats this module does not write (a report's ``html``/``pdf``) are left to their writers.
    ``tables`` maps each name of :data:`CSV_TABLES` to its frame; ``plan_areas`` may be left
    out (an instrument without plan areas has no such file).
    """
    wanted = check_formats(formats)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = write_aggregates(tables["aggregates"], out, [f for f in wanted if f == "json"])
    if "xlsx" in wanted:
        # The workbook keeps the cell's columns: spreadsheet readers (and frictionless' xlsx
        # reader) stumble on trailing columns that are empty in a round without invitations.
        fields = next(r.fields for r in RESOURCES if r.name == "aggregates-xlsx")
        cells = tables["aggregates"][[f.name for f in fields]]
        path = out / "aggregates.xlsx"
        written.append(write_workbook(cells, path, "aggregates", fields, meta.created))
    if "csv" in wanted:
        written[:0] = [
            write_csv(tables[name], out / f"{name}.csv") for name in CSV_TABLES if name in tables
        ]
        desc = descriptor(
            [p.name for p in written],
            round_name=meta.round_name,
            year=meta.year,
            created=meta.created,
            k=meta.k,
            questionnaire_id=meta.questionnaire_id,
            questionnaire_version=meta.questionnaire_version,
            compare_round=meta.compare_round,
            title=meta.title,
            license=meta.license,
        )
        path = out / "datapackage.json"
        path.write_text(descriptor_json(desc), encoding="utf-8")
        written.append(path)
        if meta.catalogue is not None:
            doc = dcat_document(
                [p.name for p in written],
                dataset_id=desc["name"],
                round_name=meta.round_name,
                year=meta.year,
                issued=meta.created,
                title=meta.title,
                license=meta.license,
                questionnaire=f"{meta.questionnaire_id} {meta.questionnaire_version}",
                catalogue=meta.catalogue,
            )
            path = out / "dcat.jsonld"
            path.write_text(dcat_json(doc), encoding="utf-8")
            written.append(path)
    return written
