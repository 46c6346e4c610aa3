"""Tables for the import services, from a CSV/XLSX file, an uploaded stream or plain values.

This is the edge: the CLI (and later an upload form) turns bytes into a :class:`Table`, and the
services only ever see tables, so the demo and the tests call them with plain rows and no files.
Each service then states its columns with :meth:`Table.conform`.

A workbook is a zip of XML written by whoever made the file, so it is read defensively:
openpyxl parses through defusedxml (a dependency; entity expansion and external entities are
refused), the zip's unpacked size is bounded, and any failure of the reader becomes one line
naming the file, before anything is written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from survey.services.errors import InputError, Problems

MAX_UNPACKED = 256 * 1024 * 1024  # bytes a workbook may unpack to (a zip bomb stops here)

Row = tuple[int, dict[str, str]]  # (row number in the file, the header being row 1; values)


@dataclass(frozen=True)
class Table:
    """Named columns and their rows of stripped text; blank rows are already left out."""

    source: str  # the file's name, shown in every problem
    columns: tuple[str, ...]
    rows: tuple[Row, ...]

    @classmethod
    def of(cls, source: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> Table:
        """A table from plain values, numbered as a file would be (the first row is row 2)."""
        numbered = ((n, list(r)) for n, r in enumerate(rows, start=2))
        return _build(source, list(columns), numbered)

    def conform(
        self, required: tuple[str, ...], *, optional: tuple[str, ...] = (), extra: bool = False
    ) -> Table:
        """This table if every ``required`` column is there and, unless ``extra``, no column
        beyond ``optional``; a missing optional column reads as empty on every row. Raises a
        ValidationError naming every column problem."""
        problems = Problems(self.source)
        missing = [c for c in required if c not in self.columns]
        if missing:
            problems.add(
                f"missing column {', '.join(repr(c) for c in missing)} "
                f"(the first row must be: {','.join(required)}"
                f"{''.join(f'[,{c}]' for c in optional)}{',…' if extra else ''})",
                row=1,
            )
        if not extra:
            for col in self.columns:
                if col and col not in required and col not in optional:
                    problems.add(f"unknown column '{col}'", row=1, column=col)
        problems.raise_any()
        absent = [c for c in optional if c not in self.columns]
        if not absent:
            return self
        blank = dict.fromkeys(absent, "")
        return Table(self.source, self.columns, tuple((n, blank | v) for n, v in self.rows))


def read_table(source: str | Path | BinaryIO, name: str | None = None) -> Table:
    """Read a CSV (UTF-8, comma or semicolon) or XLSX file, or an uploaded stream of one.

    A stream's format comes from ``name`` (``.xlsx``/``.xlsm`` is a workbook, anything else CSV).
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise InputError("file not found", file=str(path))
        name = name or path.name
        data = path.read_bytes()
    else:
        name = name or Path(str(getattr(source, "name", "") or "upload.csv")).name
        data = source.read()
    if Path(name).suffix.lower() in (".xlsx", ".xlsm"):
        header, raw = _read_xlsx(data, name)
    else:
        header, raw = _read_csv(data, name)
    return _build(name, header, raw)


def _build(name: str, header: list[str], raw: Iterable[tuple[int, Sequence[object]]]) -> Table:
    columns = tuple(str(h).strip() for h in header)
    if not any(columns):
        raise InputError("the file is empty; the first row must name the columns", file=name)
    problems = Problems(name)
    reported: set[str] = set()
    for i, col in enumerate(columns):
        if col and col in columns[:i] and col not in reported:
            reported.add(col)
            problems.add(f"column '{col}' appears twice", row=1, column=col)
    rows = []
    for number, values in raw:
        cells = [("" if v is None else str(v)).strip() for v in values]
        if not any(cells):
            continue
        if len(cells) > len(columns) and any(cells[len(columns) :]):
            problems.add(f"{len(cells)} values but the header has {len(columns)} columns", number)
            continue
        cells += [""] * (len(columns) - len(cells))
        rows.append((number, dict(zip(columns, cells, strict=False))))
    problems.raise_any()
    return Table(name, columns, tuple(rows))


def _read_csv(data: bytes, name: str) -> tuple[list[str], list[tuple[int, Sequence[object]]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputError(
            f"the file is not UTF-8 text (byte {e.start} on line {line}); "
            "save it as 'CSV UTF-8' and try again",
            file=name,
            row=line,
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error as e:
        raise InputError(f"not valid CSV ({e})", file=name, row=reader.line_num) from None
    if not rows:
        return [], []
    return [str(h) for h in rows[0]], list(enumerate(rows[1:], start=2))


def _read_xlsx(data: bytes, name: str) -> tuple[list[str], list[tuple[int, Sequence[object]]]]:
    try:
        return _workbook_rows(data, name)
    except InputError:
        raise
    except Exception as e:  # the reader fails in many ways on hostile files; none may leak
        raise InputError(f"not a readable XLSX workbook ({_reason(e)})", file=name) from None


def _reason(error: BaseException) -> str:
    from defusedxml import DefusedXmlException

    cause = error.__cause__ or error.__context__
    if isinstance(error, DefusedXmlException) or isinstance(cause, DefusedXmlException):
        return "its XML declares entities, which are refused (a possible XML bomb)"
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:200]


def _workbook_rows(data: bytes, name: str) -> tuple[list[str], list[tuple[int, Sequence[object]]]]:
    import zipfile

    from openpyxl import load_workbook

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise InputError(
            "not a readable XLSX workbook (the file is not a zip archive); "
            "save it from the spreadsheet program as .xlsx, or as CSV UTF-8",
            file=name,
        )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
            raise InputError(
                f"not a readable XLSX workbook (it unpacks to more than "
                f"{MAX_UNPACKED // 2**20} MB)",
                file=name,
            )
    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        if len(wb.sheetnames) != 1:
            raise InputError(
                f"the workbook has {len(wb.sheetnames)} sheets "
                f"({', '.join(wb.sheetnames)}); keep exactly one sheet with the data",
                file=name,
            )
        sheet = wb.worksheets[0]
        rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        wb.close()
    if not rows:
        return [], []
    return [str(h) for h in rows[0]], list(enumerate(rows[1:], start=2))


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
