"""Golden check: the demo city and its reports stay byte-identical through restructures.

Response ids are random (they must not reveal the order of answering), and the report's scan
visits responses in id order, so float sums — and the last digits of p-values — differ between
two loads of the same demo. The test replaces the id source with a counter; everything else is
the ordinary ``mognad demo`` and ``mognad report`` path. The hashes were taken before the tree
walks and the synthetic city moved into ``analysis/``; a change here means the demo's data or
the report's arithmetic changed, which a restructure must not do.

Changed on purpose since: cells that do not apply to a role (employees × strategic
categories) stopped being rows of the aggregates, and reliability.csv gained its
``alpha_below_070`` column; every remaining row and figure stayed the same. Then the joint
disclosure rule (``analysis.disclosure``) hid more cells and comparisons and added the
``hidden_reason`` column; :func:`compare_with_golden` checks, against the tables published
before it (``tests/golden``), that every row is the same or newly hidden.
"""

from __future__ import annotations

import hashlib
import itertools
import types
from pathlib import Path

import pandas as pd
import pytest

GOLDEN = {
    ("Mognad 2024", None): {
        "aggregates.csv": "6d1b9a57c1116ce6ffdd3f99c36fb4281b2f69d1283c18b95a9801839a2a7ecf",
        "aggregates.json": "ec8e047dff6fa3bafac9f18e426e3040d890cf8978f49bb01f41c56f4f947213",
        "reliability.csv": "2932e62a4bc7dab6a9b6f7b3b819a27db5a8e748f36b6f8f935da778351202fe",
    },
    ("Mognad 2025", None): {
        "aggregates.csv": "ec38b0c5486eb17193671265c8d5b6d708097582174e4513490f1f3b8287dd29",
        "aggregates.json": "f6c1ef912406162d1d172381d9fb0c0f561b3cd84cf84220c0a02957bf77ee81",
        "reliability.csv": "bb8239f8f4287a434a3776e94b85901c51bc087703e71cd4ca61895e1d50967b",
    },
    ("Mognad 2026", "Mognad 2025"): {
        "aggregates.csv": "4b4f124c1af538ddd26fe2db1efa4a3fe50c5a8b94172394723cb47fbc9668c0",
        "aggregates.json": "b8c3f697344ce64038c688491fa1ff6f2050f6780764e55fe940709c4106fdf0",
        "reliability.csv": "f3ced09baaa64479f40d58a85bd17891f835e74057649a4f9f24319de1eb4db1",
    },
    ("Mognad 2026", "Mognad 2024"): {
        "aggregates.csv": "86c52eea2c99124536e56b25371acc109f3ebf9164b5abffec453731bfca0816",
        "aggregates.json": "6b37ec03b2e23835eed44f979e0720d60d74de20e82e68c78697e16f91ed3f66",
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


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def demo_reports(runner, tmp_path: Path) -> dict[tuple[str, str | None], Path]:
    """Load the demo, close 2026 and write each report's CSV package; their folders."""
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
        out[(name, compare)] = folder
    return out


def hashes(folders: dict[tuple[str, str | None], Path]) -> dict:
    return {
        report: {
            f: _sha(folder / f) for f in ("aggregates.csv", "aggregates.json", "reliability.csv")
        }
        for report, folder in folders.items()
    }


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_demo_reports_are_byte_identical(runner, tmp_path, monkeypatch):
    _counter_ids(monkeypatch)
    folders = demo_reports(runner, tmp_path)
    newly, renumbered = compare_with_golden(folders)
    assert hashes(folders) == GOLDEN
    assert newly == NEWLY_SUPPRESSED
    assert renumbered == RENUMBERED_ROWS


# -- row by row against the tables published on the rules before the joint disclosure rule --

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden"
#: Each table's key and the columns a newly hidden row empties (figures) or may change
#: because they say it is hidden (flags); every other column must stay the same.
TABLES: dict[str, tuple[list[str], list[str], list[str]]] = {
    "aggregates": (
        ["unit_code", "role", "index"],
        ["n", "score", "sd", "ci_low", "ci_high", "compare_n", "compare_score", "delta",
         "delta_ci_low", "delta_ci_high", "p_value", "p_adjusted", "effect_size"],
        ["change", "suppressed"],
    ),
    "gaps": (
        ["unit_code", "role", "category"],
        ["n", "mean_level", "gap", "share_below", "rank"],
        ["suppressed"],
    ),
    "reliability": (["category"], [], []),
    "fieldwork": (["unit_code"], [], []),
}  # fmt: skip
#: Rows newly hidden (some figures emptied, none changed) per golden file.
NEWLY_SUPPRESSED: dict[str, int] = {
    "2024-None-aggregates.csv.gz": 914,
    "2024-None-gaps.csv.gz": 179,
    "2024-None-reliability.csv.gz": 0,
    "2024-None-fieldwork.csv.gz": 0,
    "2025-None-aggregates.csv.gz": 1278,
    "2025-None-gaps.csv.gz": 186,
    "2025-None-reliability.csv.gz": 0,
    "2025-None-fieldwork.csv.gz": 0,
    "2026-2025-aggregates.csv.gz": 1313,
    "2026-2025-gaps.csv.gz": 195,
    "2026-2025-reliability.csv.gz": 0,
    "2026-2025-fieldwork.csv.gz": 0,
    "2026-2024-aggregates.csv.gz": 1381,
    "2026-2024-gaps.csv.gz": 195,
    "2026-2024-reliability.csv.gz": 0,
    "2026-2024-fieldwork.csv.gz": 0,
}
#: p-values adjusted over the comparable rows change when fewer rows are comparable (so may
#: ``change``, which reads them), and gap ranks when fewer gaps are shown: a row whose only
#: difference is one of these is counted here, not as hidden.
RENUMBERED = {"p_adjusted", "change", "rank"}
RENUMBERED_ROWS: dict[str, int] = {
    "2024-None-aggregates.csv.gz": 0,
    "2024-None-gaps.csv.gz": 129,
    "2024-None-reliability.csv.gz": 0,
    "2024-None-fieldwork.csv.gz": 0,
    "2025-None-aggregates.csv.gz": 1582,
    "2025-None-gaps.csv.gz": 212,
    "2025-None-reliability.csv.gz": 0,
    "2025-None-fieldwork.csv.gz": 0,
    "2026-2025-aggregates.csv.gz": 1338,
    "2026-2025-gaps.csv.gz": 231,
    "2026-2025-reliability.csv.gz": 0,
    "2026-2025-fieldwork.csv.gz": 0,
    "2026-2024-aggregates.csv.gz": 1629,
    "2026-2024-gaps.csv.gz": 231,
    "2026-2024-reliability.csv.gz": 0,
    "2026-2024-fieldwork.csv.gz": 0,
}


def compare_with_golden(
    folders: dict[tuple[str, str | None], Path],
) -> tuple[dict[str, int], dict[str, int]]:
    """Check every row of today's tables is identical to the golden one or newly hidden
    (figures emptied, none changed); return per file the number of newly hidden rows and of
    rows whose only difference is in :data:`RENUMBERED`."""
    counts: dict[str, int] = {}
    renumbered: dict[str, int] = {}
    for (name, compare), folder in folders.items():
        year = name.split()[-1]
        other = compare.split()[-1] if compare else None
        for table, (key, figures, flags) in TABLES.items():
            golden_path = GOLDEN_DIR / f"{year}-{other}-{table}.csv.gz"
            if not golden_path.exists() or not (folder / f"{table}.csv").exists():
                continue
            old = pd.read_csv(golden_path, keep_default_na=False, dtype=str).set_index(key)
            new = pd.read_csv(folder / f"{table}.csv", keep_default_na=False, dtype=str)
            new = new.set_index(key)
            assert sorted(old.index) == sorted(new.index), f"{golden_path.name}: rows differ"
            new = new.loc[old.index]
            newly = moved = 0
            for at, was in old.iterrows():
                now = new.loc[at]
                differs = [c for c in old.columns if was[c] != now[c]]
                if not differs:
                    continue
                emptied = [c for c in differs if c in figures and now[c] == ""]
                changed = [
                    c for c in differs
                    if c not in emptied and c not in flags and c not in RENUMBERED
                ]  # fmt: skip
                assert not changed, f"{golden_path.name} {at}: {changed} changed, not hidden"
                if emptied:
                    newly += 1
                elif set(differs) & RENUMBERED:
                    moved += 1
            counts[golden_path.name] = newly
            renumbered[golden_path.name] = moved
    return counts, renumbered
