"""Shared fixtures: the app on a real database (SQLite and PostgreSQL), CLI runner, factories.

The ``app`` fixture holds no application context: every request and every CLI command gets its
own, as in production (nothing cached in ``g`` or by Flask-Babel leaks from one request into the
next). A test that reads or writes the database itself uses ``db_session`` (its own session on
the app's engine) or ``in_app(app)`` for a short block.

Under pytest-xdist each worker has its own PostgreSQL template database (and, without
``MOGNAD_TEST_POSTGRES_URL``, its own throw-away cluster) and its own temporary folders.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy.orm import ORMExecuteState, Session

from survey import create_app
from survey.extensions import db
from tests.support import factory, results, smtp

# Imported from here by many test modules.
from tests.support.database import in_app, table_snapshot  # noqa: F401
from tests.support.factory import QUESTIONNAIRE, SMALL_ORG  # noqa: F401
from tests.support.postgres import PostgresServer, fresh_database, start_postgres
from tests.survey.staff import Clock, Staff, install_clock, signed_in

ROOT = Path(__file__).resolve().parent.parent

# CI runs the property tests derandomised (``HYPOTHESIS_PROFILE=ci``, set by ``.ci/run``): the
# same examples on every run, so a red build is the code's doing, never a newly drawn example.
hypothesis.settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


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


# One template per pytest-xdist worker: the workers may share one server (CI's), and a template
# cannot be copied while another session is connected to it.
PG_TEMPLATE = f"mognad_template_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


@pytest.fixture(scope="session")
def pg_template(postgres: PostgresServer | None) -> str | None:
    if postgres is None:
        return None
    postgres.execute(f"DROP DATABASE IF EXISTS {PG_TEMPLATE}")
    postgres.execute(f"CREATE DATABASE {PG_TEMPLATE}")
    _migrate(postgres.url(PG_TEMPLATE))
    return PG_TEMPLATE


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    """A freshly migrated database of each kind, dropped after the test: empty, or, for a test
    that uses ``two_years``, a copy of the database those two rounds were once loaded into."""
    wanted = next((v for v in BUILT if v in request.fixturenames), None)
    if request.param == "sqlite":
        path = tmp_path / "mognad.db"
        source = request.getfixturevalue("built").sqlite(wanted) if wanted else sqlite_template
        shutil.copy(source, path)
        yield f"sqlite:///{path}"
        return
    yield from _pg_database(request, wanted)


def _pg_database(request: pytest.FixtureRequest, built: str | None = None) -> Iterator[str]:
    server: PostgresServer | None = request.getfixturevalue("postgres")
    if server is None:
        pytest.skip("PostgreSQL is not available (set MOGNAD_REQUIRE_POSTGRES=1 to fail instead)")
    template = request.getfixturevalue("pg_template")
    if built:
        template = request.getfixturevalue("built").postgresql(server, template, built)
    with fresh_database(server, template) as url:
        yield url


#: The fixtures whose database is loaded once per worker and kind of database (:class:`Built`),
#: with the role mix of their answers (None: employees only).
BUILT: dict[str, dict[str, float] | None] = {
    "two_years": None,
    "two_years_all_roles": results.ALL_ROLES,
}


class Built:
    """The closed rounds of ``two_years`` and ``two_years_all_roles`` (``tests/support/
    results.py``), loaded once per worker and kind of database through the command line, as
    the fixtures did for every test: some 120 tests on each kind start from a copy of that
    database instead of loading it again (several seconds each). The copy is made before the
    test's app exists, so fixtures the test lists before them (a staff account, say) write
    after the rounds."""

    def __init__(self, folder: Path, sqlite_template: Path) -> None:
        self.folder, self.sqlite_template = folder, sqlite_template
        self._done: dict[tuple[str, str], Any] = {}

    def sqlite(self, name: str) -> Path:
        if ("sqlite", name) not in self._done:
            path = self.folder / f"{name}.db"
            shutil.copy(self.sqlite_template, path)
            self._load(f"sqlite:///{path}", "sqlite", name)
            self._done["sqlite", name] = path
        return Path(self._done["sqlite", name])

    def postgresql(self, server: PostgresServer, template: str, name: str) -> str:
        if ("postgresql", name) not in self._done:
            database = f"{template}_{name}"
            server.execute(f"DROP DATABASE IF EXISTS {database}")
            server.execute(f"CREATE DATABASE {database} TEMPLATE {template}")
            self._load(server.url(database), "postgresql", name)
            self._done["postgresql", name] = database
        return str(self._done["postgresql", name])

    def _load(self, url: str, kind: str, name: str) -> None:
        app = factory.commands(create_app({**TEST_CONFIG, "DATABASE_URL": url}))
        csvs = self.folder / f"{kind}-{name}"
        csvs.mkdir()
        results.load_two_years(app.test_cli_runner(), factory.csv_writer(csvs), BUILT[name])
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Built:
    return Built(tmp_path_factory.mktemp("built"), sqlite_template)


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A freshly migrated PostgreSQL database, for tests that need PostgreSQL, never SQLite."""
    yield from _pg_database(request)


#: The configuration of every test's app (and of the databases built once for many tests).
TEST_CONFIG: dict[str, Any] = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "BASE_URL": "http://mognad.test",
    # A test that leaves a snapshot open should not wait a minute at every close.
    "CLOSE_VERIFY_WAIT": 5,
}


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url})
    factory.commands(app)
    yield app
    with app.app_context():
        db.engine.dispose()


def _always_fresh(state: ORMExecuteState) -> None:
    if state.is_select:
        state.update_execution_options(populate_existing=True)


@pytest.fixture
def db_session(app: Flask) -> Iterator[Session]:
    """The test's own session on the app's database, apart from any request's or command's.

    Each statement is its own transaction (autocommit), so the session never sits in an open
    transaction while the app works (its locks would stop VACUUM FULL, its flushed rows would
    be invisible to the requests); and every query reloads the objects it returns, so what
    the test reads is what the requests and commands before it committed.
    """
    with app.app_context():
        engine = db.engine.execution_options(isolation_level="AUTOCOMMIT")
    session = Session(engine)
    sa.event.listen(session, "do_orm_execute", _always_fresh)
    try:
        yield session
    finally:
        session.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def write_csv(tmp_path: Path) -> factory.WriteCsv:
    """Write rows (first row = header) to a CSV file in the test's folder."""
    return factory.csv_writer(tmp_path)


@pytest.fixture
def make_org(runner: FlaskCliRunner, write_csv: factory.WriteCsv) -> Callable[..., None]:
    """Import an organisation tree for a year through the CLI."""

    def make(year: int = 2025, rows: list[list[object]] | None = None) -> None:
        factory.import_org(runner, write_csv, year, rows)

    return make


@pytest.fixture
def make_round(runner: FlaskCliRunner, write_csv: factory.WriteCsv) -> Callable[..., str]:
    """Create a round (importing the small org tree for its year first) and return its name."""

    def make(
        name: str = "R2025",
        year: int = 2025,
        mode: str = "invited",
        status: str = "draft",
        org: bool = True,
    ) -> str:
        return factory.create_round(runner, write_csv, name, year, mode, status, org)

    return make


@pytest.fixture
def two_years(database_url: str) -> tuple[str, str]:
    """Closed rounds "R2024" and "R2025" on a small tree, answered by employees
    (``tests/support/results.py``): the test's database starts as a copy of them."""
    return results.ROUNDS


@pytest.fixture
def two_years_all_roles(database_url: str) -> tuple[str, str]:
    """The same two rounds answered by all three roles (``results.ALL_ROLES``)."""
    return results.ROUNDS


MakeSurvey = Callable[..., factory.Survey]


@pytest.fixture
def make_survey(runner: FlaskCliRunner, tmp_path: Path) -> MakeSurvey:
    """A round on the small org tree with invitations and links (see ``factory.make_survey``)."""

    def make(**kwargs: Any) -> factory.Survey:
        return factory.make_survey(runner, tmp_path, **kwargs)

    return make


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The time the sign-in code sees (TOTP steps, lockouts), moved by hand."""
    c = Clock()
    install_clock(monkeypatch, c)
    return c


@pytest.fixture
def admin(app: Flask, runner: FlaskCliRunner, clock: Clock) -> Staff:
    """A signed-in administrator."""
    return signed_in(app, runner, clock, "admin@example.org", "admin")


@pytest.fixture
def outbox(app: Flask, tmp_path: Path) -> Path:
    """The instance folder (and so the outbox) of this test only."""
    app.instance_path = str(tmp_path / "instance")
    return tmp_path / "instance" / "outbox"


@pytest.fixture
def upload_dir(app: Flask, tmp_path: Path) -> Path:
    """Files waiting between preview and confirmation go to the test's own folder."""
    folder = tmp_path / "uploads"
    app.config["UPLOAD_DIR"] = str(folder)
    return folder


@pytest.fixture
def smtp_server() -> Iterator[smtp.Inbox]:
    """A real SMTP server on loopback that keeps every message it accepts."""
    with smtp.loopback() as inbox:
        yield inbox
