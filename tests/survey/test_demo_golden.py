"""Golden check: the demo city and its reports stay byte-identical through restructures.

Response ids are random (they must not reveal the order of answering), and the report's scan
visits responses in id order, so float sums — and the last digits of p-values — differ between
two loads of the same demo. The test replaces the id source with a counter; everything else is
the ordinary ``mognad demo`` and ``mognad report`` path. The hashes were taken before the tree
walks and the synthetic city moved into ``analysis/``; a change here means the demo's data or
the report's arithmetic changed, which a restructure must not do.
"""

from __future__ import annotations

import hashlib
import itertools
import types
from pathlib import Path

import pytest

GOLDEN = {
    ("Mognad 2024", None): {
        "aggregates.csv": "a6765f140a9ae60ec90fbd221148002c69592719630bb9a52d4ecdc7f4b9b93d",
        "aggregates.json": "0eeea5aa139d61796992c7a1a23f263bb5089c265203df803f439e6d84f282ac",
        "reliability.csv": "c12773ff42db183551a5943f553ac9bcec1cd2398c3b8e22f315902ef9912bc8",
    },
    ("Mognad 2025", None): {
        "aggregates.csv": "ae3b697f179a45d02c415f14d0c0011233fb1858682f154668f24e80d6668e5d",
        "aggregates.json": "f6fb796628e683b290ba2af1d183eb53325dc28852e8937d887b57ce15364b69",
        "reliability.csv": "47df986fd5279cbbe05fcad386974cacc27b58b475e7c6adfc9a004e0842b4fe",
    },
    ("Mognad 2026", "Mognad 2025"): {
        "aggregates.csv": "c1ab9f96d6a76a26ece6b254968c85dca2bfa43a4e654037ff674ec6fee06237",
        "aggregates.json": "ecdb8bc349b820646b650d74107b25a19f267341c650df6125baa63b2b047b83",
        "reliability.csv": "77b14f56b4a2da2854d25e3503189f3a1d32a0c35048188dc969e9d16a298da5",
    },
    ("Mognad 2026", "Mognad 2024"): {
        "aggregates.csv": "5b47f9ba044b101b96b1d0fa1e3cf964298d6c86bdce491079c55ca755e0d5ac",
        "aggregates.json": "015e891fa0226fc03fac7b21874b41240222c873a3cf49f933dc494beed901dc",
        "reliability.csv": "77b14f56b4a2da2854d25e3503189f3a1d32a0c35048188dc969e9d16a298da5",
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
