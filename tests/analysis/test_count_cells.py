"""Counts of people follow the disclosure rule: primary and complementary over tree and roles."""

from __future__ import annotations

import pandas as pd

from analysis.tables import count_cells, fieldwork_table

TREE = pd.DataFrame(
    {"unit": ["CITY", "EDU", "EDU-A", "CARE"], "parent": [None, "CITY", "EDU", "CITY"]}
)


def _cells(own: list[tuple[str, str, int]], k: int = 5) -> dict[tuple[str, str], tuple[int, bool]]:
    frame = count_cells(pd.DataFrame(own, columns=["unit", "role", "n"]), TREE, k)
    return {(u, r): (int(n), bool(s)) for u, r, n, s in frame.itertuples(index=False)}


def test_a_count_of_one_and_its_complement_are_hidden() -> None:
    cells = _cells([("EDU-A", "employee", 12), ("CARE", "employee", 1)])
    assert cells[("CARE", "all")] == (1, True)  # primary: the one person who answered
    assert cells[("CITY", "all")][0] == 13 and cells[("EDU", "all")][0] == 12
    # CITY minus EDU is CARE's 1: not both may show.
    assert cells[("CITY", "all")][1] or cells[("EDU", "all")][1]


def test_a_role_count_inside_a_shown_total_is_protected() -> None:
    cells = _cells([("EDU-A", "employee", 12), ("EDU-A", "manager", 1)])
    assert cells[("EDU-A", "manager")][1]
    # all (13) minus employees (12) would be the one manager.
    assert cells[("EDU-A", "all")][1] or cells[("EDU-A", "employee")][1]


def test_fieldwork_table_leaves_held_back_counts_empty() -> None:
    rows = [
        {"unit_code": "CITY", "unit_name": "Staden", "invited": 20, "completed": 13},
        {"unit_code": "CARE", "unit_name": "Omsorg", "invited": 1, "completed": None},
    ]
    table = fieldwork_table(rows, "R")
    assert table["completed"].isna().tolist() == [False, True]
    assert table["response_rate"].isna().tolist() == [False, True]
    assert table["invited"].tolist() == [20, 1]
