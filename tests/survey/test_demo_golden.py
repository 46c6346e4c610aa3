"""Golden check: the demo city and its reports stay byte-identical through restructures.

Response ids are random (they must not reveal the order of answering), and the report's scan
visits responses in id order, so float sums — and the last digits of p-values — differ between
two loads of the same demo. The test replaces the id source with a counter; everything else is
the ordinary ``mognad demo`` and ``mognad report`` path. The hashes were taken before the tree
walks and the synthetic city moved into ``analysis/``; a change here means the demo's data or
the report's arithmetic changed, which a restructure must not do.

Changed on purpose once since: cells that do not apply to a role (employees × strategic
categories) stopped being rows of the aggregates, and reliability.csv gained its
``alpha_below_070`` column; every remaining row and figure stayed the same.

Changed on purpose again with k-anonymous storage (closing a round stores each (unit, role)
group below k under the nearest unit whose subtree holds k of that role): every role cell shown
before and after keeps its n and figures, but a unit's ``all`` cell no longer counts the small
role groups stored above it, cells hidden only to protect such groups now show, and every
comparison and adjusted p-value moves with them. ``test_demo_tables_against_the_old_rules``
checks what stays, row by row, against ``tests/golden`` (the tables before the change).

Responses now exist only from the close (imports wait in the ballot box, the close turns them
into responses): with the shuffle kept in order, every table stays byte for byte the same.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import itertools
import types
from pathlib import Path

import pytest

GOLDEN_TABLES = Path(__file__).resolve().parent.parent / "golden"

GOLDEN = {
    ("Mognad 2024", None): {
        "aggregates.csv": "0dcb6a52fca8df7eb8799135ca6574dda64dec479333ce8980bae6a6755c5295",
        "aggregates.json": "88cd059c0542739891427ef4ef5177f07800d3372662a4c854e8e1c6d974cf4a",
        "reliability.csv": "2932e62a4bc7dab6a9b6f7b3b819a27db5a8e748f36b6f8f935da778351202fe",
    },
    ("Mognad 2025", None): {
        "aggregates.csv": "e9ebb690dcd81c61038e6e228286476ed05a53d0fd9ff1068bebc42cfeaa09e6",
        "aggregates.json": "e774677eefb1164ea93e4da7c2d5979dbd3a112cc9aa23aec13567544a5532e6",
        "reliability.csv": "bb8239f8f4287a434a3776e94b85901c51bc087703e71cd4ca61895e1d50967b",
    },
    ("Mognad 2026", "Mognad 2025"): {
        "aggregates.csv": "51170946548d9b805630fcd5a01378451008bd0b13390e781aa91bd1f347f188",
        "aggregates.json": "65244a59cbed2bf2d3f952cc0866b3f4025844d8464f61fbbc8804aaa9e4d5ec",
        "reliability.csv": "f3ced09baaa64479f40d58a85bd17891f835e74057649a4f9f24319de1eb4db1",
    },
    ("Mognad 2026", "Mognad 2024"): {
        "aggregates.csv": "edbf2ab178a54706fac2bf67d6b0592b193aec3b9dc52a29c17d6b25a15d3de6",
        "aggregates.json": "891d467d00a5da948aeee38eedd32526594448d7409767ca3c3618d3981c7887",
        "reliability.csv": "f3ced09baaa64479f40d58a85bd17891f835e74057649a4f9f24319de1eb4db1",
    },
}

REPORTS = (
    ("Mognad 2024", None),
    ("Mognad 2025", None),
    ("Mognad 2026", "Mognad 2025"),
    ("Mognad 2026", "Mognad 2024"),
)


def _counter_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    import survey.models.responses as responses

    counter = itertools.count(1)
    fake = types.SimpleNamespace(token_hex=lambda n=16: f"{next(counter):0{2 * n}x}")
    monkeypatch.setattr(responses, "secrets", fake)
    # Responses are made at close from the ballots in a cryptographically shuffled order; the
    # golden tables were made in import order, so the shuffle keeps the order here.
    import survey.services.closing as closing

    monkeypatch.setattr(closing, "_shuffle", lambda rows: None)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def demo_report_hashes(runner, tmp_path: Path) -> dict:
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    # The demo leaves 2026 open for its links; results exist only for closed rounds.
    result = runner.invoke(args=["round", "close", "Mognad 2026"])
    assert result.exit_code == 0, result.output
    out = {}
    for name, compare in REPORTS:
        folder = tmp_path / f"{name}-{compare}".replace(" ", "_")
        args = ["report", name, "--out", str(folder), "--format", "csv,json"]
        if compare:
            args += ["--compare-to", compare]
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        out[(name, compare)] = {
            f: _sha(folder / f) for f in ("aggregates.csv", "aggregates.json", "reliability.csv")
        }
    return out


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_demo_reports_are_byte_identical(runner, tmp_path, monkeypatch):
    _counter_ids(monkeypatch)
    assert demo_report_hashes(runner, tmp_path) == GOLDEN


def _table(path: Path, key: tuple[str, ...]) -> dict[tuple[str, ...], dict[str, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as fh:  # type: ignore[operator]
        return {tuple(r[c] for c in key): r for r in csv.DictReader(fh)}


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_demo_tables_against_the_old_rules(runner, tmp_path, monkeypatch):
    """Row by row against the tables before k-anonymous storage and counts that follow k.

    Kept: every row; every role cell shown before and after, with its n and score; the
    organisation's totals; reliability. Changed on purpose: fieldwork counts of hidden groups
    are held back (only ever newly empty), and a unit's ``all`` cell may lose a role group
    below k that is now stored above it (never gains one).
    """
    _counter_ids(monkeypatch)
    demo_report_hashes(runner, tmp_path)
    for name, compare in REPORTS:
        folder = tmp_path / f"{name}-{compare}".replace(" ", "_")
        stem = f"{name[-4:]}-{compare[-4:] if compare else None}"
        key = ("unit_code", "role", "index")
        old = _table(GOLDEN_TABLES / f"{stem}-aggregates.csv.gz", key)
        new = _table(folder / "aggregates.csv", key)
        assert old.keys() == new.keys()
        for cell, was in old.items():
            now = new[cell]
            shown = was["suppressed"] == now["suppressed"] == "false"
            if shown and (cell[1] != "all" or was["unit_level"] == "0"):
                assert (now["n"], now["score"], now["sd"]) == (was["n"], was["score"], was["sd"])
            if shown and cell[1] == "all":
                assert int(now["n"]) <= int(was["n"])
        key = ("unit_code", "role", "category")
        old_gaps = _table(GOLDEN_TABLES / f"{stem}-gaps.csv.gz", key)
        new_gaps = _table(folder / "gaps.csv", key)
        assert old_gaps.keys() == new_gaps.keys()
        figures = ("n", "mean_level", "gap", "share_below")
        for cell, was in old_gaps.items():
            now = new_gaps[cell]
            if was["suppressed"] == now["suppressed"] == "false":  # ranks may move, not figures
                assert [now[c] for c in figures] == [was[c] for c in figures]
        old_rel = _table(GOLDEN_TABLES / f"{stem}-reliability.csv.gz", ("category",))
        assert _table(folder / "reliability.csv", ("category",)) == old_rel
        old_fw = _table(GOLDEN_TABLES / f"{stem}-fieldwork.csv.gz", ("unit_code",))
        new_fw = _table(folder / "fieldwork.csv", ("unit_code",))
        assert old_fw.keys() == new_fw.keys()
        for unit, row in new_fw.items():
            assert row["invited"] == old_fw[unit]["invited"]
            assert row["completed"] in ("", old_fw[unit]["completed"])
