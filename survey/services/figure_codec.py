"""Frames and series as compressed, columnar data that reads back equal, values and dtypes alike.

Stored figures are read by every worker of every release, so they are plain data, not pickles
(a pickle read from the database would run whatever code a writer of that row chose). A newly
started worker reads them on its first page, so reading must take milliseconds, not the second
that parsing tens of MB of JSON took at city size: numbers, flags and masks travel as raw
little-endian arrays (read back with ``numpy.frombuffer``, only of numeric and boolean dtypes),
text columns as their distinct values plus one integer code per row, and only what is neither
(timestamps, mixed objects) as JSON values. Floats are stored bit for bit, so nothing is
rounded. A non-default index (a series keyed by unit, role and item) is stored as columns and
set again on reading.

The payload is ``zlib(b"MGN2" + header length + JSON header + array bytes)``; the header
names each array by offset, length and dtype.
"""

from __future__ import annotations

import json
import math
import struct
import zlib
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

MAGIC = b"MGN2"
#: Extension dtypes kept as values plus a missing-value mask, and their numpy value dtype.
MASKED = {"Int64": "int64", "Int32": "int32", "boolean": "bool", "Float64": "float64"}
MASKED_ARRAYS: dict[str, Any] = {
    "Int64": pd.arrays.IntegerArray,
    "Int32": pd.arrays.IntegerArray,
    "boolean": pd.arrays.BooleanArray,
    "Float64": pd.arrays.FloatingArray,
}
TEXT = ("str", "string", "object")


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


def _column(series: pd.Series) -> dict[str, Any]:
    """One column's encoding (see the module's docstring)."""
    dtype = str(series.dtype)
    if dtype in MASKED:
        return {
            "enc": "masked",
            "data": series.to_numpy(dtype=MASKED[dtype], na_value=0),
            "mask": series.isna().to_numpy(),
        }
    if not isinstance(series.dtype, pd.api.extensions.ExtensionDtype) and (
        series.dtype.kind in "biuf"
    ):
        return {"enc": "array", "data": series.to_numpy()}
    text = dtype in TEXT and pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty")
    # an object column's missing values may be None or NaN: only whole ones are coded
    if text and (dtype != "object" or not series.isna().any()):
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        return {"enc": "codes", "codes": codes.astype(np.int32), "uniques": list(uniques)}
    values = [_plain(v) for v in series.tolist()]
    return {
        "enc": "json",
        "values": values,
        "marked": any(isinstance(v, (dict, list)) for v in values),
    }


def _series(part: dict[str, Any], dtype: str) -> pd.Series:
    enc = part["enc"]
    if enc == "masked":
        return pd.Series(MASKED_ARRAYS[dtype](part["data"], part["mask"]))
    if enc == "array":
        return pd.Series(part["data"], dtype=dtype)
    if enc == "codes":
        table = np.array([*part["uniques"], None], dtype=object)
        return pd.Series(table[part["codes"]], dtype=dtype)
    values = [_back(v) for v in part["values"]] if part["marked"] else part["values"]
    if dtype.startswith("datetime64"):
        return pd.to_datetime(pd.Series(values, dtype=object)).astype(
            pd.api.types.pandas_dtype(dtype)
        )
    if dtype == "object":
        return pd.Series(values, dtype=object)
    return pd.Series(values).astype(pd.api.types.pandas_dtype(dtype))


def frame_data(frame: pd.DataFrame) -> dict[str, Any]:
    """``frame`` as data :func:`pack` can write (see the module's docstring)."""
    index: list[str] = []
    if not (isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0):
        index = [str(n) for n in frame.index.names]
        frame = frame.reset_index()
    return {
        "columns": [str(c) for c in frame.columns],
        "dtypes": [str(t) for t in frame.dtypes],
        "parts": [_column(frame.iloc[:, i]) for i in range(frame.shape[1])],
        "index": index,
    }


def data_frame(data: dict[str, Any]) -> pd.DataFrame:
    """The frame :func:`frame_data` was given."""
    columns = {
        name: _series(part, dtype)
        for name, dtype, part in zip(data["columns"], data["dtypes"], data["parts"], strict=True)
    }
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
    """``data`` with its arrays moved out of the JSON header, compressed (a large city's
    figures are tens of MB uncompressed, a tenth compressed)."""
    buffers: list[bytes] = []
    offset = 0

    def out(value: Any) -> Any:
        nonlocal offset
        if isinstance(value, np.ndarray):
            raw = np.ascontiguousarray(value, dtype=value.dtype.newbyteorder("<")).tobytes()
            ref = {"$a": offset, "n": len(raw), "dtype": value.dtype.newbyteorder("<").str}
            buffers.append(raw)
            offset += len(raw)
            return ref
        if isinstance(value, dict):
            return {k: out(v) for k, v in value.items()}
        if isinstance(value, list):
            return [out(v) for v in value]
        return value

    header = json.dumps(out(data), ensure_ascii=False).encode()
    body = MAGIC + struct.pack("<I", len(header)) + header + b"".join(buffers)
    return zlib.compress(body, 6)


def unpack(payload: bytes) -> dict[str, Any]:
    """What :func:`pack` was given; arrays only of numeric and boolean dtypes."""
    body = zlib.decompress(payload)
    if not body.startswith(MAGIC):
        raise ValueError("not a stored-figures payload of this version")
    (size,) = struct.unpack_from("<I", body, len(MAGIC))
    start = len(MAGIC) + 4
    base = start + size

    def back(value: Any) -> Any:
        if isinstance(value, dict):
            if "$a" in value:
                dtype = np.dtype(value["dtype"])
                if dtype.kind not in "biuf":
                    raise ValueError(f"refused array dtype {dtype}")
                at = base + int(value["$a"])
                return np.frombuffer(body, dtype, int(value["n"]) // dtype.itemsize, at).copy()
            return {k: back(v) for k, v in value.items()}
        if isinstance(value, list):
            return [back(v) for v in value]
        return value

    return dict(back(json.loads(body[start:base])))
