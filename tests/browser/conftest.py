"""Browser fixtures: the app served for real on loopback, Debian Chromium through Playwright.

Every test in this folder is marked ``browser``. Chromium comes from Debian (``/usr/bin/chromium``,
or ``MOGNAD_CHROMIUM``) because ``playwright install`` cannot download here; without it the tests
are skipped, unless ``CI`` is set, where a missing browser is a failure.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner
from playwright.sync_api import BrowserContext
from werkzeug.serving import WSGIRequestHandler, make_server

from survey import create_app
from survey.extensions import db
from survey.sealing import Sealer
from tests.support import factory, results
from tests.support.factory import QUESTIONNAIRE, ROLES  # noqa: F401 (the tests import them here)

HERE = Path(__file__).resolve().parent
CHROMIUM = Path(os.environ.get("MOGNAD_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 375, "height": 812}
VIEWPORTS = {"desktop": DESKTOP, "mobile": MOBILE}
# An org tree whose root has more sub-units than the role page shows as radios.
BIG_UNIT: list[list[object]] = [
    ["code", "name", "parent_code"],
    ["CITY", "Staden", ""],
    *[[f"S{i:02d}", f"Skola {i:02d}", "CITY"] for i in range(1, 12)],
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


# --- Playwright (pytest-playwright's fixtures, pointed at Debian Chromium) -----------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch Debian Chromium headless; skip (or fail on CI) when it is not installed."""
    if not CHROMIUM.exists():
        reason = f"Debian chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url() -> None:
    """Pages are opened by absolute URL (the live server's port changes per test).

    Also replaces pytest-playwright's own ``base_url`` fixture, a class method that pytest 9
    deprecates (a warning, which this project turns into an error).
    """
    return None


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "sv-SE"}


@pytest.fixture
def new_context(new_context: Callable[..., BrowserContext]) -> Callable[..., BrowserContext]:
    """pytest-playwright's context factory, 1280×800 unless a test asks for another viewport."""

    def make(**kwargs: Any) -> BrowserContext:
        return new_context(**{"viewport": DESKTOP, **kwargs})

    return make


# --- The app on a real server -------------------------------------------------------------------


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """Browser tests run on SQLite only (PostgreSQL is covered by the service and load tests)."""
    path = tmp_path / "mognad.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class LiveServer:
    url: str
    app: Flask
    errors: list[logging.LogRecord] = field(default_factory=list)


@pytest.fixture
def live_server(database_url: str) -> Iterator[LiveServer]:
    """The app served by a threaded werkzeug server on a free loopback port; BASE_URL points at it.

    The test fails if the app logged an error (an unhandled exception behind an error page).
    """
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "browser-test-secret-" + "0123456789abcdef" * 2,
            "BASE_URL": "http://127.0.0.1",
            # Jobs (publishing, closing, mail) run inside the request that queues them, as with
            # MOGNAD_QUEUE_IMMEDIATE: the browser then meets the job page already finished.
            "QUEUE_IMMEDIATE": True,
        }
    )
    factory.commands(app)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    errors = _Errors()
    app.logger.addHandler(errors)
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="live-server", daemon=True
    )
    thread.start()
    live = LiveServer(app.config["BASE_URL"], app, errors.records)
    try:
        yield live
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()
        app.logger.removeHandler(errors)
        with app.app_context():
            db.engine.dispose()
    messages = [r.getMessage() + (f"\n{r.exc_text or ''}") for r in errors.records]
    assert not messages, "the app logged errors:\n" + "\n".join(messages)


@pytest.fixture
def app(live_server: LiveServer) -> Flask:
    """The live server's app (so the CLI runner issues links that point at the live server)."""
    return live_server.app


@pytest.fixture
def two_years(runner: FlaskCliRunner, write_csv: factory.WriteCsv) -> tuple[str, str]:
    """The two closed rounds, loaded into the live server's own database (its keys are not
    those of the database the other tests copy)."""
    return results.load_two_years(runner, write_csv)


# --- Reading the database the server writes -----------------------------------------------------


MIXED_TABLES = ("responses", "answers", "response_comments")


class Db:
    """Plain SQL on the live server's database, through its own engine (no shared session)."""

    def __init__(self, url: str, sealer: Sealer) -> None:
        self.engine = sa.create_engine(url)
        self.sealer = sealer  # the live server's, which opens its ballots

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()

    def rows(self, sql: str, **params: Any) -> list[sa.Row]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.text(sql), params))

    def count(self, table: str) -> int:
        if table in MIXED_TABLES:
            self.mix()
        return int(self.scalar(f"SELECT count(*) FROM {table}"))  # noqa: S608 (fixed names)

    def mix(self) -> None:
        """Open every pending ballot into responses now, as closing the round does, so that
        what the respondent sent can be read from the responses (and nothing is counted twice)."""
        from sqlalchemy import select
        from sqlalchemy.orm import Session

        from survey.models import Ballot, Round
        from survey.services.closing import open_ballots

        with Session(self.engine) as session:
            for round_id in session.scalars(select(Ballot.round_id).distinct()).all():
                open_ballots(session, session.get_one(Round, round_id), self.sealer)
            session.commit()

    def saved(self, link: str) -> dict[str, str]:
        """What the draft behind a personal ``link`` holds, opened with the link's token."""
        from sqlalchemy.orm import Session

        from tests.support.drafts import saved_answers

        with Session(self.engine) as session:
            return saved_answers(session, link)

    def answers(self) -> dict[str, int | None]:
        """Item id → value (None = vet ej) of the only response in the database."""
        assert self.count("responses") == 1
        return {r.item_id: r.value for r in self.rows("SELECT item_id, value FROM answers")}


@pytest.fixture
def dbq(database_url: str, app: Flask) -> Iterator[Db]:
    d = Db(database_url, Sealer.from_config(app.config))
    yield d
    d.engine.dispose()


# --- Data ----------------------------------------------------------------------------------------

# The survey factory is the root conftest's ``make_survey`` (``tests.support.factory``).
Survey = factory.Survey
MakeSurvey = Callable[..., Survey]


@pytest.fixture(scope="session")
def questionnaire():
    from analysis.instruments import load_questionnaire

    return load_questionnaire(QUESTIONNAIRE)
