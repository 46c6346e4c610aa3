"""Shared fixtures: the app on a real database (SQLite and PostgreSQL), CLI runner, factories."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from survey import create_app
from survey.extensions import db
from tests.pg import PostgresServer, start_postgres

ROOT = Path(__file__).resolve().parent.parent
QUESTIONNAIRE = ROOT / "questionnaires" / "malmo-digital.yaml"


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app({"DATABASE_URL": url, "TESTING": True})
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer | None]:
    """A real PostgreSQL server: the one named in the environment or a throw-away cluster."""
    server = start_postgres()
    if server is None and os.environ.get("MOGNAD_REQUIRE_POSTGRES"):
        pytest.fail("MOGNAD_REQUIRE_POSTGRES is set but no PostgreSQL server could be started")
    yield server
    if server is not None:
        server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "template.db"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_template(postgres: PostgresServer | None) -> str | None:
    if postgres is None:
        return None
    postgres.execute("DROP DATABASE IF EXISTS mognad_template")
    postgres.execute("CREATE DATABASE mognad_template")
    _migrate(postgres.url("mognad_template"))
    return "mognad_template"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    """A freshly migrated, empty database of each kind, dropped after the test."""
    if request.param == "sqlite":
        path = tmp_path / "mognad.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    server: PostgresServer | None = request.getfixturevalue("postgres")
    if server is None:
        pytest.skip("PostgreSQL is not available (set MOGNAD_REQUIRE_POSTGRES=1 to fail instead)")
    request.getfixturevalue("pg_template")
    with fresh_pg_database(server) as url:
        yield url


@contextmanager
def fresh_pg_database(server: PostgresServer) -> Iterator[str]:
    """A new database copied from the migrated template, dropped afterwards."""
    name = f"t_{secrets.token_hex(6)}"
    server.execute(f"CREATE DATABASE {name} TEMPLATE mognad_template")
    try:
        yield server.url(name)
    finally:
        server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "BASE_URL": "http://mognad.test",
        }
    )
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write rows (first row = header) to a CSV file in the test's folder."""

    def write(name: str, rows: list[list[object]], encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        text = "\n".join(",".join("" if v is None else str(v) for v in row) for row in rows)
        path.write_bytes((text + "\n").encode(encoding))
        return path

    return write


SMALL_ORG = [
    ["code", "name", "parent_code"],
    ["CITY", "Staden", ""],
    ["EDU", "Utbildning", "CITY"],
    ["EDU-A", "Skola A", "EDU"],
    ["EDU-B", "Skola B", "EDU"],
    ["CARE", "Omsorg", "CITY"],
]


@pytest.fixture
def make_org(runner: FlaskCliRunner, write_csv: Callable[..., Path]) -> Callable[..., None]:
    """Import an organisation tree for a year through the CLI."""

    def make(year: int = 2025, rows: list[list[object]] | None = None) -> None:
        path = write_csv(f"org{year}.csv", rows or SMALL_ORG)
        result = runner.invoke(args=["org", "import", "--year", str(year), str(path)])
        assert result.exit_code == 0, result.output

    return make


@pytest.fixture
def make_round(runner: FlaskCliRunner, make_org: Callable[..., None]) -> Callable[..., str]:
    """Create a round (importing the small org tree for its year first) and return its name."""

    def make(
        name: str = "R2025",
        year: int = 2025,
        mode: str = "invited",
        status: str = "draft",
        org: bool = True,
    ) -> str:
        if org:
            make_org(year)
        args = [
            "round",
            "create",
            name,
            "--year",
            str(year),
            "--questionnaire",
            str(QUESTIONNAIRE),
            "--mode",
            mode,
        ]
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        moves = {
            "draft": [],
            "open": ["open"],
            "closed": ["open", "close"],
            "published": ["open", "close", "publish"],
        }[status]
        for move in moves:
            result = runner.invoke(args=["round", move, name])
            assert result.exit_code == 0, result.output
        return name

    return make


def table_snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, to prove that a failed command changed nothing."""
    out = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            rows = conn.execute(sa.select(table)).all()
            out[table.name] = sorted(tuple(map(repr, r)) for r in rows)
    return out
