"""A respondent's whole journey in Chromium leaves no link token in any server log.

The browser talks to the servers the README names, started as real processes: the development
server of `make demo` (`mognad run`) and gunicorn with the shipped configuration. Both write
their request lines; afterwards the captured output must hold the redacted paths and none of
the tokens (nor their hashes), so a log cannot link a person to a time or an address.
"""

from __future__ import annotations

import hashlib
import os
import sys
import urllib.parse
from pathlib import Path

import pytest
from playwright.sync_api import Page

from survey import create_app
from survey.extensions import db
from tests.browser import flows
from tests.browser.texts import SV
from tests.support import factory
from tests.support.servers import serving

BIN = Path(sys.executable).parent
SECRET = "browser-journey-secret-" + "k" * 32
SERVERS = {
    "mognad run": [str(BIN / "mognad"), "run", "--host", "127.0.0.1", "--port", "0"],
    "gunicorn": [
        str(BIN / "gunicorn"),
        *("-c", "python:survey.gunicorn_conf", "-b", "127.0.0.1:0", "-w", "2", "wsgi:app"),
    ],
}


@pytest.mark.parametrize("server", sorted(SERVERS))
def test_a_browser_journey_leaves_no_token_in_the_server_log(
    page: Page, database_url: str, tmp_path: Path, server: str
) -> None:
    app = factory.commands(
        create_app(
            {
                "DATABASE_URL": database_url,
                "TESTING": True,
                "SECRET_KEY": SECRET,
                "BASE_URL": "http://127.0.0.1",
            }
        )
    )
    runner = app.test_cli_runner()
    invited = factory.make_survey(runner, tmp_path, people=1)
    write_csv = factory.csv_writer(tmp_path)
    factory.create_round(runner, write_csv, name="OPEN", mode="open", status="open", org=False)
    unit = factory.issue_links(runner, tmp_path / "unit-links.csv", "OPEN", unit="EDU-A")
    links = [invited.link("employee"), invited.link("manager"), unit[0]["url"]]
    tokens = [urllib.parse.urlsplit(u).path.rsplit("/", 1)[1] for u in links]
    tokens += [hashlib.sha256(t.encode()).hexdigest() for t in tokens]
    with app.app_context():
        db.engine.dispose()

    env = {
        **os.environ,
        "MOGNAD_DATABASE_URL": database_url,
        "MOGNAD_SECRET_KEY": SECRET,
        "MOGNAD_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    env.pop("FLASK_DEBUG", None)
    log = tmp_path / "server.log"
    with serving(SERVERS[server], env, log) as base:

        def local(url: str) -> str:
            return base + urllib.parse.urlsplit(url).path

        flows.to_review(page, local(links[0]))  # every page of a personal link
        flows.press(page, SV["submit"])
        assert flows.h1(page) == SV["thanks"]
        page.go_back()  # Back after submitting shows the receipt again
        assert flows.h1(page) == SV["thanks"]
        flows.start(page, local(links[1]))  # a second person stops half-way
        flows.answer_fast(page, pages=1)
        page.context.clear_cookies()
        page.goto(local(links[2]))  # an open unit link
        page.get_by_label(SV["roles"]["employee"], exact=True).check()
        flows.press(page, SV["continue"])
        flows.press(page, SV["start"])

    text = log.read_text(errors="replace")
    assert text.count("/s/[redacted]") >= 2, text[-2000:]  # the requests were logged
    assert "/[redacted]" in text
    leaked = [t for t in tokens if t in text]
    assert not leaked, f"{len(leaked)} token(s) or hashes in the {server} log"
    assert "Traceback" not in text
