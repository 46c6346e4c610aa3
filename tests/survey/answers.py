"""Answer files for tests: every employee item answered, one row per respondent."""

from __future__ import annotations

import csv
from pathlib import Path

from analysis.instruments import load_questionnaire
from tests.support.factory import QUESTIONNAIRE


def answer_rows(sizes: dict[str, int], step: int = 1) -> list[list[object]]:
    """``sizes[unit]`` employee rows per unit; answers vary by row so SDs are not zero."""
    q = load_questionnaire(QUESTIONNAIRE)
    items = [i.id for i in q.items_for("employee")]
    rows: list[list[object]] = [["unit_code", "role", *items]]
    n = 0
    for unit, size in sizes.items():
        for _ in range(size):
            n += 1
            row: list[object] = [unit, "employee"]
            for item_id in items:
                scale = q.items[item_id][1].scale
                row.append(scale.min + (n * step) % (scale.max - scale.min + 1))
            rows.append(row)
    return rows


def write_rows(path: Path, rows: list[list[object]]) -> Path:
    """Write rows with the csv module (values may hold commas and quotes)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path
