"""The database blinks: a PostgreSQL restart mid-questionnaire, a database that refuses writes,
a database that cannot be reached at start. No respondent sees a 500; nothing is half-written.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask, request

from survey import create_app
from survey.extensions import db
from tests.support import factory
from tests.support.drafts import saved_answers
from tests.support.factory import invite, issue_links
from tests.support.forms import Browser
from tests.support.postgres import PostgresServer

ROOT = Path(__file__).resolve().parents[2]
POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
PAGE_1 = {"a-cap_governance_1": "4", "a-cap_governance_2": "dk"}
PAGE_2 = {"a-cap_benefits_1": "2"}
TRY_AGAIN = "Försök igen om en stund"


@pytest.fixture
def manager_link(make_round, runner, write_csv, tmp_path) -> str:
    make_round()
    invite(runner, write_csv)
    rows = issue_links(runner, tmp_path / "links.csv")
    return next(r["url"] for r in rows if r["role"] == "manager")


def _blink(server: PostgresServer, url: str) -> None:
    """Restart the test's own cluster; on a shared server (CI's), end every connection to the
    test's database, which is what a restart does to the app's pool."""
    if server.restartable:
        server.pg_ctl("restart")
        return
    name = sa.engine.make_url(url).database
    server.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    )


def _app_on(url: str, **config: object) -> Flask:
    app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "test-secret", **config})
    return factory.commands(app)


@POSTGRESQL
@pytest.mark.parametrize("pre_ping", [True, False], ids=["pre-ping", "retry"])
def test_postgresql_restart_mid_questionnaire_gives_no_error_page(
    app, manager_link, postgres, database_url, db_session, pre_ping
):
    """With pre-ping the pool replaces its dead connections; without it (the same connection
    dies under a running request) the one retry of the idempotent save does."""
    blinking = _app_on(database_url, SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": pre_ping})
    b = Browser(blinking.test_client())
    b.get(manager_link)
    b.press("Starta enkäten")
    b.press("Nästa", fill=PAGE_1)  # the pool now holds a connection

    _blink(postgres, database_url)

    page = b.press("Nästa", fill=PAGE_2)
    assert page.status == 200, page.html[:500]
    assert page.path == "/survey/page/3"
    page = b.get("/survey/page/2")  # a read after the blink
    assert page.status == 200
    assert page.forms[0].checked == PAGE_2
    saved = saved_answers(db_session, manager_link)
    assert saved == {"cap_governance_1": "4", "cap_governance_2": "dk", "cap_benefits_1": "2"}
    with blinking.app_context():
        db.engine.dispose()


@POSTGRESQL
def test_a_connection_lost_after_the_page_was_made_is_no_error(
    app, manager_link, postgres, database_url, db_session
):
    """A restart between a view's last statement and the end of its session (the rollback
    that ends every request): the page is complete, the saved answers committed, so it is
    answered as made; the failed rollback of the dead connection is no 500."""
    blinking = _app_on(database_url, SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": False})
    cut = {"after": False}

    @blinking.after_request
    def restart_now(response):
        if cut["after"] and request.method == "GET":  # a read leaves its transaction open
            cut["after"] = False
            _blink(postgres, database_url)
        return response

    b = Browser(blinking.test_client())
    b.get(manager_link)
    b.press("Starta enkäten")
    cut["after"] = True
    page = b.press("Nästa", fill=PAGE_1)  # saved and committed, then the redirect's page read
    assert page.status == 200, page.html[:500]
    assert page.path == "/survey/page/2"
    assert not cut["after"]
    page = b.press("Nästa", fill=PAGE_2)  # the next request gets a new connection
    assert page.path == "/survey/page/3"
    assert saved_answers(db_session, manager_link) == {**_unprefixed(PAGE_1), "cap_benefits_1": "2"}
    with blinking.app_context():
        db.engine.dispose()


@POSTGRESQL
def test_a_restart_right_after_the_submission_commits_shows_the_receipt(
    app, manager_link, postgres, database_url, db_session
):
    """The submission is committed, then the connection dies before the receipt's redirect is
    made (the round is read again after the commit): the one retry sees the invitation
    completed and shows the receipt, and the ballot is there once (found by bench/submit.py)."""
    from sqlalchemy.orm import Session

    blinking = _app_on(database_url, SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": False})
    cut = {"armed": False}

    def restart_after_commit(_session):
        if cut["armed"]:
            cut["armed"] = False
            _blink(postgres, database_url)

    b = Browser(blinking.test_client())
    b.get(manager_link)
    b.walk_to_review()
    sa.event.listen(Session, "after_commit", restart_after_commit)
    cut["armed"] = True
    try:
        page = b.press("Skicka in svaren")
    finally:
        sa.event.remove(Session, "after_commit", restart_after_commit)
    assert not cut["armed"]
    assert page.status == 200, page.html[:500]
    assert page.h1 == "Tack för dina svar!"
    ballots = db_session.execute(sa.text("SELECT count(*) FROM ballots")).scalar_one()
    assert ballots == 1
    with blinking.app_context():
        db.engine.dispose()


def _unprefixed(fields: dict[str, str]) -> dict[str, str]:
    return {k.removeprefix("a-"): v for k, v in fields.items()}


@POSTGRESQL
def test_postgresql_down_keeps_the_page_and_sending_again_saves_it(
    app, manager_link, postgres, db_session
):
    """While the server is down: a 503 in Swedish with Retry-After that holds what was entered;
    once it is back, one button sends it again and it is saved."""
    if not postgres.restartable:
        pytest.skip("needs the test's own PostgreSQL cluster, which it stops and starts")
    b = Browser(app.test_client())
    b.get(manager_link)
    b.press("Starta enkäten")
    b.press("Nästa", fill=PAGE_1)
    postgres.pg_ctl("stop")
    try:
        form = b.page.form_with("Nästa")
        response = b.client.post(
            "/survey/page/2",
            data={**dict(form.hidden), **PAGE_2, "action": "next"},
        )
    finally:
        postgres.pg_ctl("start")
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert TRY_AGAIN in html
    assert 'name="a-cap_benefits_1" value="2"' in html
    assert saved_answers(db_session, manager_link) == {
        "cap_governance_1": "4",
        "cap_governance_2": "dk",
    }
    page = b._done(response)
    page = b.press("Skicka igen")
    assert page.status == 200
    assert page.path == "/survey/page/3"
    assert saved_answers(db_session, manager_link)["cap_benefits_1"] == "2"


@SQLITE
def test_read_only_sqlite_gives_a_swedish_503_and_writes_nothing(app, manager_link, db_session):
    """SQLite refusing a write → the try-again page, the respondent's entries in it, and every
    table as it was. (The tests run as root, whom file modes do not stop, so the database is
    made read-only for every new connection with ``PRAGMA query_only``: the same refusal,
    "attempt to write a readonly database", that a read-only file or mount gives; a full disk
    is the same OperationalError with another message.)"""
    from tests.support.database import table_snapshot

    b = Browser(app.test_client())
    b.get(manager_link)
    b.press("Starta enkäten")
    b.press("Nästa", fill=PAGE_1)
    before = table_snapshot(app)
    with app.app_context():

        def refuse(dbapi_connection, _record):
            dbapi_connection.execute("PRAGMA query_only = ON")

        sa.event.listen(db.engine, "connect", refuse)
        db.engine.dispose()  # every connection from now on refuses writes
    try:
        page = b.press("Nästa", fill=PAGE_2)
    finally:
        with app.app_context():
            sa.event.remove(db.engine, "connect", refuse)
            db.engine.dispose()
    assert page.status == 503, page.html[:300]
    assert TRY_AGAIN in page.html and "Skicka igen" in page.html
    assert 'name="a-cap_benefits_1" value="2"' in page.html
    assert table_snapshot(app) == before
    page = b.press("Skicka igen")
    assert page.path == "/survey/page/3"
    assert saved_answers(db_session, manager_link)["cap_benefits_1"] == "2"


def _mognad(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from survey.cli import main; main()", *args],
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


STRONG_KEY = "k7Qz-9vLp2Xw4Rt8Ns6Ym1Bc3Df5Gh0Jq_Ue7Wa2Zx9Lk4Mn8Po1"
UNREACHABLE = "postgresql+psycopg://mognad:s3cret-pw@/mognad?host=/nonexistent-socket-dir"


@pytest.mark.parametrize("command", [("db", "upgrade"), ("round", "list"), ("run", "--port", "0")])
def test_commands_say_in_one_line_that_the_database_is_unreachable(command, tmp_path):
    out = _mognad(
        *command,
        env={
            "MOGNAD_DATABASE_URL": UNREACHABLE,
            "MOGNAD_INSTANCE_PATH": str(tmp_path),
            "MOGNAD_SECRET_KEY": STRONG_KEY,  # `run` asks for it first
        },
    )
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("Error: cannot reach the database postgresql+psycopg://mognad:***@")
    assert "s3cret-pw" not in out.stderr + out.stdout
    assert "Traceback" not in out.stderr


@pytest.mark.slow
def test_gunicorn_refuses_to_start_without_its_database(tmp_path):
    gunicorn = Path(sys.executable).with_name("gunicorn")
    out = subprocess.run(
        [str(gunicorn), "-c", "python:survey.gunicorn_conf", "-b", "127.0.0.1:0", "wsgi:app"],
        cwd=ROOT,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "MOGNAD_SECRET_KEY": STRONG_KEY,
            "MOGNAD_DATABASE_URL": UNREACHABLE,
            "MOGNAD_INSTANCE_PATH": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode != 0
    assert "cannot reach the database postgresql+psycopg://mognad:***@" in out.stderr
    assert "s3cret-pw" not in out.stderr and "Traceback" not in out.stderr
