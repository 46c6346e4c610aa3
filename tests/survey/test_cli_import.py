"""The import commands: happy paths, and every kind of bad input stops cleanly with no change."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from survey.models import (
    Answer,
    Ballot,
    Invitation,
    Response,
    ResponseComment,
    Round,
    Unit,
    UnitRemap,
)
from tests.conftest import SMALL_ORG, table_snapshot


def _fails(runner, args, *expected: str) -> str:
    before = table_snapshot(runner.app)
    result = runner.invoke(args=args)
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for text in expected:
        assert text in result.output, result.output
    assert table_snapshot(runner.app) == before, "a failed command changed the database"
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


def test_org_import_csv_and_xlsx(runner, write_csv, tmp_path, db_session):
    result = runner.invoke(
        args=["org", "import", "--year", "2025", str(write_csv("o.csv", SMALL_ORG))]
    )
    assert result.exit_code == 0, result.output
    assert "Imported 5 units" in result.output
    path = _xlsx(tmp_path / "org.xlsx", SMALL_ORG)
    result = runner.invoke(args=["org", "import", "--year", "2026", str(path)])
    assert result.exit_code == 0, result.output
    units = db_session.scalars(sa.select(Unit).where(Unit.year == 2026)).all()
    by_code = {u.code: u for u in units}
    assert by_code["EDU-A"].parent.code == "EDU"
    assert by_code["CITY"].parent is None


def test_org_import_semicolon_csv_and_reimport_replaces(runner, tmp_path, db_session):
    path = tmp_path / "o.csv"
    path.write_text("code;name;parent_code\nA;Stad;\nB;Förvaltning;A\n", encoding="utf-8")
    assert runner.invoke(args=["org", "import", "--year", "2025", str(path)]).exit_code == 0
    path.write_text("code;name;parent_code\nA;Stad;\nC;Ny;A\n", encoding="utf-8")
    assert runner.invoke(args=["org", "import", "--year", "2025", str(path)]).exit_code == 0
    codes = set(db_session.scalars(sa.select(Unit.code).where(Unit.year == 2025)))
    assert codes == {"A", "C"}


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            SMALL_ORG + [["EDU-A", "Again", "EDU"]],
            ["rad 7", "kolumn code", "enhetskoden 'EDU-A' finns redan"],
        ),
        (
            SMALL_ORG + [["X", "X", "NOPE"]],
            ["rad 7", "kolumn parent_code", "okänd överordnad enhetskod 'NOPE'"],
        ),
        (SMALL_ORG + [["ROOT2", "Second", ""]], ["rad 7", "kolumn parent_code", "en andra rot"]),
        (
            [["code", "name", "parent_code"], ["A", "A", ""], ["B", "B", "C"], ["C", "C", "B"]],
            ["slinga", "kolumn parent_code"],
        ),
        ([["code", "name"], ["A", "A"]], ["rad 1", "kolumnen 'parent_code' saknas"]),
        ([["code", "name", "parent_code", "colour"], ["A", "A", ""]], ["okänd kolumn 'colour'"]),
        ([["code", "name", "parent_code"], ["A", "", ""]], ["rad 2", "kolumn name", "saknar namn"]),
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


def test_org_import_unknown_encoding_and_extra_sheets(runner, make_org, tmp_path):
    make_org(2025)
    odd = tmp_path / "odd.csv"  # 0x81 and 0x8d are undefined in Windows-1252, invalid in UTF-8
    odd.write_bytes(b"code,name,parent_code\nA,F\x81rvaltning\x8d,\n")
    _fails(runner, ["org", "import", "--year", "2026", str(odd)], "odd.csv", "teckenkodning")
    book = _xlsx(tmp_path / "two.xlsx", SMALL_ORG, extra_sheet=True)
    _fails(runner, ["org", "import", "--year", "2026", str(book)], "two.xlsx", "2 blad")


def test_org_remap(runner, make_org, write_csv, db_session):
    make_org(2025)
    make_org(2026, SMALL_ORG[:4] + [["CARE2", "Vård", "CITY"]])
    ok = write_csv("remap.csv", [["old_code", "new_code"], ["CARE", "CARE2"]])
    result = runner.invoke(args=["org", "remap", "--year", "2026", str(ok)])
    assert result.exit_code == 0, result.output
    assert db_session.scalar(sa.select(UnitRemap.new_code)) == "CARE2"
    bad = write_csv("remap2.csv", [["old_code", "new_code"], ["CARE", "NOPE"]])
    _fails(
        runner,
        ["org", "remap", "--year", "2026", str(bad)],
        "remap2.csv",
        "rad 2",
        "kolumn new_code",
        "okänd enhetskod 'NOPE' i organisationen för 2026",
    )


def test_round_create_stores_snapshot_and_state_machine(runner, make_round, db_session):
    name = make_round()
    rnd = db_session.scalar(sa.select(Round).where(Round.name == name))
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
        "enkätfilen går inte att använda",
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


def test_responses_import(runner, make_round, write_csv, db_session):
    name = make_round()
    path = write_csv("answers.csv", _response_rows())
    result = runner.invoke(args=["responses", "import", name, str(path)])
    assert result.exit_code == 0, result.output
    # Paper answers wait in the ballot box like any submission; responses exist from close.
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Ballot)) == 3
    for action in ("open", "close"):
        assert runner.invoke(args=["round", action, name]).exit_code == 0
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Response)) == 3
    values = dict(
        db_session.execute(
            sa.select(Answer.item_id, Answer.value)
            .join(Response)
            .where(Response.role == "employee")
        ).all()
    )
    assert values == {"cap_workplace_1": 5, "cap_workplace_2": None, "comp_safety_1": 3}
    assert db_session.scalar(sa.select(ResponseComment.text)) == "Mer tid för kurser"
    # Three groups of one: the close stores them at the top of the tree (k-anonymity at rest).
    units = db_session.scalars(
        sa.select(Unit.code).join(Response, Response.unit_id == Unit.id).distinct()
    ).all()
    assert units == ["CITY"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda r: r[1].__setitem__(0, "NOPE"),
            ["rad 2", "kolumn unit_code", "okänd enhetskod 'NOPE'"],
        ),
        (lambda r: r[2].__setitem__(1, "boss"), ["rad 3", "kolumn role", "okänd roll 'boss'"]),
        (
            lambda r: r[0].__setitem__(3, "cap_bogus_9"),
            ["rad 1", "kolumn cap_bogus_9", "okänd frågekolumn"],
        ),
        (
            lambda r: r[1].__setitem__(2, 7),
            ["rad 2", "kolumn cap_workplace_1", "'7' ligger utanför skalan"],
        ),
        (lambda r: r[3].__setitem__(4, "dk"), ["rad 4", "kolumn comp_safety_1", "inte tillåtet"]),
        (lambda r: r[1].__setitem__(4, "2.5"), ["rad 2", "kolumn comp_safety_1", "utanför skalan"]),
        (lambda r: [row.pop(1) for row in r], ["rad 1", "kolumnen 'role' saknas"]),
    ],
    ids=["unit", "role", "item-column", "off-scale", "dk-on-level5", "decimal", "missing-column"],
)
def test_responses_import_bad_input(runner, make_round, write_csv, change, expected):
    name = make_round()
    rows = _response_rows()
    change(rows)
    path = write_csv("bad.csv", rows)
    _fails(runner, ["responses", "import", name, str(path)], "bad.csv", *expected)


def test_respondents_import_and_bad_input(runner, make_round, write_csv, db_session):
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
    emails = set(db_session.scalars(sa.select(Invitation.email)))
    assert emails == {"a@x.se", "b@x.se"}
    assert all(t is None for t in db_session.scalars(sa.select(Invitation.token_hash)))
    again = write_csv(
        "again.csv",
        [
            ["email", "unit_code", "role"],
            ["c@x.se", "EDU-A", "employee"],
            ["a@x.se", "EDU-A", "employee"],
        ],
    )
    _fails(runner, ["respondents", "import", name, str(again)], "rad 3", "redan inbjuden")
    bad = write_csv(
        "bad.csv", [["email", "unit_code", "role"], ["not-an-email", "EDU-A", "employee"]]
    )
    _fails(runner, ["respondents", "import", name, str(bad)], "rad 2", "kolumn email")


def test_failed_sqlite_import_leaves_file_byte_identical(
    runner, make_round, write_csv, app, db_session
):
    url = app.config["DATABASE_URL"]
    if not url.startswith("sqlite"):
        pytest.skip("byte comparison is for the SQLite file; PostgreSQL is compared by rows")
    name = make_round()
    db_session.close()
    db_session.get_bind().dispose()
    path = Path(url.removeprefix("sqlite:///"))
    before = path.read_bytes()
    rows = _response_rows() + [["EDU-A", "employee", 9, "", "", "", ""]]
    result = runner.invoke(args=["responses", "import", name, str(write_csv("bad.csv", rows))])
    assert result.exit_code != 0
    db_session.close()
    db_session.get_bind().dispose()
    assert path.read_bytes() == before


def test_changes_are_audited_failures_are_not(runner, make_round, write_csv, db_session):
    from survey.models import AuditLog

    name = make_round(status="open")
    actions = [a.action for a in db_session.scalars(sa.select(AuditLog).order_by(AuditLog.id))]
    assert actions == ["org.import", "round.create", "round.open"]
    bad = write_csv("bad.csv", [["unit_code", "role", "cap_workplace_1"], ["NOPE", "employee", 1]])
    assert runner.invoke(args=["responses", "import", name, str(bad)]).exit_code != 0
    assert db_session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) == 3
