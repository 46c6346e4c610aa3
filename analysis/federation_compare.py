"""Side by side: our organisation's indices beside those other organisations published.

Plain rows for the pages and the report, built from figures already suppressed by whoever
published them (ours by :mod:`analysis.comparison`, theirs by their own installation). Nothing
is tested across organisations: two organisations are two populations with their own response
rates and role mixes, so the table sets the intervals beside each other and says no more
(docs/method.md, "Comparison with other organisations").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = ["CELL_FIELDS", "Column", "over_years", "side_by_side"]

#: The figures of one cell as the tables show them (its change as its publisher computed it).
CELL_FIELDS: tuple[str, ...] = (
    "n", "score", "ci_low", "ci_high", "suppressed", "compare_round", "delta", "delta_ci_low",
    "delta_ci_high", "change",
)  # fmt: skip


@dataclass(frozen=True)
class Column:
    """One organisation's round: who, which round, and its whole-organisation rows."""

    organisation: str
    round_name: str
    year: int
    rows: pd.DataFrame  # role, index and CELL_FIELDS
    own: bool = False


def _cells(rows: pd.DataFrame) -> dict[tuple[str, str], dict[str, Any]]:
    """``(role, index) → cell``, with missing figures as None (never NaN) for the templates."""
    out = {}
    for record in rows.to_dict("records"):
        cell = {f: (None if pd.isna(record.get(f)) else record.get(f)) for f in CELL_FIELDS}
        cell["suppressed"] = bool(cell["suppressed"])
        out[str(record["role"]), str(record["index"])] = cell
    return out


def side_by_side(
    columns: Sequence[Column], roles: Sequence[str], indices: Sequence[str]
) -> list[dict[str, Any]]:
    """One row per (role, index) that some column has, in the order given.

    Each row holds ``role``, ``index`` and ``cells``: per column, its cell or None when that
    organisation published no such row (the index does not apply to the role there, or the
    row is missing).
    """
    found = [_cells(c.rows) for c in columns]
    return [
        {"role": role, "index": index, "cells": [f.get((role, index)) for f in found]}
        for role in roles
        for index in indices
        if any((role, index) in f for f in found)
    ]


def over_years(columns: Sequence[Column], role: str, index: str) -> list[dict[str, Any]]:
    """Each organisation's cell per year for one (role, index), oldest year first.

    The change shown beside a year is the one its publisher published (against its own
    comparison round); it is never computed here across two packages.
    """
    rows = []
    for column in sorted(columns, key=lambda c: (not c.own, c.organisation, c.year)):
        cell = _cells(column.rows).get((role, index))
        if cell is not None:
            rows.append(
                {
                    "organisation": column.organisation,
                    "own": column.own,
                    "round": column.round_name,
                    "year": column.year,
                    "cell": cell,
                }
            )
    return rows
