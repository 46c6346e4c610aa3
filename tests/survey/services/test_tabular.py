"""The edge: a CSV/XLSX file or an uploaded stream becomes a Table; columns are conformed."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from survey.services.errors import ValidationError
from survey.services.tabular import Table, read_as, read_table


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


ORG = "code;name;parent_code\r\nA;Stad;\r\nB;Förvaltning Öster, Ängelholm;A\r\n"
COMMA = 'code,name,parent_code\r\nA,Stad,\r\nB,"Förvaltning Öster, Ängelholm",A\r\n'


@pytest.mark.parametrize(
    ("data", "encoding", "delimiter"),
    [
        (ORG.encode("cp1252"), "Windows-1252", ";"),
        (ORG.encode("utf-8"), "UTF-8", ";"),
        (ORG.encode("utf-8-sig"), "UTF-8", ";"),
        (ORG.replace(";", "\t").encode("utf-16"), "UTF-16", "\t"),
        (ORG.replace(";", "\t").encode("utf-16-le"), "UTF-16", "\t"),  # no byte-order mark
        (COMMA.encode("cp1252"), "Windows-1252", ","),
    ],
    ids=["cp1252", "utf8", "utf8-bom", "utf16", "utf16le-no-bom", "cp1252-comma"],
)
def test_csv_as_excel_saves_it_is_read_and_said(data, encoding, delimiter):
    table = read_table(io.BytesIO(data), "org.csv")
    assert (table.encoding, table.delimiter) == (encoding, delimiter)
    assert table.columns == ("code", "name", "parent_code")
    assert table.rows[1] == (
        3,
        {"code": "B", "name": "Förvaltning Öster, Ängelholm", "parent_code": "A"},
    )
    assert read_as(table) is not None and read_as(table)["encoding"] == encoding


def test_one_column_and_undecidable_bytes():
    assert read_table(io.BytesIO(b"email\r\na@b.se\r\n"), "p.csv").delimiter == ","
    with pytest.raises(ValidationError) as err:
        read_table(io.BytesIO(b"code,name\n\x81\x8d\x90\n"), "odd.csv")
    assert "teckenkodning kunde inte avgöras" in str(err.value)


def test_swedish_role_names_are_read():
    from analysis.roles import read_role

    assert [read_role(w) for w in ("Medarbetare", " CHEF ", "specialist", "manager")] == [
        "employee",
        "manager",
        "specialist",
        "manager",
    ]
    assert read_role("boss") is None and read_role("") is None
