"""Attack: a questionnaire file with YAML anchors and aliases (an "alias bomb").

About 440 bytes of nested aliases expand into 9⁹ (387 million) strings: `yaml.safe_load` builds
them all (the attacker measured 86 s and 13.9 GB for `mognad questionnaire check`). The loader
refuses the first anchor before it builds anything, on the command line and in the web upload.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import yaml

from analysis.instruments import load_questionnaire
from tests.conftest import QUESTIONNAIRE
from tests.survey.staff import text

MOGNAD = Path(sys.executable).with_name("mognad")


def bomb() -> str:
    """The classic "billion laughs": each level is a list of nine aliases of the level above."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    names = "abcdefghi"
    for above, name in zip(names, names[1:], strict=False):
        lines.append(f"{name}: &{name} [{','.join(['*' + above] * 9)}]")
    return "\n".join(lines) + "\n"


def with_an_alias() -> str:
    """An otherwise valid questionnaire whose scales' common minimum is written once, aliased."""
    doc = yaml.safe_load(QUESTIONNAIRE.read_text(encoding="utf-8"))
    doc["id"], doc["version"] = "med-alias", "1"
    plain = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    assert plain.count("    min: 1\n") >= 2
    aliased = plain.replace("    min: 1\n", "    min: &one 1\n", 1)
    return aliased.replace("    min: 1\n", "    min: *one\n")


def check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(MOGNAD), "questionnaire", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=120,  # a safety net against a hung run, not a timing target
    )


def test_the_command_line_refuses_an_alias_bomb_naming_file_and_line(tmp_path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb(), encoding="utf-8")
    assert len(path.read_bytes()) < 500
    result = check(path)
    assert result.returncode == 1
    assert str(path) in result.stderr
    assert "rad 1, tecken 4" in result.stderr and "ankare och alias" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_a_harmless_alias_is_refused_too(tmp_path) -> None:
    """Fails on the old loader, which accepted this file (safe_load follows aliases)."""
    path = tmp_path / "alias.yaml"
    path.write_text(with_an_alias(), encoding="utf-8")
    result = check(path)
    assert result.returncode == 1 and "ankare och alias" in result.stderr
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if "&one" in t)
    assert f"rad {line}," in result.stderr
    # The same file without the alias is fine: nothing else was wrong with it.
    plain = tmp_path / "plain.yaml"
    text_ = path.read_text(encoding="utf-8").replace("&one ", "").replace("*one", "1")
    plain.write_text(text_, encoding="utf-8")
    assert load_questionnaire(plain).id == "med-alias"


def upload(staff, content: str, name: str):
    page = staff.get("/admin/questionnaires").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return staff.client.post(
        "/admin/questionnaires",
        data={"csrf_token": token, "file": (io.BytesIO(content.encode()), name)},
        content_type="multipart/form-data",
    )


def test_the_web_upload_refuses_anchors_and_aliases_in_swedish(app, admin, outbox) -> None:
    folder = outbox.parent / "questionnaires"
    for content, line in ((bomb(), 1), (with_an_alias(), None)):
        r = upload(admin, content, "fil.yaml")
        assert r.status_code == 400
        page = text(r)
        assert "YAML-ankare eller alias" in page
        if line is not None:
            assert f"Rad {line}:" in page
        assert not folder.exists() or not list(folder.iterdir())
