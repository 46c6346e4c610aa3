"""A frame's rows by key, for the pages' cell look-ups (``RoundFigures.cell_rows``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


class RowLookup:
    """A frame's rows as ``key → then → row`` (``row``: column → value, None for missing),
    each key's rows built on first use.

    A page reads the cells of a few units of frames of tens of thousands of rows, and a newly
    started worker would otherwise build every row's mapping (seconds at city size) before its
    first page; the columns are taken out once, the rows of a key when it is first asked for.
    """

    def __init__(self, frame: pd.DataFrame, by: tuple[str, ...], then: str) -> None:
        self._names = [str(c) for c in frame.columns]
        # numpy converts whole columns to Python objects (missing as None) in C; the rows of
        # each key are then made only when a page asks for them
        self._columns = [_objects(frame[c]) for c in frame.columns]
        self._then = self._names.index(then) if not frame.empty else 0
        self._positions: dict[tuple[str, ...], Any] = {}
        if not frame.empty:
            keys = frame[list(by)].astype(str)
            groups = keys.groupby(list(by), sort=False, dropna=False).indices
            self._positions = {
                (key if isinstance(key, tuple) else (key,)): positions
                for key, positions in groups.items()
            }
        self._rows: dict[tuple[str, ...], dict[str, dict[str, Any]]] = {}

    def get(
        self, key: tuple[str, ...], default: dict[str, dict[str, Any]]
    ) -> dict[str, dict[str, Any]]:
        rows = self._rows.get(key)
        if rows is None:
            positions = self._positions.get(key)
            if positions is None:
                return default
            rows = {
                str(self._columns[self._then][i]): {
                    name: _native(column[i])
                    for name, column in zip(self._names, self._columns, strict=True)
                }
                for i in positions
            }
            self._rows[key] = rows  # the same rows if two threads build them at once
        return rows


def _objects(column: pd.Series) -> Any:
    """The column as Python objects, every missing value (NaN, NA, None) as None."""
    values = column.to_numpy(dtype=object, copy=True)
    values[column.isna().to_numpy()] = None
    return values


def _native(value: Any) -> Any:
    """A numpy scalar as Python's own (as ``DataFrame.to_dict`` gives it)."""
    return value.item() if isinstance(value, np.generic) else value
