"""The open-data package's pure parts: applicability, comparison reasons, tables, workbook,
descriptor, and the coarsening of analyst exports."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from analysis.comparison import REASONS, build_aggregates, comparison_table
from analysis.datapackage import RESOURCES, descriptor
from analysis.exports import DONT_KNOW_CODE, coarsen_units, export_bytes, export_frame
from analysis.instruments import load_questionnaire
from analysis.safecell import FORMULA_STARTS
from analysis.scoring import applicable_indices
from analysis.tables import fieldwork_table, index_table, unit_table
from analysis.workbook import DICTIONARY_SHEET, workbook_bytes
from tests.support.factory import QUESTIONNAIRE

Q = load_questionnaire(QUESTIONNAIRE)
WHEN = datetime(2025, 11, 30, 16, 0, tzinfo=UTC)


def test_applicability_follows_the_questionnaire():
    applies = applicable_indices(Q)
    governance = {"cap_governance", "cap_benefits", "leg_platforms", "leg_data", "legacy"}
    assert not governance & applies["employee"]
    assert {"maturity", "capability", "competence", "cap_workplace"} <= applies["employee"]
    assert "comp_leadership" in applies["manager"] and "comp_leadership" not in applies["employee"]
    assert applies["all"] == set(Q.indices)  # every index applies to some role


def _cells(units, roles, indices, n):
    rows = [(u, r, i) for u in units for r in roles for i in indices]
    frame = pd.DataFrame(rows, columns=["unit", "role", "index"])
    return frame.assign(n=n, mean=50.0, sd=10.0, ci_low=45.0, ci_high=55.0)


def _flags(frame, hidden=()):
    keys = pd.MultiIndex.from_frame(frame[["unit", "role", "index"]])
    return pd.Series([k in hidden for k in keys], index=keys)


UNITS = pd.DataFrame(
    {"unit": ["TOP", "OLD", "NEW"], "name": ["Top", "Old", "New"], "level": [0, 1, 1]}
)
ROLES = ["all", "employee", "manager"]
INDICES = ["maturity", "cap_governance"]
APPLIES = {"all": INDICES, "employee": ["maturity"], "manager": INDICES}
FAMILIES = {"maturity": "headline", "cap_governance": "category"}


def _build(compare=True, hidden=(), cmp_hidden=(), compare_applicable=None, new_units=("NEW",)):
    now = _cells(UNITS["unit"], ROLES, INDICES, 30)
    before = _cells(UNITS["unit"], ROLES, INDICES, 30) if compare else None
    full = build_aggregates(
        now,
        before,
        UNITS,
        round_name="R2",
        year=2025,
        compare_round="R1" if compare else None,
        suppressed=_flags(now, hidden),
        compare_suppressed=_flags(before, cmp_hidden) if compare else None,
        indices=INDICES,
        applicable=APPLIES,
        compare_applicable=compare_applicable,
        new_units=new_units if compare else (),
        reasons=True,
        families=FAMILIES,
    )
    return full.set_index(["unit_code", "role", "index"])


def test_not_applicable_cells_are_no_rows_and_suppressed_rows_stay():
    rows = _build(hidden={("OLD", "manager", "maturity")})
    assert ("OLD", "employee", "cap_governance") not in rows.index
    assert len(rows) == 3 * 5  # 3 units × (all: 2, employee: 1, manager: 2)
    hidden = rows.loc[("OLD", "manager", "maturity")]
    assert hidden["suppressed"] and pd.isna(hidden["n"]) and pd.isna(hidden["score"])


def test_every_not_comparable_row_has_its_reason():
    rows = _build(
        hidden={("TOP", "manager", "maturity")},
        cmp_hidden={("OLD", "manager", "cap_governance")},
        compare_applicable={"all": ["maturity"], "employee": ["maturity"], "manager": ["maturity"]},
    )
    assert rows.loc[("NEW", "all", "maturity"), "reason"] == "unit_new"
    assert rows.loc[("OLD", "all", "cap_governance"), "reason"] == "no_previous_cell"
    assert rows.loc[("TOP", "manager", "maturity"), "reason"] == "current_suppressed"
    assert rows.loc[("OLD", "all", "maturity"), "reason"] == ""
    comparable = rows["reason"].eq("")
    assert (rows.loc[comparable, "change"] != "not_comparable").all()
    assert (rows.loc[~comparable, "change"] == "not_comparable").all()
    assert set(rows["reason"]) <= {"", *REASONS}
    rows = _build(cmp_hidden={("OLD", "manager", "maturity")})
    assert rows.loc[("OLD", "manager", "maturity"), "reason"] == "previous_suppressed"
    assert set(_build(compare=False)["reason"]) == {"no_compare_round"}


def test_comparisons_table_is_keyed_like_the_aggregates():
    full = _build(new_units=("NEW",)).reset_index()
    table = comparison_table(full)
    assert list(table.columns) == [
        "round", "unit_code", "role", "index", "compare_round", "comparable", "reason",
    ]  # fmt: skip
    assert table[["unit_code", "role", "index"]].equals(full[["unit_code", "role", "index"]])
    assert table.loc[table["comparable"], "reason"].isna().all()
    assert table.loc[~table["comparable"], "reason"].notna().all()


def test_units_table_tells_same_names_apart():
    units = pd.DataFrame(
        {
            "unit": ["C", "A", "A-1", "B", "B-1"],
            "name": ["Staden", "Utbildning", "Administration", "Omsorg", "Administration"],
            "parent": [None, "C", "A", "C", "B"],
            "level": [0, 1, 2, 1, 2],
        }
    )
    table = unit_table(units)
    assert list(table.columns) == [
        "unit_code", "unit_name", "parent_code", "unit_level", "path", "headcount",
    ]  # fmt: skip
    assert table["path"].tolist()[2] == "Staden / Utbildning / Administration"
    assert table["path"].is_unique and table["unit_name"].duplicated().any()
    assert pd.isna(table["parent_code"].tolist()[0])


def test_index_table_lists_every_index_with_labels_and_roles():
    table = index_table(Q).set_index("index")
    assert list(table.index) == list(Q.indices)
    assert table.loc["cap_governance", "roles"] == "manager specialist"
    assert table.loc["maturity", "label_en"] == "Digital maturity"
    assert table.loc["comp_safety", "items_employee"] == len(Q.category("comp_safety").items)
    # Per role: the maturity index averages 5 items for employees, more for the others.
    maturity = table.loc["maturity"]
    assert maturity["items_employee"] == 5 and maturity["items_manager"] > 5
    assert pd.isna(table.loc["cap_governance", "items_employee"])
    assert (table["label_sv"] != "").all() and (table["label_en"] != "").all()


def test_descriptor_describes_only_files_written_and_every_column():
    desc = descriptor(
        ["aggregates.csv", "units.csv"], round_name="Mognad 2025", year=2025, created=WHEN,
        k=5, questionnaire_id=Q.id, questionnaire_version=Q.version, compare_round=None,
        title=Q.title,
    )  # fmt: skip
    assert [r["path"] for r in desc["resources"]] == ["aggregates.csv", "units.csv"]
    assert desc["created"] == "2025-11-30T16:00:00Z" and desc["licenses"][0]["name"] == "CC0-1.0"
    for resource in RESOURCES:
        for f in resource.fields:
            assert f.en and f.sv, (resource.name, f.name)


def test_workbook_is_typed_neutralised_and_the_same_bytes_every_time():
    df = pd.DataFrame(
        {
            "unit_name": ['=HYPERLINK("x")', "Skola"],
            "n": pd.array([12, None], dtype="Int64"),
            "score": [-0.5, np.nan],
            "suppressed": [False, True],
        }
    )
    fields = next(r.fields for r in RESOURCES if r.name == "aggregates")
    first = workbook_bytes(df, "aggregates", fields, WHEN)
    assert workbook_bytes(df, "aggregates", fields, WHEN) == first
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        assert {i.date_time for i in z.infolist()} == {(2025, 11, 30, 16, 0, 0)}
    wb = load_workbook(io.BytesIO(first))
    assert wb.sheetnames == ["aggregates", DICTIONARY_SHEET]
    ws = wb["aggregates"]
    assert [c.value for c in ws[1]] == list(df.columns)
    assert ws["A2"].data_type == "s" and ws["A2"].value == '\'=HYPERLINK("x")'
    assert ws["B2"].value == 12 and ws["C2"].value == -0.5 and ws["D3"].value is True
    assert ws["B3"].value is None and ws["C3"].value is None
    described = [row[0] for row in wb[DICTIONARY_SHEET].iter_rows(min_row=2, values_only=True)]
    assert described == [f.name for f in fields]
    assert wb.properties.created == wb.properties.modified == WHEN.replace(tzinfo=None)


TREE = {"C": None, "A": "C", "A1": "A", "A2": "A", "B": "C", "B1": "B", "B2": "B"}


def test_coarsening_merges_small_units_upward():
    labels = coarsen_units(TREE, {"A1": 10, "A2": 2, "B1": 5, "B2": 5, "C": 0}, k=5)
    # A2's two are too few; A's subtree has 12, so they stay in A, which takes its smallest
    # standing sub-group (A1) to reach k rather than pass them on to C.
    assert labels["A1"] == labels["A2"] == labels["A"] == "A"
    assert labels["B1"] == "B1" and labels["B2"] == "B2" and labels["B"] == "B"
    labels = coarsen_units(TREE, {"A1": 10, "A2": 2, "B1": 5, "B2": 5, "C": 1}, k=5)
    # C's own one is below k with nothing left over below: C takes its smallest standing
    # sub-group (A with 12, B1 and B2 with 5 each; B1 and B2 tie, code order picks B1).
    assert labels["A2"] == labels["A"] == "A" and labels["B1"] == labels["B"] == "C"
    assert labels["B2"] == "B2"
    with pytest.raises(ValueError, match="fewer than the minimum group size 5"):
        coarsen_units(TREE, {"A1": 2, "B2": 1}, k=5)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 12), min_size=7, max_size=7), st.integers(3, 8))
def test_no_exported_unit_has_fewer_than_k(sizes, k):
    counts = dict(zip(TREE, sizes, strict=True))
    if 0 < sum(sizes) < k:
        with pytest.raises(ValueError):
            coarsen_units(TREE, counts, k)
        return
    labels = coarsen_units(TREE, counts, k)
    per_label: dict[str, int] = {}
    for unit, n in counts.items():
        per_label[labels[unit]] = per_label.get(labels[unit], 0) + n
        chain, u = [], unit
        while u is not None:
            chain.append(u)
            u = TREE[u]
        assert labels[unit] in chain  # a unit goes to itself or an ancestor, never sideways
    assert all(n == 0 or n >= k for n in per_label.values())


def test_export_rows_are_sorted_and_text_is_neutralised():
    responses = pd.DataFrame(
        {
            "response": ["z", "a", "m"],
            "unit": ["=U", "=U", "=U"],
            "role": ["manager", "employee", "employee"],
        }
    )
    item = next(iter(Q.items))
    answers = pd.DataFrame({"response": ["z", "a", "m"], "item": [item] * 3, "value": [3, None, 1]})
    frame = export_frame(answers, responses, Q, {"=U": "=U"}, ["=U"])
    assert frame["role"].tolist() == ["employee", "employee", "manager"]
    assert frame[item].tolist() == [1, DONT_KNOW_CODE, 3]  # sorted by answer, "vet ej" coded
    text = export_bytes(frame, "csv", Q, WHEN).decode("utf-8")
    assert text.splitlines()[1].startswith("'=U,employee,")
    wb = load_workbook(io.BytesIO(export_bytes(frame, "xlsx", Q, WHEN)))
    values = [c.value for row in wb.worksheets[0].iter_rows(min_row=2) for c in row[:2]]
    assert not any(str(v).startswith(FORMULA_STARTS) for v in values)


def test_fieldwork_table_publishes_counts_of_people_only():
    rows = [
        {"unit_code": "C", "unit_name": "Staden", "headcount": 40, "invited": 30, "completed": 12,
         "responses": 12, "over_headcount": False},
        {"unit_code": "A", "unit_name": "Liten", "headcount": 3, "invited": 0, "completed": 0,
         "responses": 0, "over_headcount": False},
        {"unit_code": "O", "unit_name": "Öppen", "headcount": None, "invited": None,
         "completed": None, "responses": 7, "over_headcount": False},
    ]  # fmt: skip
    table = fieldwork_table(rows, "R")
    assert list(table.columns) == [
        "round", "unit_code", "unit_name", "headcount", "invited", "completed", "response_rate",
    ]  # fmt: skip
    assert table["unit_code"].tolist() == ["C"] and table["headcount"].tolist() == [40]
    assert table["response_rate"].tolist() == [pytest.approx(0.4)]
