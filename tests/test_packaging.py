"""The built wheel is a whole Mognad, not a checkout's companion.

Templates and questionnaires live at the repository root, so a packaging mistake leaves every
other test green (they run from the checkout) while an installed Mognad cannot render a page or
find its questionnaire. These tests build the sdist and the wheel from the files git knows, as a
fresh clone would, and run the app from the unpacked wheel in a folder that is not the checkout.
"""

from __future__ import annotations

import ast
import configparser
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

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


# --- The lock files: what `make demo`, `make test` and CI install ---------------------------

LOCKED = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _locked(name: str) -> dict[str, tuple[str, int]]:
    """Locked package → (version, number of hashes) from a ``uv pip compile`` lock file."""
    found: dict[str, tuple[str, int]] = {}
    current = None
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        match = LOCKED.match(line)
        if match:
            current = canonicalize_name(match.group(1))
            found[current] = (match.group(2), 0)
        elif current and line.strip().startswith("--hash=sha256:"):
            version, hashes = found[current]
            found[current] = (version, hashes + 1)
    return found


@pytest.mark.parametrize(
    ("lock", "groups"), [("requirements.lock", ()), ("requirements-dev.lock", ("dev",))]
)
def test_lock_file_pins_every_declared_dependency_with_hashes(
    lock: str, groups: tuple[str, ...]
) -> None:
    """A dependency added to pyproject.toml without `make lock` would be missing from a fresh
    install (pip and uv refuse unhashed requirements in a hashed file), or be a version the
    declared range no longer allows."""
    project = _project()
    declared = [Requirement(r) for r in project["dependencies"]]
    for group in groups:
        declared += [Requirement(r) for r in project["optional-dependencies"][group]]
    locked = _locked(lock)
    problems = []
    for req in declared:
        name = canonicalize_name(req.name)
        if name not in locked:
            problems.append(f"{req.name} is declared but not in {lock}: run `make lock`")
        elif not req.specifier.contains(locked[name][0], prereleases=True):
            problems.append(f"{req.name}=={locked[name][0]} is outside {req.specifier}")
    problems += [f"{n} has no hash" for n, (_, hashes) in locked.items() if hashes == 0]
    assert not problems, "\n".join(problems)


def test_running_and_testing_lock_the_same_versions() -> None:
    """The demo runs on exactly what the tests ran on."""
    running, testing = _locked("requirements.lock"), _locked("requirements-dev.lock")
    differ = {n: (v, testing.get(n, (None,))[0]) for n, (v, _) in running.items()}
    assert {n: vs for n, vs in differ.items() if vs[0] != vs[1]} == {}


def test_every_runtime_dependency_has_an_upper_bound() -> None:
    """An unbounded dependency takes the next major release the day it appears (the lock
    protects an install from the lock, not `pip install mognad`)."""
    unbounded = [
        r
        for r in map(Requirement, _project()["dependencies"])
        if not any(s.operator in ("<", "<=", "==", "~=") for s in r.specifier)
    ]
    assert unbounded == []


def _imports(folder: Path) -> set[str]:
    files = [folder] if folder.is_file() else sorted(folder.rglob("*.py"))
    names = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def test_every_imported_package_is_declared() -> None:
    """Something imported only because another dependency happens to pull it in (as babel was,
    through Flask-Babel) breaks the day that dependency stops doing so."""
    imported = set().union(*(_imports(ROOT / p) for p in ("survey", "analysis", "wsgi.py")))
    third_party = sorted(imported - set(sys.stdlib_module_names) - {"survey", "analysis"})
    declared = {canonicalize_name(Requirement(r).name) for r in _project()["dependencies"]}
    providers = importlib.metadata.packages_distributions()
    undeclared = [
        m
        for m in third_party
        if not {canonicalize_name(d) for d in providers.get(m, [m])} & declared
    ]
    assert undeclared == [], f"imported but not in pyproject.toml dependencies: {undeclared}"
