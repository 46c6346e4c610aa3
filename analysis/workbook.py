"""XLSX files with typed cells, a data-dictionary sheet and the same bytes on every run.

Swedish Excel opens a UTF-8 CSV as "FÃ¶rskoleomrÃ¥de"; a workbook has no such problem, so the
aggregates also come as XLSX. Numbers are written as numbers (a reader can sort and sum them),
text through :mod:`analysis.safecell`, and the column meanings come from the one dictionary in
:mod:`analysis.datapackage`. A zip archive stamps every member with the time of writing and the
workbook records when it was made, so both are fixed to a given time (the round's closing
time): the published download and a later ``mognad report`` must be byte for byte the same.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook

from analysis.datapackage import Field
from analysis.safecell import neutralise

__all__ = ["DICTIONARY_SHEET", "DICTIONARY_HEADER", "workbook_bytes", "write_workbook"]

DICTIONARY_SHEET = "Beskrivning - Data dictionary"
DICTIONARY_HEADER = ("kolumn / column", "typ / type", "beskrivning", "description", "enhet / unit")


def _cells(series: pd.Series) -> list[Any]:
    """Plain Python values for one column: None for missing, numbers as int/float, bool, text."""
    missing = series.isna().to_numpy()
    if pd.api.types.is_bool_dtype(series.dtype):
        values: list[Any] = [
            bool(v) if not m else None for v, m in zip(series, missing, strict=True)
        ]
    elif pd.api.types.is_integer_dtype(series.dtype):
        values = series.to_numpy(dtype=object, na_value=None).tolist()  # type: ignore[call-overload]
        values = [None if v is None else int(v) for v in values]
    elif pd.api.types.is_float_dtype(series.dtype):
        values = series.to_numpy(dtype=float, na_value=np.nan).tolist()
    else:
        values = [None if v is None else neutralise(str(v)) for v in series.tolist()]
    return [None if m else v for v, m in zip(values, missing.tolist(), strict=True)]


def _fixed_zip(data: bytes, when: datetime) -> bytes:
    """Re-pack a zip archive with every member dated ``when`` (zip has no time zone: UTC)."""
    stamp = when.astimezone(UTC).timetuple()[:6] if when.tzinfo else when.timetuple()[:6]
    stamp = max(stamp, (1980, 1, 1, 0, 0, 0))  # the earliest date zip can hold
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=stamp)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o600 << 16
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps "modified" with the clock when it saves, whatever was set.
                when_text = "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z".format(*stamp)
                body = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + when_text.encode() + rb"\g<2>",
                    body,
                )
            dst.writestr(member, body)
    return out.getvalue()


def workbook_bytes(
    df: pd.DataFrame, sheet: str, fields: Sequence[Field], created: datetime
) -> bytes:
    """A workbook with ``df`` on ``sheet`` and a dictionary sheet describing ``fields``."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None  # a new workbook always has its first sheet
    ws.title = sheet
    ws.append([str(neutralise(str(c))) for c in df.columns])
    columns = [_cells(df[c]) for c in df.columns]
    for row in zip(*columns, strict=True):
        ws.append(list(row))
    ws.freeze_panes = "A2"
    info = wb.create_sheet(DICTIONARY_SHEET)
    info.append(list(DICTIONARY_HEADER))
    for f in fields:
        info.append([neutralise(v) for v in (f.name, f.type, f.sv, f.en, f.unit or None)])
    naive = created.astimezone(UTC).replace(tzinfo=None) if created.tzinfo else created
    wb.properties.created = wb.properties.modified = naive  # modified: see _fixed_zip
    wb.properties.creator = "Mognad"
    buffer = io.BytesIO()
    wb.save(buffer)
    return _fixed_zip(buffer.getvalue(), created)


def write_workbook(
    df: pd.DataFrame, path: Path, sheet: str, fields: Sequence[Field], created: datetime
) -> Path:
    """Write :func:`workbook_bytes` to ``path``."""
    path.write_bytes(workbook_bytes(df, sheet, fields, created))
    return path
