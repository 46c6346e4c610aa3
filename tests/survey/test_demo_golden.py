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

Responses now exist only from the close (imports wait in the ballot box, the close turns them
into responses): with the shuffle kept in order, every table stays byte for byte the same.
"""

from __future__ import annotations

import hashlib
import itertools
import types
from pathlib import Path

import pytest

GOLDEN = {
    ("Mognad 2024", None): {
        "aggregates.csv": "ceb720e8f3e1cb416754d729ea5e580e55c66aea16c994550a2f1fabe46dd84c",
        "aggregates.json": "0d4ff39a48a9c5a3405f5c6ad22f7da3c6fe0dcdea6bf01444d725a7c967594d",
        "reliability.csv": "2932e62a4bc7dab6a9b6f7b3b819a27db5a8e748f36b6f8f935da778351202fe",
    },
    ("Mognad 2025", None): {
        "aggregates.csv": "b69416862e16e6c80775f487d9de0f10ec03a447a4a5f1f8e96bbd36773688d0",
        "aggregates.json": "53996adea218a74d336aaf20532630acb30baf6d008bacfd4c5ab4293b7897bf",
        "reliability.csv": "bb8239f8f4287a434a3776e94b85901c51bc087703e71cd4ca61895e1d50967b",
    },
    ("Mognad 2026", "Mognad 2025"): {
        "aggregates.csv": "bc383e0ae4db5f3cbae715025e07092f6f58afeb03488f9979577750646b783c",
        "aggregates.json": "4944afeffbc3670c938e5c2238fadf5fd0bd49ae093751803662ec1191d77394",
        "reliability.csv": "f3ced09baaa64479f40d58a85bd17891f835e74057649a4f9f24319de1eb4db1",
    },
    ("Mognad 2026", "Mognad 2024"): {
        "aggregates.csv": "79145d73631bdb8e37659c52cdde7ac0d61886ce5005e94596309641ec0ad45a",
        "aggregates.json": "1b40ae6e2cdbad1a11dbcd86b29caca98cd918243d260c3e765cff17a7b44fb0",
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
