"""The CLI's one error path: every problem of a file, each at its row and column, nothing
written, exit code 1 and no traceback; and `mognad round list`."""

from __future__ import annotations

import sqlalchemy as sa

from survey.cli.common import MAX_SHOWN
from survey.models import Unit
from tests.support.factory import SMALL_ORG
from tests.survey.test_cli_import import _fails


def test_a_bad_organisation_file_prints_all_three_problems(runner, write_csv, db_session):
    path = write_csv(
        "org.csv",
        [
            ["code", "name", "parent_code"],
            ["CITY", "Staden", ""],
            ["EDU", "Utbildning", "NOWHERE"],
            ["EDU", "Utbildning igen", "CITY"],
            ["a/b", "Snedstreck", "CITY"],
        ],
    )
    out = _fails(
        runner,
        ["org", "import", "--year", "2025", str(path)],
        "Fel: 3 problem hittades; ingenting ändrades:",  # Swedish problems, Swedish frame
        "org.csv, rad 3, kolumn parent_code: okänd överordnad enhetskod 'NOWHERE'",
        "org.csv, rad 4, kolumn code: enhetskoden 'EDU' finns redan (på rad 3)",
        "org.csv, rad 5, kolumn code: 'a/b' är ingen giltig enhetskod",
    )
    assert out.count("org.csv, rad") == 3
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Unit)) == 0


def test_many_problems_are_capped(runner, write_csv):
    rows = [["code", "name", "parent_code"], ["CITY", "Staden", ""]]
    rows += [[f"U{i}", "Enhet", "NOWHERE"] for i in range(MAX_SHOWN + 7)]
    out = _fails(
        runner,
        ["org", "import", "--year", "2025", str(write_csv("org.csv", rows))],
        f"Fel: {MAX_SHOWN + 7} problem hittades",
        "… och 7 till",
    )
    assert out.count("okänd överordnad enhetskod") == MAX_SHOWN


def test_a_good_file_after_a_bad_one_imports(runner, write_csv):
    bad = write_csv("bad.csv", [["code", "name"], ["CITY", "Staden"]])
    _fails(runner, ["org", "import", "--year", "2025", str(bad)], "kolumnen 'parent_code' saknas")
    good = write_csv("org.csv", SMALL_ORG)
    result = runner.invoke(args=["org", "import", "--year", "2025", str(good)])
    assert result.exit_code == 0, result.output


def test_state_errors_go_the_same_way(runner, make_round):
    name = make_round(status="open")
    out = _fails(runner, ["round", "open", name], f"Error: round '{name}' is already open")
    assert "problems found" not in out


def test_round_list(runner, make_round, write_csv):
    assert "There are no rounds yet" in runner.invoke(args=["round", "list"]).output
    make_round("R2025", status="open")
    make_round("Öppen 2026", year=2026, mode="open")
    people = write_csv("p.csv", [["email", "unit_code", "role"], ["a@x.test", "EDU", "employee"]])
    assert runner.invoke(args=["respondents", "import", "R2025", str(people)]).exit_code == 0
    result = runner.invoke(args=["round", "list"])
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines()]
    assert lines[0] == ["name", "year", "mode", "status", "k", "invited", "responses", "pending"]
    assert lines[1] == ["R2025", "2025", "invited", "open", "5", "1", "0", "0"]
    assert lines[2][:5] == ["Öppen", "2026", "2026", "open", "draft"]
    assert lines[2][5].isdigit() and lines[2][6:] == ["-", "0", "0"]
