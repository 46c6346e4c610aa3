"""The edge: a CSV/XLSX file or an uploaded stream becomes a Table; columns are conformed."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from survey.services.errors import ValidationError
from survey.services.tabular import Table, read_table


def test_an_uploaded_csv_stream_reads_like_a_file():
    stream = io.BytesIO("\ufeffcode;name;parent_code\nA;Stad;\n\nB;Förvaltning;A\n".encode())
    table = read_table(stream, "org.csv")
    assert table.source == "org.csv"
    assert table.columns == ("code", "name", "parent_code")
    assert table.rows == (
        (2, {"code": "A", "name": "Stad", "parent_code": ""}),
        (4, {"code": "B", "name": "Förvaltning", "parent_code": "A"}),
    )


def test_an_uploaded_workbook_stream_reads_by_its_name():
    wb = Workbook()
    for row in (["code", "name", "parent_code"], ["A", "Stad", None], ["B", 7.0, "A"]):
        wb.active.append(row)
    data = io.BytesIO()
    wb.save(data)
    data.seek(0)
    table = read_table(data, "org.xlsx")
    assert [v for _, v in table.rows][1] == {"code": "B", "name": "7", "parent_code": "A"}


def test_every_row_with_too_many_values_is_named():
    stream = io.BytesIO(b"a,b\n1,2,3\n4,5\n6,7,8,9\n")
    with pytest.raises(ValidationError) as err:
        read_table(stream, "t.csv")
    assert [str(p) for p in err.value.problems] == [
        "t.csv, rad 2: raden har 3 värden men rubrikraden har 2 kolumner",
        "t.csv, rad 4: raden har 4 värden men rubrikraden har 2 kolumner",
    ]


def test_conform_fills_a_missing_optional_column():
    table = Table.of("t", ("a",), [("x",)]).conform(("a",), optional=("b",))
    assert table.rows == ((2, {"b": "", "a": "x"}),)
