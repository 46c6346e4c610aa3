"""A backup of a closed round restores into an empty database and rebuilds the same reports.

The deployment guide (``docs/deploy.md``) tells operators to back up with ``pg_dump --format
custom`` and ``pg_restore`` on PostgreSQL and with SQLite's ``.backup``/``.restore``. A backup
is only worth what can be rebuilt from it, so this test takes one exactly that way from a
demo-like city (three years, 2026 closed), restores it into a new, empty database (not a copy
of the migrated template: the dump must bring the schema and the Alembic revision itself) and
writes every report again with ``mognad report … --format csv``: each file must be byte for
byte what the original database gave. Response ids (which fix the order in which the report
adds up its floats) survive the dump; nothing outside the database is needed but the key.

A backup taken during fieldwork is safe to keep because what people answered is in it only as
ciphertext: the last test takes one (plain SQL, so nothing hides in compression) while a draft
and a waiting ballot each hold a unique comment, and finds neither comment in it, though it
finds the invitations' e-mail addresses, which are stored in clear.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from survey import create_app
from survey.extensions import db
from tests.privacy.test_at_rest import THANKS, answer, new_marker
from tests.support import factory
from tests.support.forms import Browser
from tests.support.postgres import PostgresServer

pytestmark = pytest.mark.slow

#: Reports rebuilt from the restored database: a year alone and a year against the one before.
REPORTS = (("Mognad 2025", None), ("Mognad 2026", "Mognad 2025"))
#: Enough respondents a year for shown and hidden cells alike, few enough for a quick test.
PER_YEAR = 600
#: The test app's settings the restored app shares (the key above all: it opened the ballots).
SETTINGS = ("TESTING", "SECRET_KEY", "BASE_URL", "CLOSE_VERIFY_WAIT")


def _revision(app: Flask) -> str:
    with app.app_context():
        with db.engine.connect() as conn:
            revision = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
        db.engine.dispose()
    return str(revision)


def _ok(runner: FlaskCliRunner, *args: str) -> str:
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return str(result.output)


def _reports(runner: FlaskCliRunner, out: Path) -> dict[str, bytes]:
    """Every file of every report's CSV package, by its path under ``out``."""
    for name, compare in REPORTS:
        folder = out / f"{name}-{compare}".replace(" ", "_")
        args = ["report", name, "--out", str(folder), "--format", "csv"]
        _ok(runner, *args, *(["--compare-to", compare] if compare else []))
    files = {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    assert any(f.endswith(".csv") for f in files), files
    return files


def _libpq(url: str) -> str:
    """The SQLAlchemy URL as the libpq URI that pg_dump and pg_restore take."""
    return sa.engine.make_url(url).set(drivername="postgresql").render_as_string(False)


def _pg_tool(server: PostgresServer, name: str) -> str:
    tool = str(server.bindir / name) if server.bindir else shutil.which(name)
    if not tool:
        pytest.skip(f"{name} is not installed")
    return tool


def _dump_postgres(server: PostgresServer, url: str, dump: Path, fmt: str = "custom") -> None:
    subprocess.run(
        [_pg_tool(server, "pg_dump"), f"--format={fmt}", f"--file={dump}", _libpq(url)],
        check=True,
        capture_output=True,
    )


def _restore_postgres(server: PostgresServer, url: str, dump: Path) -> str:
    """``pg_dump --format custom`` of ``url``, ``pg_restore`` into a new, empty database."""
    _dump_postgres(server, url, dump)
    name = "restored_" + sa.engine.make_url(url).database
    server.execute(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'")
    target = server.url(name)
    subprocess.run(
        [_pg_tool(server, "pg_restore"), "--no-owner", "--exit-on-error"]
        + [f"--dbname={_libpq(target)}", str(dump)],
        check=True,
        capture_output=True,
    )
    return target


def _restore_sqlite(url: str, backup: Path, target: Path) -> str:
    """SQLite's ``.backup`` of the live file, ``.restore`` into a new, empty file."""
    source = sa.engine.make_url(url).database
    assert source
    sqlite3_cli = shutil.which("sqlite3")
    if sqlite3_cli:  # the commands of the guide
        subprocess.run([sqlite3_cli, source, f".backup '{backup}'"], check=True)
        subprocess.run([sqlite3_cli, str(target), f".restore '{backup}'"], check=True)
    else:  # the same online-backup API, from Python
        for src, dst in ((source, backup), (backup, target)):
            with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
                a.backup(b)
    return f"sqlite:///{target}"


def test_a_restored_backup_rebuilds_byte_identical_reports(
    app: Flask, database_url: str, runner: FlaskCliRunner, tmp_path: Path, request
) -> None:
    _ok(runner, "demo", "--respondents", str(PER_YEAR))
    _ok(runner, "round", "close", "Mognad 2026")
    before = _reports(runner, tmp_path / "before")
    with app.app_context():
        db.engine.dispose()  # the backup is taken with the server's connections closed or not

    server: PostgresServer | None = None
    if database_url.startswith("sqlite"):
        restored_url = _restore_sqlite(database_url, tmp_path / "backup.db", tmp_path / "new.db")
    else:
        server = request.getfixturevalue("postgres")
        assert server is not None
        restored_url = _restore_postgres(server, database_url, tmp_path / "mognad.dump")

    settings = {k: app.config[k] for k in SETTINGS}
    restored = factory.commands(create_app({**settings, "DATABASE_URL": restored_url}))
    try:
        assert _revision(restored) == _revision(app)  # the schema came with the dump
        status = _ok(restored.test_cli_runner(), "round", "status", "Mognad 2026")
        assert "closed" in status.lower()
        after = _reports(restored.test_cli_runner(), tmp_path / "after")
    finally:
        with restored.app_context():
            db.engine.dispose()
        if server is not None:
            name = sa.engine.make_url(restored_url).database
            server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    assert sorted(after) == sorted(before)
    differing = [f for f in before if before[f] != after[f]]
    assert not differing, differing


def test_a_fieldwork_backup_holds_answers_only_as_ciphertext(
    app: Flask, database_url: str, make_survey, tmp_path: Path, request
) -> None:
    survey = make_survey(people=2)
    saved, sent = new_marker("utkast"), new_marker("inskickat")
    drafter = Browser(app.test_client())
    drafter.get(survey.link("employee", 0))
    answer(drafter, saved)
    submitter = Browser(app.test_client())
    submitter.get(survey.link("employee", 1))
    answer(submitter, sent)
    assert submitter.press("Skicka in svaren").h1 == THANKS

    backup = tmp_path / "fieldwork.backup"
    if database_url.startswith("sqlite"):
        _restore_sqlite(database_url, backup, tmp_path / "unused.db")
    else:
        _dump_postgres(request.getfixturevalue("postgres"), database_url, backup, "plain")
    content = backup.read_bytes()
    assert b"employee1@example.org" in content  # the search sees what is stored in clear
    for marker in (saved, sent):
        assert marker.encode() not in content, marker
