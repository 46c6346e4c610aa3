"""Read CSV or XLSX files into header + rows, with errors that name the file and place.

A workbook is a zip of XML written by whoever made the file, so it is read defensively:
openpyxl parses through defusedxml (a dependency; entity expansion and external entities are
refused), the zip's unpacked size is bounded, and any failure of the reader becomes one line
naming the file, before anything is written.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from survey.services.errors import InputError

MAX_UNPACKED = 256 * 1024 * 1024  # bytes a workbook may unpack to (a zip bomb stops here)


@dataclass(frozen=True)
class Table:
    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, str]], ...]  # (row number in the file, values by column)


def read_table(
    path: str | Path,
    required: tuple[str, ...],
    *,
    extra: bool = False,
    optional: tuple[str, ...] = (),
) -> Table:
    """Read a table; every ``required`` column must be there, ``optional`` ones may be;
    unknown ones only if ``extra``. A missing optional column reads as empty on every row."""
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise InputError("file not found", file=str(path))
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        header, raw = _read_xlsx(path)
    else:
        header, raw = _read_csv(path)
    header = tuple(h.strip() for h in header)
    if not any(header):
        raise InputError("the file is empty; the first row must name the columns", file=name)
    for i, col in enumerate(header):
        if col and col in header[:i]:
            raise InputError(f"column '{col}' appears twice", file=name, row=1, column=col)
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(
            f"missing column {', '.join(repr(c) for c in missing)} "
            f"(the first row must be: {','.join(required)}"
            f"{''.join(f'[,{c}]' for c in optional)}{',…' if extra else ''})",
            file=name,
            row=1,
        )
    if not extra:
        unknown = [c for c in header if c and c not in required and c not in optional]
        if unknown:
            raise InputError(f"unknown column '{unknown[0]}'", file=name, row=1, column=unknown[0])
    rows = []
    for number, values in raw:
        cells = [("" if v is None else str(v)).strip() for v in values]
        if not any(cells):
            continue
        if len(cells) > len(header) and any(cells[len(header) :]):
            raise InputError(
                f"{len(cells)} values but the header has {len(header)} columns",
                file=name,
                row=number,
            )
        cells += [""] * (len(header) - len(cells))
        values = dict.fromkeys(optional, "") | dict(zip(header, cells, strict=False))
        rows.append((number, values))
    return Table(name, header, tuple(rows))


def _read_csv(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputError(
            f"the file is not UTF-8 text (byte {e.start} on line {line}); "
            "save it as 'CSV UTF-8' and try again",
            file=path.name,
            row=line,
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error as e:
        raise InputError(f"not valid CSV ({e})", file=path.name, row=reader.line_num) from None
    if not rows:
        return [], []
    return rows[0], [(n, r) for n, r in enumerate(rows[1:], start=2)]


def _read_xlsx(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    try:
        return _workbook_rows(path)
    except InputError:
        raise
    except Exception as e:  # the reader fails in many ways on hostile files; none may leak
        raise InputError(f"not a readable XLSX workbook ({_reason(e)})", file=path.name) from None


def _reason(error: BaseException) -> str:
    from defusedxml import DefusedXmlException

    cause = error.__cause__ or error.__context__
    if isinstance(error, DefusedXmlException) or isinstance(cause, DefusedXmlException):
        return "its XML declares entities, which are refused (a possible XML bomb)"
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:200]


def _workbook_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    import zipfile

    from openpyxl import load_workbook

    if not zipfile.is_zipfile(path):
        raise InputError(
            "not a readable XLSX workbook (the file is not a zip archive); "
            "save it from the spreadsheet program as .xlsx, or as CSV UTF-8",
            file=path.name,
        )
    with zipfile.ZipFile(path) as archive:
        if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
            raise InputError(
                f"not a readable XLSX workbook (it unpacks to more than "
                f"{MAX_UNPACKED // 2**20} MB)",
                file=path.name,
            )
    # Our own file handle, closed however the reader fails (openpyxl leaves its own open).
    with path.open("rb") as fh:
        wb = load_workbook(fh, read_only=True, data_only=True)
        try:
            if len(wb.sheetnames) != 1:
                raise InputError(
                    f"the workbook has {len(wb.sheetnames)} sheets "
                    f"({', '.join(wb.sheetnames)}); keep exactly one sheet with the data",
                    file=path.name,
                )
            sheet = wb.worksheets[0]
            rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            wb.close()
    if not rows:
        return [], []
    return rows[0], [(n, r) for n, r in enumerate(rows[1:], start=2)]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
