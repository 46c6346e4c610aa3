"""No token reaches a log: whole respondent journeys against real servers, logs read afterwards.

Both servers the README names are started as subprocesses on a port they choose themselves
(port 0, read back from their start-up line): the development server of `make demo`
(`mognad run`) and gunicorn with the shipped config. The journey covers a personal link, its
pages and submit, an open unit link, and a NUL byte in a comment (400, nothing stored).
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import request

from survey import create_app
from survey.extensions import db
from tests.conftest import table_snapshot
from tests.support import factory
from tests.support.factory import invite, issue_links
from tests.support.forms import Browser, HttpClient
from tests.support.servers import serving

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SECRET = "server-logs-test-secret-" + "0123456789abcdef" * 2
PEOPLE = [("anna@example.org", "EDU-A", "employee"), ("bo@example.org", "EDU-A", "manager")]


@pytest.fixture
def app(database_url: str) -> Iterator:
    """The conftest app, but with a secret a real server accepts (unit links depend on it)."""
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "TESTING": True,
            "SECRET_KEY": SECRET,
            "BASE_URL": "http://mognad.test",
        }
    )
    yield factory.commands(app)
    with app.app_context():
        db.engine.dispose()


SERVERS = {
    "mognad run": [str(BIN / "mognad"), "run", "--host", "127.0.0.1", "--port", "0"],
    "gunicorn": [
        str(BIN / "gunicorn"),
        "-c",
        "python:survey.gunicorn_conf",
        "-b",
        "127.0.0.1:0",
        "-w",
        "2",
        "wsgi:app",
    ],
}


@pytest.mark.parametrize("server", sorted(SERVERS))
def test_a_whole_journey_leaves_no_token_in_any_log(
    app, database_url, make_round, runner, write_csv, tmp_path, server
):
    make_round()
    invite(runner, write_csv, people=PEOPLE)
    personal = [urllib.parse.urlsplit(r["url"]).path for r in issue_links(runner, tmp_path / "p")]
    make_round(name="OPEN", mode="open", status="open", org=False)
    unit = urllib.parse.urlsplit(
        issue_links(runner, tmp_path / "u", name="OPEN", unit="EDU-A")[0]["url"]
    ).path
    secrets = [p.rsplit("/", 1)[1] for p in [*personal, unit]]
    secrets += [hashlib.sha256(s.encode()).hexdigest() for s in secrets]
    with app.app_context():
        db.engine.dispose()

    env = {
        **os.environ,
        "MOGNAD_DATABASE_URL": database_url,
        "MOGNAD_SECRET_KEY": SECRET,
        "MOGNAD_BASE_URL": "http://mognad.test",
        "MOGNAD_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    env.pop("FLASK_DEBUG", None)
    log = tmp_path / "server.log"
    with serving(SERVERS[server], env, log) as base:
        # A personal link: every page, then submit.
        b = Browser(HttpClient(base))
        assert b.get(personal[0]).path == "/survey"
        b.walk_to_review()
        assert b.press("Skicka in svaren").h1 == "Tack för dina svar!"
        assert b.get(personal[0]).status == 410  # the spent link, logged too
        # The other person writes a NUL byte into a comment: 400, and nothing is stored.
        b = Browser(HttpClient(base))
        b.get(personal[1])
        page = b.press("Starta enkäten")
        while not any(n.startswith("c-") for n in page.forms[0].texts):
            page = b.press("Nästa", choose="first")
        comment = next(n for n in page.forms[0].texts if n.startswith("c-"))
        before = table_snapshot(app)
        refused = b.press("Nästa", choose="first", fill={comment: "hej\x00då"})
        assert refused.status == 400 and "styrtecken" in refused.html
        assert table_snapshot(app) == before
        # An open unit link: role, start, a page.
        o = Browser(HttpClient(base))
        assert o.get(unit).path == "/survey/role"
        o.press("Fortsätt", fill={"role": "employee"})
        assert o.press("Starta enkäten").path == "/survey/page/1"
        assert o.get("/s/not-a-real-token-but-long-enough").status == 404

    text = log.read_text(errors="replace")
    assert "/s/[redacted]" in text and "/[redacted]" in text  # the requests were logged
    leaked = [s for s in secrets if s in text]
    assert not leaked, f"{len(leaked)} secret(s) in the {server} log:\n{text[-3000:]}"
    assert "not-a-real-token" not in text
    assert "Traceback" not in text


def _raw_get(base: str, path: str) -> int:
    """GET ``path`` exactly as written (no client normalises its escapes)."""
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


@pytest.mark.parametrize("server", sorted(SERVERS))
def test_percent_encoded_link_paths_are_redacted_too(
    app, database_url, make_round, runner, write_csv, tmp_path, server
):
    """Attack: `/%73/<token>` and `/s%2F<token>` reach the link route, but the raw request line
    shows no `/s/`, so the old redaction (on the raw line only) logged the token."""
    make_round()
    invite(runner, write_csv, people=PEOPLE[:1])
    link = urllib.parse.urlsplit(issue_links(runner, tmp_path / "p")[0]["url"]).path
    token = link.rsplit("/", 1)[1]
    make_round(name="OPEN", mode="open", status="open", org=False)
    unit = urllib.parse.urlsplit(
        issue_links(runner, tmp_path / "u", name="OPEN", unit="EDU-A")[0]["url"]
    ).path
    key = unit.rsplit("/", 1)[1]
    with app.app_context():
        db.engine.dispose()
    env = {
        **os.environ,
        "MOGNAD_DATABASE_URL": database_url,
        "MOGNAD_SECRET_KEY": SECRET,
        "MOGNAD_BASE_URL": "http://mognad.test",
        "MOGNAD_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    env.pop("FLASK_DEBUG", None)
    log = tmp_path / "server.log"
    encoded_unit = unit.replace("/", "%2F").replace("%2Fo%2F", "/%6F/", 1)
    variants = [f"/%73/{token}", f"/s%2F{token}", f"/s%2f{token}", f"/%2573/{token}"]
    with serving(SERVERS[server], env, log) as base:
        statuses = [_raw_get(base, path) for path in variants]
        # The first three reach the link route (a redirect into the survey), as the attacker
        # found; the double-encoded one is a plain 404 but is logged all the same.
        assert statuses[:3] == [302, 302, 302], statuses
        _raw_get(base, encoded_unit)
        _raw_get(base, f"/%73/{token}%0Afake%20line")  # decoded, a new log line
    text = log.read_text(errors="replace")
    assert text.count("/s/[redacted]") >= len(variants)
    assert token not in text and key not in text, text[-3000:]
    assert hashlib.sha256(token.encode()).hexdigest() not in text
    assert not any(line.startswith("fake line") for line in text.splitlines())


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.format(record)  # as a real handler would: the traceback text is made here
        self.records.append(record)


def test_the_answer_text_of_a_failed_request_is_never_logged(app, client):
    """An unexpected error is logged by type and place; its message may quote an answer."""

    @app.post("/boom")
    def boom():
        raise ValueError(f"the comment text was: {request.form['c']}")

    app.config["WTF_CSRF_ENABLED"] = False
    handler = _Records()
    app.logger.addHandler(handler)
    # Alembic's fileConfig (the template database's migration, in this process) disables
    # loggers that existed before it; a server process never migrates.
    app.logger.disabled = False
    try:
        response = client.post("/boom", data={"c": "my secret answer"})
    finally:
        app.logger.removeHandler(handler)
    assert response.status_code == 500
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in handler.records)
    assert "ValueError" in logged and "/boom" in logged
    assert "my secret answer" not in logged
    assert client.get("/accessibility").status_code == 200  # the app still serves


def test_the_app_log_redacts_percent_encoded_link_paths(app):
    handler = _Records()
    app.logger.addHandler(handler)
    app.logger.disabled = False
    token = "Zq3W8eSnwS6202aIGUTPZiL3CQ5tYWpc"
    try:
        app.logger.warning("odd request %s", f"/%73/{token}")
        app.logger.warning(f"odd request /s%2F{token}")
    finally:
        app.logger.removeHandler(handler)
    logged = [r.getMessage() for r in handler.records]
    assert logged == ["odd request /s/[redacted]"] * 2
