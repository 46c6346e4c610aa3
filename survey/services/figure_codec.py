"""Frames and series as compressed JSON that reads back equal, values and dtypes alike.

Stored figures are read by every worker of every release, so they are plain data, not pickles
(a pickle read from the database would run whatever code a writer of that row chose). Each
column keeps its dtype's name and its values as JSON; Python writes a float with the fewest
digits that read back the same number, so nothing is rounded on the way. A non-default index
(a series keyed by unit, role and item) is stored as columns and set again on reading.
"""

from __future__ import annotations

import json
import math
import zlib
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd


def _plain(value: Any) -> Any:
    """A value JSON can hold: numpy scalars as Python's, timestamps as ISO text, NA as None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return value  # JSON's NaN (Python's json reads it back), distinct from None
    if isinstance(value, (pd.Timestamp, datetime, date)):
        return {"$t": value.isoformat()}
    if isinstance(value, tuple):
        return {"$tuple": [_plain(v) for v in value]}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _back(value: Any) -> Any:
    if isinstance(value, dict):
        if "$t" in value:
            return pd.Timestamp(value["$t"])
        if "$tuple" in value:
            return tuple(_back(v) for v in value["$tuple"])
        return {k: _back(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_back(v) for v in value]
    return value


def frame_data(frame: pd.DataFrame) -> dict[str, Any]:
    """``frame`` as JSON-ready data (see the module's docstring)."""
    index: list[str] = []
    if not (isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0):
        index = [str(n) for n in frame.index.names]
        frame = frame.reset_index()
    values = [[_plain(v) for v in frame[c].tolist()] for c in frame.columns]
    return {
        "columns": [str(c) for c in frame.columns],
        "dtypes": [str(t) for t in frame.dtypes],
        "values": values,
        "index": index,
        # columns holding a timestamp, tuple or mapping: only these are walked on reading
        "marked": [i for i, column in enumerate(values) if any(_marked(v) for v in column)],
    }


def _marked(value: Any) -> bool:
    return isinstance(value, (dict, list))


def data_frame(data: dict[str, Any]) -> pd.DataFrame:
    """The frame :func:`frame_data` was given."""
    columns: dict[str, pd.Series] = {}
    marked = set(data.get("marked", range(len(data["columns"]))))
    for i, (name, dtype, values) in enumerate(
        zip(data["columns"], data["dtypes"], data["values"], strict=True)
    ):
        if i in marked:
            values = [_back(v) for v in values]
        if dtype.startswith("datetime64"):
            columns[name] = pd.to_datetime(pd.Series(values, dtype=object)).astype(dtype)
        elif dtype == "object":
            columns[name] = pd.Series(values, dtype=object)
        else:
            columns[name] = pd.Series(values).astype(dtype)
    frame = pd.DataFrame(columns, columns=data["columns"])
    if data["index"]:
        frame = frame.set_index(data["index"])
    return frame


def series_data(series: pd.Series) -> dict[str, Any]:
    return {"name": series.name, "frame": frame_data(series.to_frame(name="value"))}


def data_series(data: dict[str, Any]) -> pd.Series:
    series = data_frame(data["frame"])["value"]
    return series.rename(data["name"])


def pack(data: dict[str, Any]) -> bytes:
    """JSON, compressed (a large city's figures are tens of MB as text, a tenth compressed)."""
    return zlib.compress(json.dumps(data, ensure_ascii=False).encode(), 6)


def unpack(payload: bytes) -> dict[str, Any]:
    return dict(json.loads(zlib.decompress(payload)))
