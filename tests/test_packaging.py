"""The built wheel is a whole Mognad, not a checkout's companion.

Templates and questionnaires live at the repository root, so a packaging mistake leaves every
other test green (they run from the checkout) while an installed Mognad cannot render a page or
find its questionnaire. These tests build the sdist and the wheel from the files git knows, as a
fresh clone would, and run the app from the unpacked wheel in a folder that is not the checkout.
"""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def _source_copy(into: Path) -> Path:
    """The files a fresh clone has (plus new, not yet committed ones), and nothing built."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for rel in filter(None, listed.split("\0")):
        if (ROOT / rel).is_file():  # a tracked file deleted in the work tree is skipped
            (into / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, into / rel)
    return into


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The wheel built from the sdist (as ``python -m build`` does) and the build's output.

    No isolated build environment: the dev install has the build requirements, so the test
    needs no package index."""
    src = _source_copy(tmp_path_factory.mktemp("src"))
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(src)],
        capture_output=True,
        text=True,
        check=False,
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    (wheel,) = out.glob("*.whl")
    return wheel, log


def _expected(pattern_root: str, into: str, pattern: str = "*") -> set[str]:
    base = ROOT / pattern_root
    return {
        f"{into}/{p.relative_to(base).as_posix()}"
        for p in base.rglob(pattern)
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


def test_wheel_holds_everything_the_app_reads(built: tuple[Path, str]) -> None:
    wheel, _ = built
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = (
        _expected("templates", "survey/templates")  # pages and mail (.html, .txt)
        | _expected("questionnaires", "analysis/questionnaires", "*.yaml")
        | {"analysis/questionnaires/schema.json"}
        | _expected("survey/static", "survey/static")
        | _expected("survey/translations", "survey/translations", "*.mo")
        | _expected("survey/migrations", "survey/migrations")
        | _expected("survey", "survey", "*.py")
        | _expected("analysis", "analysis", "*.py")
    )
    assert "analysis/questionnaires/malmo-digital.yaml" in expected
    assert "survey/translations/en/LC_MESSAGES/messages.mo" in expected
    assert not sorted(expected - names), f"missing from the wheel: {sorted(expected - names)}"
    assert not [n for n in names if n.endswith((".po", ".pyc"))]
    assert [n for n in names if n.startswith("mognad-") and n.endswith("/LICENSE")]


def test_build_prints_no_packaging_warning(built: tuple[Path, str]) -> None:
    _, log = built
    assert "absent from the `packages` configuration" not in log
    assert "Package would be ignored" not in log


def test_app_runs_from_the_wheel_outside_the_checkout(
    built: tuple[Path, str], tmp_path: Path
) -> None:
    wheel, _ = built
    site, cwd = tmp_path / "site", tmp_path / "elsewhere"
    cwd.mkdir()
    with zipfile.ZipFile(wheel) as z:
        z.extractall(site)
        entry_points = z.read(next(n for n in z.namelist() if n.endswith("entry_points.txt")))
    scripts = configparser.ConfigParser()
    scripts.read_string(entry_points.decode())
    module, func = scripts["console_scripts"]["mognad"].split(":")
    env = {
        **os.environ,
        "PYTHONPATH": str(site),
        "MOGNAD_DATABASE_URL": f"sqlite:///{tmp_path / 'mognad.db'}",
        "MOGNAD_INSTANCE_PATH": str(tmp_path / "instance"),
        "MOGNAD_SECRET_KEY": "packaging-test-" + "0123456789abcdef" * 3,
    }
    mognad = f"import sys; sys.argv[0] = 'mognad'; from {module} import {func}; {func}()"
    upgrade = subprocess.run(
        [sys.executable, "-c", mognad, "db", "upgrade"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert upgrade.returncode == 0, upgrade.stderr[-3000:]

    probe = """
import sys
import survey
from analysis.instruments import SCHEMA_PATH, bundled_questionnaires
from survey import create_app

site = sys.argv[1]
assert survey.__file__.startswith(site), survey.__file__
assert SCHEMA_PATH.is_file() and str(SCHEMA_PATH).startswith(site), SCHEMA_PATH
found = bundled_questionnaires()
assert found and all(str(p).startswith(site) for p in found.values()), found
app = create_app()
assert app.template_folder.startswith(site), app.template_folder
client = app.test_client()
sv, en = client.get("/"), client.get("/?lang=en")
assert sv.status_code == 200 and "<title>Digital mognad" in sv.text, sv.text[:500]
assert en.status_code == 200 and "<title>Digital maturity" in en.text, en.text[:500]
assert client.get("/static/mognad.css").status_code == 200
print("ok", sorted(found))
"""
    run = subprocess.run(
        [sys.executable, "-c", probe, str(site)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    assert run.stdout.startswith("ok ")
