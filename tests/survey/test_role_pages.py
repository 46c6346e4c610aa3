"""Role competence profiles (public): the targets and level texts of the latest round's instrument.

Also `questionnaire check` on the instrument's new ``levels`` block.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from flask.testing import FlaskClient, FlaskCliRunner

from tests.conftest import MakeSurvey
from tests.support import factory
from tests.support.factory import QUESTIONNAIRE, cli

TITLES = {
    "employee": ["Förståelse och motivation", "Säkerhet"],
    "manager": ["Digitalt ledarskap", "Säkerhet"],
    "specialist": ["Specialistmetoder", "Säkerhet"],
}


def page(client: FlaskClient, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def test_no_round_yet_says_so(client: FlaskClient) -> None:
    assert "Ingen mätomgång har öppnats ännu" in page(client, "/roles")
    page(client, "/roles/manager", 404)


def test_each_role_shows_its_categories_targets_and_level_meanings(
    client: FlaskClient, make_survey: MakeSurvey
) -> None:
    make_survey(name="R2025")
    index = page(client, "/roles")
    for role in TITLES:
        assert f'href="/roles/{role}"' in index
    manager = page(client, "/roles/manager")
    assert "R2025" in manager and "malmo-digital" in manager and "2026.1" in manager
    for role, titles in TITLES.items():
        html = page(client, f"/roles/{role}")
        assert all(t in html for t in titles), role
    assert "Specialistmetoder" not in page(client, "/roles/employee")
    # comp_safety: employees are expected at 3, managers at 4; level 4 means what the file says
    assert "Du hanterar säkerhet och dataskydd med säkerhet" in manager
    assert 'role-target">4<' in manager.split('id="cat-comp_safety"')[1].split("</section>")[0]
    page(client, "/roles/nobody", 404)
    client.get("/lang/en")
    english = page(client, "/roles/manager")
    assert "Safety and security" in english and "Digital competence: Manager" in english


def test_a_changed_target_changes_the_page(
    client: FlaskClient,
    make_survey: MakeSurvey,
    runner: FlaskCliRunner,
    tmp_path: Path,
    write_csv: factory.WriteCsv,
) -> None:
    make_survey(name="R2025")
    section = 'id="cat-comp_safety"'
    before = page(client, "/roles/manager").split(section)[1].split("</section>")[0]
    assert 'role-target">4<' in before
    doc = yaml.safe_load(QUESTIONNAIRE.read_text(encoding="utf-8"))
    safety = next(c for d in doc["dimensions"] for c in d["categories"] if c["id"] == "comp_safety")
    safety["target"]["manager"] = 2
    doc["version"] = "2026.2"
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    factory.import_org(runner, write_csv, 2026)
    cli(runner, "round", "create", "R2026", "--year", "2026", "--questionnaire", str(changed))
    cli(runner, "round", "open", "R2026")
    after = page(client, "/roles/manager")
    assert "R2026" in after and "2026.2" in after
    assert 'role-target">2<' in after.split(section)[1].split("</section>")[0]


def _broken(tmp_path: Path, change: str) -> Path:
    doc = yaml.safe_load(QUESTIONNAIRE.read_text(encoding="utf-8"))
    safety = next(c for d in doc["dimensions"] for c in d["categories"] if c["id"] == "comp_safety")
    if change == "meaning":
        del safety["levels"][2]["meaning"]["en"]
    elif change == "learning":
        del safety["levels"][0]["learning"][0]["sv"]
    else:
        safety["levels"].pop()
    path = tmp_path / f"{change}.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("meaning", "nivå 3, betydelse: engelsk text saknas"),
        ("learning", "nivå 1, lärförslag 1: svensk text saknas"),
        ("count", "nivåer: 4 nivåer, men skalan 'level5' har 5 värden"),
    ],
)
def test_questionnaire_check_refuses_an_incomplete_level(
    runner: FlaskCliRunner, tmp_path: Path, change: str, message: str
) -> None:
    result = runner.invoke(args=["questionnaire", "check", str(_broken(tmp_path, change))])
    assert result.exit_code != 0
    assert message in result.output, result.output


def test_questionnaire_check_accepts_the_shipped_instrument(runner: FlaskCliRunner) -> None:
    assert "OK" in cli(runner, "questionnaire", "check", str(QUESTIONNAIRE))
