"""No token reaches a log: whole respondent journeys against real servers, logs read afterwards.

Both servers the README names are started as subprocesses on a port they choose themselves
(port 0, read back from their start-up line): the development server of `make demo`
(`mognad run`) and gunicorn with the shipped config. The journey covers a personal link, its
pages and submit, an open unit link, and a NUL byte in a comment (400, nothing stored).
"""

from __future__ import annotations

import hashlib
import http.cookiejar
import logging
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask import request

from survey import create_app
from survey.extensions import db
from tests.conftest import table_snapshot
from tests.survey.respondent import Browser, invite, issue_links

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SECRET = "server-logs-test-secret-" + "k" * 32
LISTENING = re.compile(r"(?:Running on|Listening at:) http://127\.0\.0\.1:(\d+)")
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
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@dataclass
class _Response:
    status_code: int
    body: str
    request: SimpleNamespace

    def get_data(self, as_text: bool = False) -> str:
        return self.body


class HttpClient:
    """The two calls Browser makes on a Flask test client, over real HTTP with a cookie jar."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def _open(self, path: str, data: bytes | None) -> _Response:
        try:
            with self.opener.open(self.base + path, data=data, timeout=30) as r:
                status, body, url = r.status, r.read().decode(), r.geturl()
        except urllib.error.HTTPError as e:
            status, body, url = e.code, e.read().decode(), e.geturl()
        return _Response(status, body, SimpleNamespace(path=urllib.parse.urlsplit(url).path))

    def get(self, path: str, follow_redirects: bool = True) -> _Response:
        return self._open(path, None)

    def post(self, path: str, data: dict, follow_redirects: bool = True) -> _Response:
        return self._open(path, urllib.parse.urlencode(data, doseq=True).encode())


@contextmanager
def serving(command: list[str], env: dict[str, str], log: Path) -> Iterator[str]:
    """Start a server that picks its own port; yield its base URL; stop it; keep its output."""
    with log.open("w") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                found = LISTENING.search(log.read_text(errors="replace"))
                if found:
                    break
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"server did not start ({proc.poll()}):\n{log.read_text()}")
                time.sleep(0.1)
            yield f"http://127.0.0.1:{found.group(1)}"
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


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
    db.session.remove()
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
        before = _snapshot(app)
        refused = b.press("Nästa", choose="first", fill={comment: "hej\x00då"})
        assert refused.status == 400 and "styrtecken" in refused.html
        assert _snapshot(app) == before
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


def _snapshot(app) -> dict:
    with app.app_context():
        snap = table_snapshot()
        db.engine.dispose()
    return snap


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
    def boom():  # type: ignore[no-untyped-def]
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
    assert db.session.scalar(sa.select(sa.literal(1))) == 1  # the session still works
