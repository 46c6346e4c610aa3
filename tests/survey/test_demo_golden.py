"""Golden check: the demo city and its reports stay byte-identical through restructures.

Response ids are random (they must not reveal the order of answering), and the report's scan
visits responses in id order, so float sums — and the last digits of p-values — differ between
two loads of the same demo. The test replaces the id source with a counter; everything else is
the ordinary ``mognad demo`` and ``mognad report`` path. A change here means the demo's data or
the report's arithmetic changed, which a restructure must not do.

The tables (``tests/golden``) were last taken (``MOGNAD_WRITE_GOLDEN=1``) when the demo began to
tell a story (units keep their level through reorganisations, planted effects, everyone
invited) and the figures gained their meaning: test families with a minimum n, α per role,
response columns, composites hidden for partial respondents of small groups; they were taken
again when the instrument gained plan areas (the aggregates gained the area rows, family
``plan_area``; every other row of every table stayed as it was). Before that the
tables were those of the rules before the joint disclosure rule, and this test showed, row by
row, that the joint rule and k-anonymous storage only hid or newly showed figures and changed
none (2026 against 2025: 1,296 rows newly hidden, 300 newly shown). :func:`compare_with_golden`
keeps that check for the next change of the rules: every row the same, newly hidden or newly
shown, with the counts declared below.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import math
import os
import shutil
import types
from pathlib import Path

import pandas as pd
import pytest

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden"
#: sha256 of each report's files, as the golden tables were taken (``MOGNAD_WRITE_GOLDEN=1``).
GOLDEN = {
    (name, compare): files
    for name, compare, files in json.loads((GOLDEN_DIR / "hashes.json").read_text())
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
    if os.environ.get("MOGNAD_WRITE_GOLDEN") == "1":
        write_golden(folders)
    newly, shown, renumbered = compare_with_golden(folders)
    assert hashes(folders) == GOLDEN
    assert {f: n for f, n in newly.items() if n} == NEWLY_SUPPRESSED
    assert {f: n for f, n in shown.items() if n} == NEWLY_SHOWN
    assert {f: n for f, n in renumbered.items() if n} == RENUMBERED_ROWS


def write_golden(folders: dict[tuple[str, str | None], Path]) -> None:
    """Take the golden tables and hashes anew (a maintainer's step when the demo or the
    published arithmetic changes on purpose; say why in this module's docstring)."""
    for (name, compare), folder in folders.items():
        year, other = name.split()[-1], compare.split()[-1] if compare else None
        for table in TABLES:
            source = folder / f"{table}.csv"
            target = GOLDEN_DIR / f"{year}-{other}-{table}.csv.gz"
            with source.open("rb") as raw, gzip.GzipFile(target, "wb", mtime=0) as packed:
                shutil.copyfileobj(raw, packed)
    listed = [[name, compare, files] for (name, compare), files in hashes(folders).items()]
    (GOLDEN_DIR / "hashes.json").write_text(json.dumps(listed, indent=1) + "\n")


# -- row by row against the golden tables --

#: Each table's key and the columns a newly hidden row empties (figures) or may change
#: because they say it is hidden (flags); every other column must stay the same.
TABLES: dict[str, tuple[list[str], list[str], list[str]]] = {
    "aggregates": (
        ["unit_code", "role", "index"],
        ["n", "score", "sd", "ci_low", "ci_high", "compare_n", "compare_score", "delta",
         "delta_ci_low", "delta_ci_high", "p_value", "p_adjusted", "effect_size", "response_rate",
         "dont_know_share"],
        ["change", "suppressed", "hidden_reason"],
    ),
    "gaps": (
        ["unit_code", "role", "category"],
        ["n", "mean_level", "gap", "share_below", "rank"],
        ["suppressed"],
    ),
    "reliability": (
        ["category", "role"], ["n", "alpha", "ci_low", "ci_high"], ["alpha_below_070", "imprecise"]
    ),
    "fieldwork": (["unit_code"], ["completed", "response_rate"], []),
}  # fmt: skip
#: Rows newly hidden (some figures emptied, none changed) per golden file.
NEWLY_SUPPRESSED: dict[str, int] = {}  # none since the tables were last taken
#: Rows newly shown (figures the old rule hid, none changed) per golden file.
NEWLY_SHOWN: dict[str, int] = {}  # none since the tables were last taken
#: p-values adjusted over the comparable rows change when fewer rows are comparable (so may
#: ``change``, which reads them), and gap ranks when fewer gaps are shown: a row whose only
#: difference is one of these is counted here, not as hidden.
RENUMBERED = {"p_adjusted", "change", "rank"}
RENUMBERED_ROWS: dict[str, int] = {}  # none since the tables were last taken


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
