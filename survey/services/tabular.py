"""Tables for the import services, from a CSV/XLSX file, an uploaded stream or plain values.

This is the edge: the CLI and the upload forms turn bytes into a :class:`Table`, and the
services only ever see tables, so the demo and the tests call them with plain rows and no files.
Each service then states its columns with :meth:`Table.conform`.

A CSV file is read as Excel writes it, whatever the staff member chose under "Spara som": UTF-8
with or without a byte-order mark, Windows-1252 ("CSV (semikolonavgränsad)" on a Swedish
Windows) or UTF-16 ("Unicode-text", tab-separated). The encoding is found by charset-normalizer
among exactly those, and the separator by the csv sniffer among comma, semicolon and tab; the
table remembers both, so that the preview can say what was read and a wrong guess is seen.

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

from analysis.errors import Text, say
from survey.services.errors import InputError, Problems

MAX_UNPACKED = 256 * 1024 * 1024  # bytes a workbook may unpack to (a zip bomb stops here)

Row = tuple[int, dict[str, str]]  # (row number in the file, the header being row 1; values)

#: The encodings a CSV file may have (charset-normalizer's names) and how the preview calls them.
ENCODINGS = {
    "utf_8": "UTF-8",
    "utf_16": "UTF-16",  # with its byte-order mark, as Excel's "Unicode-text" is
    "utf_16_le": "UTF-16",  # without one, as other programs may write it
    "utf_16_be": "UTF-16",
    "cp1252": "Windows-1252",
}
#: The separators a CSV file may use, and their names in the preview.
DELIMITERS = {",": say("komma"), ";": say("semikolon"), "\t": say("tabb")}


@dataclass(frozen=True)
class Table:
    """Named columns and their rows of stripped text; blank rows are already left out."""

    source: str  # the file's name, shown in every problem
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    encoding: str | None = None  # a CSV file's, as the preview names it ("Windows-1252")
    delimiter: str | None = None  # a CSV file's separator

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
            header = (
                f"{','.join(required)}{''.join(f'[,{c}]' for c in optional)}{',…' if extra else ''}"
            )
            problems.add(
                say(
                    "kolumnen %(columns)s saknas (första raden ska vara: %(header)s)",
                    columns=", ".join(repr(c) for c in missing),
                    header=header,
                ),
                row=1,
            )
        if not extra:
            for col in self.columns:
                if col and col not in required and col not in optional:
                    problems.add(say("okänd kolumn '%(column)s'", column=col), row=1, column=col)
        problems.raise_any()
        absent = [c for c in optional if c not in self.columns]
        if not absent:
            return self
        blank = dict.fromkeys(absent, "")
        rows = tuple((n, blank | v) for n, v in self.rows)
        return Table(self.source, self.columns, rows, self.encoding, self.delimiter)


def read_table(source: str | Path | BinaryIO, name: str | None = None) -> Table:
    """Read a CSV (UTF-8, Windows-1252 or UTF-16; comma, semicolon or tab) or XLSX file, or an
    uploaded stream of one.

    A stream's format comes from ``name`` (``.xlsx``/``.xlsm`` is a workbook, anything else CSV).
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise InputError(say("filen finns inte"), file=str(path))
        name = name or path.name
        data = path.read_bytes()
    else:
        name = name or Path(str(getattr(source, "name", "") or "upload.csv")).name
        data = source.read()
    if Path(name).suffix.lower() in (".xlsx", ".xlsm"):
        header, raw = _read_xlsx(data, name)
        return _build(name, header, raw)
    text, encoding = _decode(data, name)
    delimiter = _delimiter(text)
    header, raw = _read_csv(text, delimiter, name)
    return _build(name, header, raw, encoding, delimiter)


def read_as(table: Table) -> dict[str, str | Text] | None:
    """What the preview says about a CSV file: its encoding and separator (None for XLSX)."""
    if table.encoding is None or table.delimiter is None:
        return None
    return {"encoding": table.encoding, "delimiter": DELIMITERS[table.delimiter]}


def _build(
    name: str,
    header: list[str],
    raw: Iterable[tuple[int, Sequence[object]]],
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Table:
    columns = tuple(str(h).strip() for h in header)
    if not any(columns):
        raise InputError(
            say("filen är tom; första raden ska innehålla kolumnernas namn"), file=name
        )
    problems = Problems(name)
    reported: set[str] = set()
    for i, col in enumerate(columns):
        if col and col in columns[:i] and col not in reported:
            reported.add(col)
            problems.add(say("kolumnen '%(column)s' finns två gånger", column=col), 1, col)
    rows = []
    for number, values in raw:
        cells = [("" if v is None else str(v)).strip() for v in values]
        if not any(cells):
            continue
        if len(cells) > len(columns) and any(cells[len(columns) :]):
            problems.add(
                say(
                    "raden har %(values)s värden men rubrikraden har %(columns)s kolumner",
                    values=len(cells),
                    columns=len(columns),
                ),
                number,
            )
            continue
        cells += [""] * (len(columns) - len(cells))
        rows.append((number, dict(zip(columns, cells, strict=False))))
    problems.raise_any()
    return Table(name, columns, tuple(rows), encoding, delimiter)


def _decode(data: bytes, name: str) -> tuple[str, str]:
    """The text of a CSV file and its encoding's name, found among :data:`ENCODINGS`.

    Valid UTF-8 (with or without its byte-order mark) is taken as such without guessing;
    anything else is left to charset-normalizer, restricted to the encodings Excel writes, so
    that a Windows-1252 file is never read as, say, a Cyrillic code page.
    """
    from charset_normalizer import from_bytes

    if b"\x00" not in data:  # UTF-16 has NUL bytes, which are valid UTF-8 but no CSV has
        try:
            return data.decode("utf-8-sig"), ENCODINGS["utf_8"]
        except UnicodeDecodeError:
            pass
    # UTF-16 without a byte-order mark is only tried on text with NUL bytes (the high bytes of
    # its Latin letters): any even number of bytes "decodes" as UTF-16, garbage included.
    candidates = [e for e in ENCODINGS if b"\x00" in data or e not in ("utf_16_le", "utf_16_be")]
    best = from_bytes(data, cp_isolation=candidates).best()
    if best is None or best.encoding not in ENCODINGS:
        raise InputError(
            say(
                "filens teckenkodning kunde inte avgöras (den är varken UTF-8, Windows-1252 "
                "eller UTF-16); spara den i Excel som ”CSV UTF-8” och försök igen"
            ),
            file=name,
        )
    return str(best).lstrip("\ufeff"), ENCODINGS[best.encoding]


def _delimiter(text: str) -> str:
    """Comma, semicolon or tab, as the csv sniffer finds it in the first lines.

    A file of one column has none to find: it is then the one most frequent in its first line,
    comma when there is none at all.
    """
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        first = text.split("\n", 1)[0]
        return max(DELIMITERS, key=lambda d: (first.count(d), d == ","))


def _read_csv(
    text: str, delimiter: str, name: str
) -> tuple[list[str], list[tuple[int, Sequence[object]]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error as e:
        raise InputError(
            say("filen är inte giltig CSV (%(reason)s)", reason=str(e)),
            file=name,
            row=reader.line_num,
        ) from None
    if not rows:
        return [], []
    return [str(h) for h in rows[0]], list(enumerate(rows[1:], start=2))


def _read_xlsx(data: bytes, name: str) -> tuple[list[str], list[tuple[int, Sequence[object]]]]:
    try:
        return _workbook_rows(data, name)
    except InputError:
        raise
    except Exception as e:  # the reader fails in many ways on hostile files; none may leak
        raise InputError(_unreadable(_reason(e)), file=name) from None


def _unreadable(reason: Text) -> Text:
    return say("filen är ingen läsbar XLSX-arbetsbok (%(reason)s)", reason=reason)


def _reason(error: BaseException) -> Text:
    from defusedxml import DefusedXmlException

    cause = error.__cause__ or error.__context__
    if isinstance(error, DefusedXmlException) or isinstance(cause, DefusedXmlException):
        return say("dess XML deklarerar entiteter, vilket inte tillåts (en möjlig XML-bomb)")
    # The reader's own message is English and technical: say what to do instead.
    return say("den kan vara skadad; öppna den i Excel och spara den igen")


def _workbook_rows(data: bytes, name: str) -> tuple[list[str], list[tuple[int, Sequence[object]]]]:
    import zipfile

    from openpyxl import load_workbook

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise InputError(
            say(
                "filen är ingen läsbar XLSX-arbetsbok (den är inget zip-arkiv); spara den från "
                "kalkylprogrammet som .xlsx eller som CSV"
            ),
            file=name,
        )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
            raise InputError(
                _unreadable(say("uppackad blir den större än %(mb)s MB", mb=MAX_UNPACKED // 2**20)),
                file=name,
            )
    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        if len(wb.sheetnames) != 1:
            raise InputError(
                say(
                    "arbetsboken har %(count)s blad (%(names)s); behåll exakt ett blad, det "
                    "med uppgifterna",
                    count=len(wb.sheetnames),
                    names=", ".join(wb.sheetnames),
                ),
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
