"""Another organisation's package read back as written, and every broken one refused.

The figures come from the pipeline on drawn answers (:func:`analysis.figures.figures`), are
written as this installation publishes them (:func:`analysis.opendata.write_package`) and read
by :func:`analysis.federation.read_package` as an importing installation reads them: no
database, no upload form. Until now only the federation's HTTP tests went this way.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.errors import ValidationError
from analysis.federation import DESCRIPTOR, FIGURE_COLUMNS, TABLE, read_package
from analysis.opendata import PackageMeta, write_package
from tests.analysis.test_figures_properties import Person, Q, run

TREE = pd.DataFrame(
    {
        "unit": ["U0", "U1", "U2"],
        "name": ["Staden", "Skola", "Omsorg"],
        "parent": [None, "U0", "U0"],
    }
)
OURS = {(Q.id, Q.version)}


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, bytes], pd.DataFrame]:
    """The package of a small city: eight employees and five managers in each unit."""
    rng = np.random.default_rng(11)
    people = [
        Person(unit, role, {
            item.id: int(rng.integers(cat.scale.min, cat.scale.max + 1))
            for cat in Q.categories for item in cat.items_for(role)
        })
        for unit in ("U1", "U2") for role, count in (("employee", 8), ("manager", 5))
        for _ in range(count)
    ]  # fmt: skip
    aggregates = run(TREE, people).aggregates
    meta = PackageMeta("R2025", 2026, datetime(2026, 5, 31, tzinfo=UTC), 5, Q.id, Q.version,
                       None, dict(Q.title))  # fmt: skip
    out: Path = tmp_path_factory.mktemp("package")
    write_package({"aggregates": aggregates}, out, ["csv"], meta)
    return {name: (out / name).read_bytes() for name in (DESCRIPTOR, TABLE)}, aggregates


@pytest.fixture
def files(package: tuple[dict[str, bytes], pd.DataFrame]) -> dict[str, bytes]:
    return dict(package[0])


def test_a_published_package_reads_back_its_whole_organisation_rows(files, package) -> None:
    expected = package[1]
    received = read_package(files, OURS, "https://example.org/paket")
    top = expected[expected["unit_level"] == 0][list(FIGURE_COLUMNS)].reset_index(drop=True)
    found = received.figures
    assert list(found.columns) == list(FIGURE_COLUMNS) and len(found) == len(top)
    assert (found["role"].tolist(), found["index"].tolist()) == (
        top["role"].tolist(), top["index"].tolist()
    )  # fmt: skip
    shown = ~top["suppressed"].astype(bool)
    assert shown.any()
    # The CSV holds six decimals.
    np.testing.assert_allclose(found.loc[shown, "score"], top.loc[shown, "score"], atol=5e-7)
    assert found.loc[shown, "n"].tolist() == top.loc[shown, "n"].tolist()
    p = received.provenance
    assert (p.publisher, p.round_name, p.year, p.k) == ("Staden", "R2025", 2026, 5)
    assert (p.questionnaire_id, p.questionnaire_version) == (Q.id, Q.version)
    assert read_package(files, OURS, "x", publisher=" Grannkommunen ").provenance.publisher == (
        "Grannkommunen"
    )


def _refused(files: dict[str, bytes], instruments=OURS) -> list[str]:
    with pytest.raises(ValidationError) as err:
        read_package(files, instruments, "x")
    return [str(p.reason) for p in err.value.problems]


def test_a_broken_package_is_refused_with_what_is_wrong(files) -> None:
    desc = json.loads(files[DESCRIPTOR])
    table = files[TABLE]
    assert _refused({TABLE: table}) == [f"Paketet saknar filen {DESCRIPTOR}."]
    assert _refused({DESCRIPTOR: b"{", TABLE: table}) == ["Filen är inte JSON."]
    assert _refused({DESCRIPTOR: b"[1]", TABLE: table}) == ["Filen är inte ett JSON-objekt."]
    other = _refused(files, {("annan", "1")})
    assert len(other) == 1 and "Bara samma enkät i samma version" in other[0]
    missing = {**desc, "k": 1, "round": ""}
    assert _refused({DESCRIPTOR: json.dumps(missing).encode(), TABLE: table}) == [
        "Paketet saknar uppgiften round."
    ]
    assert _refused({**files, DESCRIPTOR: json.dumps({**desc, "k": 1}).encode()}) == [
        "Paketets k är inte ett heltal som är minst 2."
    ]
    assert _refused({DESCRIPTOR: files[DESCRIPTOR]}) == [f"Paketet saknar filen {TABLE}."]
    # A value that does not follow the package's own schema is named with its row.
    lines = table.decode().splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("year")] = "förra året"
    broken = "\n".join([lines[0], ",".join(cells), *lines[2:]]).encode()
    problems = _refused({**files, TABLE: broken})
    assert problems and all("följer inte paketets schema" in p for p in problems)
