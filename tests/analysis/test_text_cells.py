"""Text cells of the written files and roles read from them, checked without the exports.

``analysis.safecell`` and ``analysis.roles.read_role`` were reached only through the export and
import tests (HTTP/CLI); their rules are small enough to check here against the standard
library's csv module and plain expectations.
"""

from __future__ import annotations

import csv
import io

import pytest

from analysis.roles import read_role
from analysis.safecell import FORMULA_STARTS, csv_text, neutralise_row


def test_a_csv_text_cell_reads_back_as_one_neutralised_cell() -> None:
    """A carriage return is a line feed inside one quoted cell, and a formula start is quoted:
    the csv module's reader gets the same row back, ``'``-prefixed where a spreadsheet would
    have evaluated it."""
    cells = ['=HYPERLINK("x")', "rad ett\r\nrad två\rtre", "Skola A", "-", "@sum"]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([csv_text(c) for c in cells])
    (row,) = list(csv.reader(io.StringIO(out.getvalue())))
    assert row == ['\'=HYPERLINK("x")', "rad ett\nrad två\ntre", "Skola A", "'-", "'@sum"]


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_rows_neutralise_text_only_as_mappings_or_sequences(start: str) -> None:
    text = f"{start}1+1"
    assert neutralise_row({"name": text, "n": -5, "x": None}) == {
        "name": f"'{text}", "n": -5, "x": None
    }  # fmt: skip
    assert neutralise_row([text, -0.5, True, "ok"]) == [f"'{text}", -0.5, True, "ok"]


@pytest.mark.parametrize(
    ("raw", "role"),
    [("employee", "employee"), ("  Medarbetare ", "employee"), ("CHEF", "manager"),
     ("Specialist", "specialist"), ("boss", None), ("", None)],
)  # fmt: skip
def test_read_role_takes_codes_and_swedish_words(raw: str, role: str | None) -> None:
    assert read_role(raw) == role
