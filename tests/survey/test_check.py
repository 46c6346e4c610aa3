"""`mognad check`: one line per check, exit 0 when everything is in order, 1 with what to fix."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from survey import config as default_config
from survey import create_app
from survey.checks import file_modes
from tests.support.smtp import use_smtp

ROOT = Path(__file__).resolve().parents[2]
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
STRONG_KEY = "k7Qz-9vLp2Xw4Rt8Ns6Ym1Bc3Df5Gh0Jq_Ue7Wa2Zx9Lk4Mn8Po1"
GOOD = {
    "SECRET_KEY": STRONG_KEY,
    "BASE_URL": "https://enkat.example.org",
    "TESTING": True,
}


def _app(monkeypatch, tmp_path: Path, url: str, **config: object) -> Flask:
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o700, exist_ok=True)
    monkeypatch.setattr(default_config, "INSTANCE_DIR", instance)
    return create_app({"DATABASE_URL": url, **GOOD, **config})


#: A check's line: its mark, its name, what it found. Other lines (a log handler another test
#: left on the process, say) are not the check's.
CHECK_LINE = re.compile(r"^(OK|FIX|SKIP) +([^:]+): ")


def _check(app: Flask) -> tuple[int, list[str]]:
    result = app.test_cli_runner().invoke(args=["check"])
    return result.exit_code, [x for x in result.output.splitlines() if CHECK_LINE.match(x)]


def _line(lines: list[str], name: str) -> str:
    (line,) = [x for x in lines if CHECK_LINE.match(x)[2] == name]
    return line


@SQLITE
def test_a_ready_installation_passes_every_check(monkeypatch, tmp_path, database_url):
    app = _app(monkeypatch, tmp_path, database_url)
    code, lines = _check(app)
    assert code == 0, lines
    marks = {x.split(":")[0].split(maxsplit=1)[1]: x.split()[0] for x in lines if ":" in x}
    assert marks == {
        "secret key": "OK",
        "base URL": "OK",
        "database": "OK",
        "mail": "OK",
        "PDF": "OK",
        "k settings": "OK",
        "file modes": "OK",
        "worker": "SKIP",
    }
    assert "migrated (revision " in _line(lines, "database")
    assert STRONG_KEY not in "\n".join(lines)


def test_each_problem_is_named_with_its_fix_and_the_exit_is_1(monkeypatch, tmp_path):
    empty = tmp_path / "empty.db"  # reachable, never migrated
    app = _app(
        monkeypatch,
        tmp_path,
        f"sqlite:///{empty}",
        SECRET_KEY="a" * 40,
        BASE_URL="http://enkat.example.org",
        K_TEXT=3,
    )
    leaked = Path(app.instance_path) / "export.csv"
    leaked.write_text("x")
    leaked.chmod(0o644)
    code, lines = _check(app)
    assert code == 1
    assert _line(lines, "secret key").startswith("FIX  secret key: MOGNAD_SECRET_KEY has only 1")
    assert "must use https" in _line(lines, "base URL")
    assert "is not migrated" in _line(lines, "database")
    assert "mognad db upgrade" in _line(lines, "database")
    assert "MOGNAD_K_TEXT=3 is below MOGNAD_K_ANONYMITY=5" in _line(lines, "k settings")
    assert f"{leaked} (644)" in _line(lines, "file modes")
    assert _line(lines, "mail").startswith("OK")
    assert "a" * 40 not in "\n".join(lines)


@SQLITE
def test_mail_server_reachable_or_not(monkeypatch, tmp_path, database_url, smtp_server):
    app = _app(monkeypatch, tmp_path, database_url)
    use_smtp(app, smtp_server)
    code, lines = _check(app)
    assert code == 0 and "answers and accepts the login" in _line(lines, "mail")
    app.config["SMTP_PORT"] = 1  # nothing listens there
    code, lines = _check(app)
    assert code == 1
    assert _line(lines, "mail").startswith("FIX  mail: the SMTP server 127.0.0.1:1 cannot be")
    assert smtp_server.messages == []  # checking sends nothing


def test_sqlite_database_outside_the_instance_folder_is_checked_too(monkeypatch, tmp_path):
    outside = tmp_path / "data"
    outside.mkdir(mode=0o755)
    app = _app(monkeypatch, tmp_path, f"sqlite:///{outside / 'mognad.db'}")
    with app.app_context():
        outcome = file_modes(app)
    assert outcome.ok is False and f"{outside} (755)" in outcome.detail


def test_the_command_reports_an_unreachable_database_instead_of_refusing_to_start(tmp_path):
    """`check` runs without a reachable database or a key (it reports both) as a real process."""
    out = subprocess.run(
        [sys.executable, "-c", "from survey.cli import main; main()", "check"],
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("MOGNAD_")},
            "PYTHONPATH": str(ROOT),
            "MOGNAD_INSTANCE_PATH": str(tmp_path / "instance"),
            "MOGNAD_DATABASE_URL": "postgresql+psycopg://m:pw-123@/m?host=/nonexistent-dir",
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 1
    lines = out.stdout.splitlines()
    assert _line(lines, "database").startswith(
        "FIX  database: cannot reach the database postgresql+psycopg://m:***@"
    )
    assert _line(lines, "secret key").startswith("FIX  secret key: MOGNAD_SECRET_KEY is not set")
    assert "MOGNAD_BASE_URL is not set" in _line(lines, "base URL")
    assert "pw-123" not in out.stdout + out.stderr and "Traceback" not in out.stderr
