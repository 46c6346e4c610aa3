"""A frame's rows by key, each key's made on first use: the pages' cell look-ups
(``RoundFigures.cell_rows``, :class:`RowLookup`) and item counts (``items.Slices``).

A page reads a few keys (units and roles) of frames of up to hundreds of thousands of rows, and
a newly started worker would otherwise build every key's mapping (seconds at city size) before
its first page; so the rows' positions are grouped once and a key's value is made when it is
first asked for (:class:`ByKey`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import numpy as np
import pandas as pd

Made = TypeVar("Made")


def key_positions(frame: pd.DataFrame, by: Sequence[str]) -> dict[tuple[str, ...], Any]:
    """The positions of each key's rows (the ``by`` columns as text), in the frame's order."""
    if frame.empty:
        return {}
    groups = frame[list(by)].astype(str).groupby(list(by), sort=False, dropna=False).indices
    return {
        (key if isinstance(key, tuple) else (key,)): positions for key, positions in groups.items()
    }


class ByKey(Generic[Made]):
    """Each key's value made from its rows' positions (``make``) on first use, then kept."""

    def __init__(self, positions: dict[tuple[str, ...], Any], make: Callable[[Any], Made]) -> None:
        self._positions = positions
        self._make = make
        self._made: dict[tuple[str, ...], Made] = {}

    def get(self, key: tuple[str, ...], default: Made) -> Made:
        made = self._made.get(key)
        if made is None:
            positions = self._positions.get(key)
            if positions is None:
                return default
            made = self._make(positions)
            self._made[key] = made  # the same value if two threads make it at once
        return made


class RowLookup:
    """A frame's rows as ``key → then → row`` (``row``: column → value, None for missing),
    each key's rows made on first use; the columns are taken out once."""

    def __init__(self, frame: pd.DataFrame, by: tuple[str, ...], then: str) -> None:
        self._names = [str(c) for c in frame.columns]
        # numpy converts whole columns to Python objects (missing as None) in C; the rows of
        # each key are then made only when a page asks for them
        self._columns = [_objects(frame[c]) for c in frame.columns]
        self._then = self._names.index(then) if not frame.empty else 0
        self._rows = ByKey(key_positions(frame, by), self._make)

    def get(
        self, key: tuple[str, ...], default: dict[str, dict[str, Any]]
    ) -> dict[str, dict[str, Any]]:
        return self._rows.get(key, default)

    def _make(self, positions: Any) -> dict[str, dict[str, Any]]:
        return {
            str(self._columns[self._then][i]): {
                name: _native(column[i])
                for name, column in zip(self._names, self._columns, strict=True)
            }
            for i in positions
        }


def _objects(column: pd.Series) -> Any:
    """The column as Python objects, every missing value (NaN, NA, None) as None."""
    values = column.to_numpy(dtype=object, copy=True)
    values[column.isna().to_numpy()] = None
    return values


def _native(value: Any) -> Any:
    """A numpy scalar as Python's own (as ``DataFrame.to_dict`` gives it)."""
    return value.item() if isinstance(value, np.generic) else value
