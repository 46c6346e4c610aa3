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
``hidden_reason`` column, and k-anonymous storage moved small (unit, role) groups up the tree
at close (the cells that move changes are hidden, ``Round.moved_cells``; cells hidden only to
protect such a group may now show). Then composites were hidden where 1 … k − 1 of their
respondents lack one of the composite's categories (``analysis.disclosure``, partial
respondents): about 220 more composite cells of 3,149 in 2026. :func:`compare_with_golden`
checks, against the tables published before both (``tests/golden``), that every row is the
same, newly hidden or newly shown: no figure shown in both changed.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import types
from pathlib import Path

import pandas as pd
import pytest

GOLDEN = {
    ("Mognad 2024", None): {
        "aggregates.csv": "c7e379306b0db56944bbe70fafdd60f26b7542039bf40884ac30093ca9a39d3f",
        "aggregates.json": "d3e413527e2fea03980208236091c69c6b5ffd411948aa200aa005ca1f9fb8e7",
        "reliability.csv": "2932e62a4bc7dab6a9b6f7b3b819a27db5a8e748f36b6f8f935da778351202fe",
    },
    ("Mognad 2025", None): {
        "aggregates.csv": "7120e931f2af39e137f71ac3f7248eb953ebed76156d5afa4cbe24d2ff9403b7",
        "aggregates.json": "888bef34d4b8492bc27b4deca3df73a456e6450b8dd64acdd8d10c54024c5d45",
        "reliability.csv": "bb8239f8f4287a434a3776e94b85901c51bc087703e71cd4ca61895e1d50967b",
    },
    ("Mognad 2026", "Mognad 2025"): {
        "aggregates.csv": "6af4d513922296bd15060ee66608bc36c13288fdd5b709d2d00379c4182fe1c2",
        "aggregates.json": "192b5409de96bbb455c6ad6009d801107496b35113ef0bf84582d24bab1b9005",
        "reliability.csv": "f3ced09baaa64479f40d58a85bd17891f835e74057649a4f9f24319de1eb4db1",
    },
    ("Mognad 2026", "Mognad 2024"): {
        "aggregates.csv": "659e01d1dad660149fe769825f8b955b1d8d9c719404b087510b8132c3840006",
        "aggregates.json": "324b2153ff74139a2c2f999131d86a73b5cb170b6b0a90b58fd5339f3290bcd0",
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
    newly, shown, renumbered = compare_with_golden(folders)
    assert hashes(folders) == GOLDEN
    assert newly == NEWLY_SUPPRESSED
    assert shown == NEWLY_SHOWN
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
    "reliability": (["category"], ["n", "alpha", "ci_low", "ci_high"], ["alpha_below_070"]),
    "fieldwork": (["unit_code"], ["completed", "response_rate"], []),
}  # fmt: skip
#: Rows newly hidden (some figures emptied, none changed) per golden file.
NEWLY_SUPPRESSED: dict[str, int] = {
    "2024-None-aggregates.csv.gz": 1161,
    "2024-None-gaps.csv.gz": 179,
    "2024-None-reliability.csv.gz": 0,
    "2024-None-fieldwork.csv.gz": 3,
    "2025-None-aggregates.csv.gz": 1501,
    "2025-None-gaps.csv.gz": 149,
    "2025-None-reliability.csv.gz": 0,
    "2025-None-fieldwork.csv.gz": 3,
    "2026-2025-aggregates.csv.gz": 1517,
    "2026-2025-gaps.csv.gz": 183,
    "2026-2025-reliability.csv.gz": 0,
    "2026-2025-fieldwork.csv.gz": 3,
    "2026-2024-aggregates.csv.gz": 1602,
    "2026-2024-gaps.csv.gz": 183,
    "2026-2024-reliability.csv.gz": 0,
    "2026-2024-fieldwork.csv.gz": 3,
}
#: Rows newly shown (figures the old rule hid, none changed) per golden file.
NEWLY_SHOWN: dict[str, int] = {
    "2024-None-aggregates.csv.gz": 160,
    "2024-None-gaps.csv.gz": 56,
    "2024-None-reliability.csv.gz": 0,
    "2024-None-fieldwork.csv.gz": 0,
    "2025-None-aggregates.csv.gz": 274,
    "2025-None-gaps.csv.gz": 96,
    "2025-None-reliability.csv.gz": 0,
    "2025-None-fieldwork.csv.gz": 0,
    "2026-2025-aggregates.csv.gz": 263,
    "2026-2025-gaps.csv.gz": 54,
    "2026-2025-reliability.csv.gz": 0,
    "2026-2025-fieldwork.csv.gz": 0,
    "2026-2024-aggregates.csv.gz": 201,
    "2026-2024-gaps.csv.gz": 54,
    "2026-2024-reliability.csv.gz": 0,
    "2026-2024-fieldwork.csv.gz": 0,
}
#: p-values adjusted over the comparable rows change when fewer rows are comparable (so may
#: ``change``, which reads them), and gap ranks when fewer gaps are shown: a row whose only
#: difference is one of these is counted here, not as hidden.
RENUMBERED = {"p_adjusted", "change", "rank"}
RENUMBERED_ROWS: dict[str, int] = {
    "2024-None-aggregates.csv.gz": 0,
    "2024-None-gaps.csv.gz": 201,
    "2024-None-reliability.csv.gz": 0,
    "2024-None-fieldwork.csv.gz": 0,
    "2025-None-aggregates.csv.gz": 1355,
    "2025-None-gaps.csv.gz": 295,
    "2025-None-reliability.csv.gz": 0,
    "2025-None-fieldwork.csv.gz": 0,
    "2026-2025-aggregates.csv.gz": 1158,
    "2026-2025-gaps.csv.gz": 254,
    "2026-2025-reliability.csv.gz": 0,
    "2026-2025-fieldwork.csv.gz": 0,
    "2026-2024-aggregates.csv.gz": 1390,
    "2026-2024-gaps.csv.gz": 254,
    "2026-2024-reliability.csv.gz": 0,
    "2026-2024-fieldwork.csv.gz": 0,
}


def _differ(was: str, now: str) -> bool:
    """Text differs, or numbers differ beyond float summation order: a group stored one unit
    higher is summed in another order, which moves the last digits of a p-value printed in
    full, not the figure."""
    if was == now:
        return False
    try:
        return not math.isclose(float(was), float(now), rel_tol=1e-9, abs_tol=1e-12)
    except ValueError:
        return True


def compare_with_golden(
    folders: dict[tuple[str, str | None], Path],
) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """Check every row of today's tables is identical to the golden one, newly hidden
    (figures emptied, none changed) or newly shown (figures the old rule hid, none changed);
    return per file the number of newly hidden rows, of newly shown rows and of rows whose
    only difference is in :data:`RENUMBERED`.

    Newly shown rows come from k-anonymous storage: a cell hidden only to protect a small
    group that is now stored above it no longer needs hiding. Cells whose stored respondents
    changed are hidden (``Round.moved_cells``), so no shown figure changes."""
    counts: dict[str, int] = {}
    filled_rows: dict[str, int] = {}
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
            newly = filled = moved = 0
            for at, was in old.iterrows():
                now = new.loc[at]
                differs = [c for c in old.columns if _differ(was[c], now[c])]
                if not differs:
                    continue
                emptied = [c for c in differs if c in figures and now[c] == ""]
                revealed = [c for c in differs if c in figures and was[c] == ""]
                changed = [
                    c for c in differs
                    if c not in emptied + revealed and c not in flags and c not in RENUMBERED
                ]  # fmt: skip
                assert not changed, f"{golden_path.name} {at}: {changed} changed, not hidden"
                if emptied:
                    newly += 1
                elif revealed:
                    filled += 1
                elif set(differs) & RENUMBERED:
                    moved += 1
            counts[golden_path.name] = newly
            filled_rows[golden_path.name] = filled
            renumbered[golden_path.name] = moved
    return counts, filled_rows, renumbered
