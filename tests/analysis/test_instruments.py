"""The questionnaire format: every bundled file is valid; broken files are reported with places."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from analysis.instruments import QuestionnaireError, check_questionnaire, load_questionnaire

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "questionnaires").glob("*.yaml"))


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_bundled_questionnaires_are_valid(path: Path) -> None:
    q = load_questionnaire(path)
    assert [d.id for d in q.dimensions] == ["capability", "legacy", "competence"]
    for role in ("employee", "manager", "specialist"):
        assert q.items_for(role), role
    for cat in q.categories:
        if cat.dimension == "competence":
            assert set(cat.target) == set(cat.roles)


def test_malmo_digital_routes_roles_as_designed() -> None:
    q = load_questionnaire(ROOT / "questionnaires" / "malmo-digital.yaml")
    counts = {r: len(q.items_for(r)) for r in ("employee", "manager", "specialist")}
    assert 20 <= counts["employee"] <= 28
    assert counts["employee"] < counts["manager"] <= counts["specialist"]
    assert any(i.reverse for c in q.categories for i in c.items)
    assert q.comments


@pytest.fixture
def document() -> dict:
    return yaml.safe_load((ROOT / "questionnaires" / "malmo-digital.yaml").read_text("utf-8"))


def test_problems_name_their_place(document: dict) -> None:
    doc = copy.deepcopy(document)
    doc["dimensions"][1]["categories"][0]["scale"] = "agree7"
    dup = doc["dimensions"][0]["categories"][0]["items"][0]["id"]
    doc["dimensions"][2]["categories"][0]["items"][1]["id"] = dup
    doc["dimensions"][2]["categories"][0]["target"].pop("employee")
    problems = [str(p) for p in check_questionnaire(doc)]
    assert "dimension 2, kategori 1: skalan 'agree7' finns inte under scales" in problems
    assert any(
        p.startswith(f"dimension 3, kategori 1, påstående 2: id '{dup}' används redan (dimension 1")
        for p in problems
    )
    assert "dimension 3, kategori 1, målnivå: målnivå saknas för rollen 'employee'" in problems


def test_schema_errors_are_located(document: dict) -> None:
    doc = copy.deepcopy(document)
    doc["dimensions"][0]["categories"][1]["roles"] = ["boss"]
    del doc["dimensions"][0]["categories"][0]["items"][2]["text"]["en"]
    with pytest.raises(QuestionnaireError) as err:
        from analysis.instruments import parse_questionnaire

        parse_questionnaire(doc)
    text = "\n".join(str(p.reason) for p in err.value.problems)
    assert "dimension 1, kategori 2, roller, nummer 1: 'boss' är inte tillåtet" in text
    assert "dimension 1, kategori 1, påstående 3: engelsk text saknas" in text


def test_check_command_reports_and_exits_nonzero(document: dict, tmp_path: Path) -> None:
    doc = copy.deepcopy(document)
    doc["dimensions"][0]["categories"][0]["items"][0]["id"] = "Bad Id"
    doc["scales"]["agree6"]["labels"]["sv"].pop()
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    mognad = Path(sys.executable).with_name("mognad")
    ok = subprocess.run(
        [mognad, "questionnaire", "check", str(FILES[0])],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert "OK" in ok.stdout
    bad = subprocess.run(
        [mognad, "questionnaire", "check", str(broken)], capture_output=True, text=True, check=False
    )
    assert bad.returncode != 0
    assert "dimension 1, kategori 1, påstående 1, id: 'Bad Id' är ingen giltig id" in bad.stderr
    assert "skalan 'agree6', etiketter, svensk text: 5 poster, men skalan har 6 värden" in (
        bad.stderr
    )  # the schema's problem and the semantic one, both at once
    assert "Traceback" not in bad.stderr


def test_semantic_problems_after_schema_passes(document: dict) -> None:
    doc = copy.deepcopy(document)
    doc["scales"]["agree6"]["labels"]["sv"].pop()
    assert [str(p) for p in check_questionnaire(doc)] == [
        "skalan 'agree6', etiketter, svensk text: 5 poster, men skalan har 6 värden"
    ]
