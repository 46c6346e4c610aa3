"""`mognad report` writes a documented, deterministic open-data package (both databases)."""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest
from frictionless import Package, validate
from openpyxl import load_workbook

from analysis.comparison import REASONS
from analysis.datapackage import RESOURCES
from analysis.opendata import AGGREGATE_COLUMNS
from analysis.workbook import DICTIONARY_SHEET

FILES = {
    "aggregates.csv", "aggregates.json", "aggregates.xlsx", "comparisons.csv", "units.csv",
    "indices.csv", "reliability.csv", "gaps.csv", "fieldwork.csv", "estimates.csv",
    "datapackage.json",
}  # fmt: skip


def _report(runner, out, *args):
    result = runner.invoke(
        args=["report", "R2025", "--out", str(out), "--format", "csv,json,xlsx", *args]
    )
    assert result.exit_code == 0, result.output
    return out


def _read(path):
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def package(runner, two_years, tmp_path):
    return _report(runner, tmp_path / "a")


def test_two_runs_give_the_same_bytes_in_every_file(runner, package, tmp_path):
    again = _report(runner, tmp_path / "b")
    assert {p.name for p in package.iterdir()} == FILES
    for name in FILES:
        assert (package / name).read_bytes() == (again / name).read_bytes(), name


def test_datapackage_validates_and_describes_every_file_and_column(package, db_session):
    from survey.services.rounds import get_round

    desc = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    assert Package.validate_descriptor(desc).valid  # the whole descriptor, JSON resource too
    # Reading a JSON resource's rows needs frictionless' optional JSON parser; its rows are the
    # CSV's (test_not_applicable_...), so the data check covers the other files.
    tables = {**desc, "resources": [r for r in desc["resources"] if r["format"] != "json"]}
    (package / "tables.json").write_text(json.dumps(tables), encoding="utf-8")
    report = validate(str(package / "tables.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    assert report.stats["tasks"] == len(desc["resources"]) - 1
    assert {r["path"] for r in desc["resources"]} == FILES - {"datapackage.json"}
    closed = get_round(db_session, "R2025").closed_at
    assert desc["created"].startswith(closed.strftime("%Y-%m-%dT%H:%M"))
    assert desc["licenses"][0]["name"] == "CC0-1.0" and desc["k"] == 5
    assert (desc["round"], desc["compare_round"]) == ("R2025", "R2024")
    assert desc["questionnaire_id"] == "malmo-digital" and desc["questionnaire_version"]
    for resource in desc["resources"]:
        assert resource["encoding"] == "utf-8" and resource["mediatype"]
        for f in resource["schema"]["fields"]:
            assert f["type"] and f["description"] and f["description_sv"], f
        if resource["format"] == "csv":
            header = (package / resource["path"]).read_text(encoding="utf-8").splitlines()[0]
            assert header.split(",") == [f["name"] for f in resource["schema"]["fields"]]


def test_not_applicable_cells_are_gone_and_suppressed_rows_stay(package):
    rows = _read(package / "aggregates.csv")
    assert tuple(rows[0]) == AGGREGATE_COLUMNS
    employee = {r["index"] for r in rows if r["role"] == "employee"}
    assert employee and not employee & {"cap_governance", "leg_data", "legacy", "comp_leadership"}
    assert {r["index"] for r in rows if r["role"] == "manager"} >= {"cap_governance", "legacy"}
    hidden = [r for r in rows if r["suppressed"] == "true"]
    assert hidden and all(r["n"] == r["score"] == r["ci_low"] == "" for r in hidden)
    assert {r["unit_code"] for r in hidden} >= {"TINY"}
    assert len(json.loads((package / "aggregates.json").read_text(encoding="utf-8"))) == len(rows)


def test_every_not_comparable_row_has_a_reason(package):
    aggregates = _read(package / "aggregates.csv")
    comparisons = _read(package / "comparisons.csv")
    key = ("round", "unit_code", "role", "index")
    assert [tuple(r[c] for c in key) for r in comparisons] == [
        tuple(r[c] for c in key) for r in aggregates
    ]
    for agg, cmp in zip(aggregates, comparisons, strict=True):
        assert (agg["change"] == "not_comparable") == (cmp["comparable"] == "false")
        assert (cmp["reason"] in REASONS) if cmp["comparable"] == "false" else cmp["reason"] == ""
        if agg["suppressed"] == "true":
            assert cmp["reason"] == "current_suppressed"
    # Managers answered in no year, so every manager cell is hidden on both sides.
    assert {c["reason"] for c in comparisons} >= {"current_suppressed"}


def test_first_round_has_nothing_to_compare_with(runner, two_years, tmp_path):
    out = tmp_path / "first"
    result = runner.invoke(args=["report", "R2024", "--out", str(out), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert {r["reason"] for r in _read(out / "comparisons.csv")} == {"no_compare_round"}


def test_tables_beside_the_aggregates(package):
    units = {r["code"]: r for r in _read(package / "units.csv")}
    assert units["EDU-A"]["parent_code"] == "EDU" and units["EDU-A"]["level"] == "2"
    assert units["EDU-A"]["path"].count(" / ") == 2 and units["CITY"]["parent_code"] == ""
    indices = {r["id"]: r for r in _read(package / "indices.csv")}
    assert indices["cap_governance"]["roles"] == "manager specialist"
    reliability = _read(package / "reliability.csv")
    assert list(reliability[0])[-1] == "alpha_below_070"
    for row in reliability:
        want = "" if row["alpha"] == "" else str(float(row["alpha"]) < 0.70).lower()
        assert row["alpha_below_070"] == want
    gaps = _read(package / "gaps.csv")
    assert gaps and all(r["share_below"] == "" for r in gaps if r["suppressed"] == "true")
    assert any(r["share_below"] != "" for r in gaps)
    # Imported answers come without invitations: no unit had any, so no row is published.
    assert _read(package / "fieldwork.csv") == []


def test_workbook_reads_back_with_its_dictionary(package):
    wb = load_workbook(package / "aggregates.xlsx")
    assert wb.sheetnames == ["aggregates", DICTIONARY_SHEET]
    ws = wb["aggregates"]
    header = [c.value for c in ws[1]]
    assert tuple(header) == AGGREGATE_COLUMNS
    rows = _read(package / "aggregates.csv")
    assert ws.max_row == len(rows) + 1
    n = header.index("n")
    shown = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[n] is not None)
    assert isinstance(shown[n], int) and isinstance(shown[header.index("score")], float)
    dictionary = list(wb[DICTIONARY_SHEET].iter_rows(min_row=2, values_only=True))
    fields = next(r.fields for r in RESOURCES if r.name == "aggregates")
    assert [(d[0], d[2], d[3]) for d in dictionary] == [(f.name, f.sv, f.en) for f in fields]


def test_licence_comes_from_the_configuration(runner, two_years, tmp_path):
    runner.app.config["DATA_LICENSE"] = "CC-BY-4.0"
    out = _report(runner, tmp_path / "by")
    desc = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert desc["licenses"][0]["name"] == "CC-BY-4.0" and "by/4.0" in desc["licenses"][0]["path"]


def test_new_units_and_previous_suppression_from_the_tree(app):
    from survey.services.report import _units_without_counterpart

    tree = pd.DataFrame(
        {"unit": ["CITY", "EDU", "EDU-A", "NEW"], "parent": [None, "CITY", "EDU", "CITY"]}
    )
    assert _units_without_counterpart(tree, {"EDU-A"}) == {"NEW"}
