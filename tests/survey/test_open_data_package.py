"""`mognad report` writes a documented, deterministic open-data package (both databases)."""

from __future__ import annotations

import csv
import json
import shutil

import pandas as pd
import pytest
from frictionless import Package, validate
from openpyxl import load_workbook

from analysis.comparison import REASONS
from analysis.datapackage import RESOURCES
from analysis.opendata import AGGREGATE_COLUMNS
from analysis.package_fields import RESPONSE_COLUMNS
from analysis.workbook import DICTIONARY_SHEET

FILES = {
    "aggregates.csv", "aggregates.json", "aggregates.xlsx", "comparisons.csv", "units.csv",
    "indices.csv", "reliability.csv", "gaps.csv", "fieldwork.csv", "estimates.csv",
    "plan_areas.csv", "datapackage.json", "dcat.jsonld",
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
    assert {r["path"] for r in desc["resources"]} == FILES - {"datapackage.json", "dcat.jsonld"}
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
    units = {r["unit_code"]: r for r in _read(package / "units.csv")}
    assert units["EDU-A"]["parent_code"] == "EDU" and units["EDU-A"]["unit_level"] == "2"
    assert units["EDU-A"]["path"].count(" / ") == 2 and units["CITY"]["parent_code"] == ""
    indices = {r["index"]: r for r in _read(package / "indices.csv")}
    assert indices["cap_governance"]["roles"] == "manager specialist"
    assert indices["cap_governance"]["items_employee"] == ""
    assert indices["maturity"]["items_employee"] == "5"  # employees answer cap_workplace only
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
    # The cell's columns; the response columns are in aggregates.csv and .json only.
    assert tuple(header) + RESPONSE_COLUMNS == AGGREGATE_COLUMNS
    rows = _read(package / "aggregates.csv")
    assert ws.max_row == len(rows) + 1
    n = header.index("n")
    shown = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[n] is not None)
    assert isinstance(shown[n], int) and isinstance(shown[header.index("score")], float)
    dictionary = list(wb[DICTIONARY_SHEET].iter_rows(min_row=2, values_only=True))
    fields = next(r.fields for r in RESOURCES if r.name == "aggregates-xlsx")
    assert [(d[0], d[2], d[3]) for d in dictionary] == [(f.name, f.sv, f.en) for f in fields]


def test_licence_comes_from_the_configuration(runner, two_years, tmp_path):
    runner.app.config["DATA_LICENSE"] = "CC-BY-4.0"
    out = _report(runner, tmp_path / "by")
    desc = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert desc["licenses"][0]["name"] == "CC-BY-4.0" and "by/4.0" in desc["licenses"][0]["path"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_published_package_carries_the_configured_licence(runner, two_years, db_session):
    """Publishing passes the installation's licence in, as ``mognad report`` does."""
    import sqlalchemy as sa

    from survey.models import PublishedFile, Round

    runner.app.config["DATA_LICENSE"] = "CC-BY-4.0"
    result = runner.invoke(args=["round", "publish", "R2025"])
    assert result.exit_code == 0, result.output
    rnd = db_session.scalar(sa.select(Round).where(Round.name == "R2025"))
    stored = db_session.scalar(
        sa.select(PublishedFile).where(
            PublishedFile.round_id == rnd.id, PublishedFile.filename == "datapackage.json"
        )
    )
    assert json.loads(stored.content)["licenses"][0]["name"] == "CC-BY-4.0"


def test_new_units_and_previous_suppression_from_the_tree(app):
    from analysis.figures import _units_without_counterpart

    tree = pd.DataFrame(
        {"unit": ["CITY", "EDU", "EDU-A", "NEW"], "parent": [None, "CITY", "EDU", "CITY"]}
    )
    assert _units_without_counterpart(tree, {"EDU-A"}) == {"NEW"}


def _validate_tables(folder):
    """``frictionless validate`` of the package's CSV resources (see the test above)."""
    desc = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    tables = {**desc, "resources": [r for r in desc["resources"] if r["format"] == "csv"]}
    (folder / "tables.json").write_text(json.dumps(tables), encoding="utf-8")
    return validate(str(folder / "tables.json"))


def test_keys_and_constraints_hold_and_a_broken_join_fails(package, tmp_path):
    desc = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    schemas = {r["name"]: r["schema"] for r in desc["resources"]}
    assert schemas["aggregates"]["primaryKey"] == ["unit_code", "role", "index"]
    assert schemas["units"]["primaryKey"] == ["unit_code"]
    joins = {
        (r, fk["fields"] if isinstance(fk["fields"], str) else tuple(fk["fields"]))
        for r, s in schemas.items()
        for fk in s.get("foreignKeys", [])
    }
    assert {("aggregates", "unit_code"), ("aggregates", "index"), ("gaps", "category"),
            ("gaps", "unit_code"), ("units", "parent_code"), ("reliability", "category"),
            ("fieldwork", "unit_code")} <= joins  # fmt: skip
    fields = {
        (r, f["name"]): f.get("constraints", {}) for r, s in schemas.items() for f in s["fields"]
    }
    assert fields["aggregates", "score"] == {"minimum": 0, "maximum": 100}
    assert fields["aggregates", "p_adjusted"] == {"minimum": 0, "maximum": 1}
    assert fields["aggregates", "change"]["enum"] == ["improved", "declined", "no_change",
                                                      "not_comparable"]  # fmt: skip
    assert fields["aggregates", "role"]["enum"] == ["all", "employee", "manager", "specialist"]
    # gaps.csv describes only the roles it has: targets are per role, there is no pooled row.
    assert fields["gaps", "role"]["enum"] == ["employee", "manager", "specialist"]
    assert {r["role"] for r in _read(package / "gaps.csv")} <= {"employee", "manager", "specialist"}
    assert _validate_tables(package).valid

    # A copy with one unit code that units.csv does not have: the join is broken and found.
    broken = tmp_path / "broken"
    shutil.copytree(package, broken)
    rows = (broken / "aggregates.csv").read_text(encoding="utf-8").splitlines()
    rows[1] = rows[1].replace(",EDU-A,", ",NO-SUCH-UNIT,", 1).replace(",CITY,", ",NO-SUCH-UNIT,", 1)
    assert "NO-SUCH-UNIT" in rows[1]
    (broken / "aggregates.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    report = _validate_tables(broken)
    assert not report.valid
    assert "foreign-key" in {t for (t,) in report.flatten(["type"])}

    # A score outside 0–100 breaks a constraint.
    bad = tmp_path / "bad"
    shutil.copytree(package, bad)
    frame = pd.read_csv(bad / "aggregates.csv", dtype=str, keep_default_na=False)
    at = frame.index[frame["score"] != ""][0]
    frame.loc[at, "score"] = "101.000000"
    frame.to_csv(bad / "aggregates.csv", index=False, lineterminator="\n")
    types = {t for (t,) in _validate_tables(bad).flatten(["type"])}
    assert "constraint-error" in types


def test_dcat_metadata_has_the_required_fields(package):
    doc = json.loads((package / "dcat.jsonld").read_text(encoding="utf-8"))
    assert doc["@type"] == "dcat:Dataset"
    for key in ("dct:publisher", "dcat:contactPoint", "dcat:theme", "dct:spatial",
                "dct:temporal", "dct:accrualPeriodicity", "dct:conformsTo", "dct:license",
                "dct:title", "dct:description", "dcat:distribution"):  # fmt: skip
        assert doc[key], key
    assert doc["dct:publisher"]["foaf:name"]
    contact = doc["dcat:contactPoint"]
    assert contact.get("vcard:hasEmail") or contact.get("vcard:hasURL")
    assert doc["dct:temporal"]["dcat:startDate"]["@value"] == "2025-01-01"
    assert doc["dct:accrualPeriodicity"]["@id"].endswith("/frequency/ANNUAL")
    assert doc["dct:license"]["@id"].endswith("/CC0-1.0")
    files = {d["dct:title"] for d in doc["dcat:distribution"]}
    assert files == FILES - {"dcat.jsonld"}  # every file of the package, the descriptor too


def test_dcat_publisher_and_contact_are_settings(runner, two_years, tmp_path, app):
    app.config.update(DATA_PUBLISHER="Exempelstad", DATA_CONTACT_EMAIL="data@exempel.se")
    out = _report(runner, tmp_path / "c")
    doc = json.loads((out / "dcat.jsonld").read_text(encoding="utf-8"))
    assert doc["dct:publisher"]["foaf:name"] == "Exempelstad"
    assert doc["dcat:contactPoint"]["vcard:hasEmail"]["@id"] == "mailto:data@exempel.se"
