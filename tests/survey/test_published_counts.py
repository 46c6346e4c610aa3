"""Counts of who answered follow k: fieldwork.csv, the report and reliability.csv.

The attack on the old rules: fieldwork.csv published ``invited 1, completed 1`` for a unit whose
cell was hidden, and a parent's completed count minus its shown children's gave a hidden
child's; reliability.csv published Cronbach's α of two, three or four people.
"""

from __future__ import annotations

import csv
from pathlib import Path

from tests.survey.respondent import close_round, invite, issue_links
from tests.survey.test_admin_fieldwork import answer

# EDU-A: five answer; CARE: its only invited person answers.
PEOPLE = [(f"a{i}@example.org", "EDU-A", "employee") for i in range(5)] + [
    ("c@example.org", "CARE", "employee")
]


def _read(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {r.get("unit_code") or r["category"]: r for r in csv.DictReader(fh)}


def test_completed_counts_of_hidden_groups_are_not_published(
    app, make_round, runner, write_csv, tmp_path
) -> None:
    make_round()
    invite(runner, write_csv, people=PEOPLE)
    for link in issue_links(runner, tmp_path / "links.csv"):
        answer(app, link["url"])
    close_round(runner)
    out = tmp_path / "out"
    result = runner.invoke(args=["report", "R2025", "--out", str(out), "--format", "csv,html"])
    assert result.exit_code == 0, result.output
    rows = _read(out / "fieldwork.csv")
    assert rows["CARE"]["invited"] == "1"
    assert rows["CARE"]["completed"] == "" and rows["CARE"]["response_rate"] == ""
    # CITY (6) minus EDU (5) would give CARE's 1: one of them is held back as well.
    assert rows["CITY"]["completed"] == "" or rows["EDU"]["completed"] == ""
    shown = {u: int(r["completed"]) for u, r in rows.items() if r["completed"]}
    assert all(n >= 5 for n in shown.values()), shown
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "Omsorg" not in report or "1 av 1" not in report

    reliability = _read(out / "reliability.csv")  # six people: every category's n is 6 or 0
    assert all(r["n"] in ("", "0") or int(r["n"]) >= 5 for r in reliability.values())
