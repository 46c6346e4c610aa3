"""Concurrent respondents against a real gunicorn on PostgreSQL: nothing lost, nothing doubled.

Not a timing test: it asserts outcomes (exactly one response per invitation once the round
is closed and every submission mixed), never durations.
Everything runs on loopback; gunicorn is always killed.
"""

from __future__ import annotations

import contextlib
import csv
import http.cookiejar
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey import create_app
from survey.extensions import db
from tests.conftest import QUESTIONNAIRE, SMALL_ORG, fresh_pg_database
from tests.pg import PostgresServer

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
CLIENTS = 200
SAME_TOKEN_THREADS = 20
RACED = 5  # invitations whose one draft SAME_TOKEN_THREADS threads submit at once
TIMEOUT = 60  # seconds per HTTP request; the whole run is bounded by the pool's result timeout

START = "Starta enkäten"
NEXT = "Nästa"
SUBMIT = "Skicka in svaren"
REVIEW_H1 = "Granska dina svar"
THANKS_H1 = "Tack för dina svar!"
ALREADY_H1 = "Du har redan svarat"


# --- A tiny browser: forms, cookies, redirects (urllib; no extra dependency) --------------------


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)  # hidden + prefilled inputs
    radios: dict[str, list[str]] = field(default_factory=dict)
    checked: dict[str, str] = field(default_factory=dict)
    buttons: list[tuple[str, str | None, str | None]] = field(default_factory=list)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.h1 = ""
        self._in_h1 = False
        self._button: list | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "h1":
            self._in_h1 = True
        elif tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
        elif not self.forms:
            return
        elif tag == "input":
            self._input(self.forms[-1], a)
        elif tag == "button" and a.get("type", "submit") == "submit":
            self._button = [a.get("name"), a.get("value"), ""]
        elif tag == "textarea":
            self._textarea = a.get("name")

    def _input(self, form: Form, a: dict[str, str]) -> None:
        kind, name = a.get("type", "text").lower(), a.get("name")
        if kind == "submit":
            form.buttons.append((a.get("value", ""), name, a.get("value")))
        elif not name:
            return
        elif kind == "radio":
            form.radios.setdefault(name, []).append(a.get("value", ""))
            if "checked" in a:
                form.checked[name] = a.get("value", "")
        elif kind == "checkbox":
            if "checked" in a:
                form.fields.append((name, a.get("value", "on")))
        else:
            form.fields.append((name, a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_h1 = False
        elif tag == "button" and self._button is not None:
            name, value, text = self._button
            self.forms[-1].buttons.append((" ".join(text.split()), name, value))
            self._button = None
        elif tag == "textarea" and self._textarea:
            self.forms[-1].fields.append((self._textarea, ""))
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self.h1 += data
        if self._button is not None:
            self._button[2] += data


@dataclass
class Page:
    url: str
    status: int
    html: str
    forms: list[Form]
    h1: str

    def form_with(self, button: str) -> Form:
        for form in self.forms:
            if any(text == button for text, _, _ in form.buttons):
                return form
        raise AssertionError(f"no form with button {button!r} on {self.url} (h1 {self.h1!r})")


class Client:
    """One respondent: its own cookie jar; follows redirects like a browser."""

    def __init__(self, cookies: http.cookiejar.CookieJar | None = None) -> None:
        self.cookies = cookies if cookies is not None else http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self.requests = 0

    def _open(self, request: urllib.request.Request) -> Page:
        self.requests += 1
        try:
            with self.opener.open(request, timeout=TIMEOUT) as resp:
                status, url, body = resp.status, resp.geturl(), resp.read()
        except urllib.error.HTTPError as e:
            status, url, body = e.code, e.geturl(), e.read()
        parser = _Parser()
        parser.feed(body.decode("utf-8", "replace"))
        return Page(
            url, status, body.decode("utf-8", "replace"), parser.forms, " ".join(parser.h1.split())
        )

    def get(self, url: str) -> Page:
        return self._open(urllib.request.Request(url))

    def submit(self, page: Page, button: str, answer: bool = True) -> Page:
        """Press ``button``; with ``answer`` pick the first option of every unanswered group."""
        form = page.form_with(button)
        data = list(form.fields)
        for name, values in form.radios.items():
            if name in form.checked:
                data.append((name, form.checked[name]))
            elif answer:
                data.append((name, values[0]))
        _, name, value = next(b for b in form.buttons if b[0] == button)
        if name:
            data.append((name, value or ""))
        url = urllib.parse.urljoin(page.url, form.action or page.url)
        body = urllib.parse.urlencode(data).encode()
        return self._open(urllib.request.Request(url, data=body, method="POST"))


def walk_to_review(client: Client, link: str, answer_pages: int | None = None) -> Page:
    """Open a link, start, answer all pages (or the first ``answer_pages``); reach review."""
    page = client.get(link)
    assert page.status == 200, (page.status, page.url)
    page = client.submit(page, START)
    n = 0
    while page.h1 != REVIEW_H1:
        assert page.status == 200, (page.status, page.url, page.h1)
        n += 1
        assert n < 40, f"never reached the review page (at {page.url})"
        page = client.submit(page, NEXT, answer=answer_pages is None or n <= answer_pages)
    return page


# --- Servers and data ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def pg_url(postgres: PostgresServer | None, request: pytest.FixtureRequest) -> Iterator[str]:
    """A freshly migrated PostgreSQL database (this test needs PostgreSQL, never SQLite)."""
    if postgres is None:
        pytest.skip("PostgreSQL is not available (set MOGNAD_REQUIRE_POSTGRES=1 to fail instead)")
    request.getfixturevalue("pg_template")
    with fresh_pg_database(postgres) as url:
        yield url


@dataclass
class Setup:
    base_url: str
    links: list[str]
    engine: sa.Engine
    config: dict[str, str]

    def scalar(self, sql: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.text(sql)).scalar() or 0)

    def submitted(self) -> int:
        """Accepted submissions: mixed into responses or still pending in the ballot box."""
        return self.scalar(
            "SELECT (SELECT count(*) FROM responses) + (SELECT count(*) FROM ballots)"
        )

    def close(self) -> None:
        """Close the round through the CLI; closing mixes every pending submission."""
        app = create_app(self.config)
        with app.app_context():
            result = app.test_cli_runner().invoke(args=["round", "close", "R"])
            db.engine.dispose()
        assert result.exit_code == 0, result.output
        assert self.scalar("SELECT count(*) FROM ballots") == 0


@pytest.fixture
def served(pg_url: str, tmp_path: Path) -> Iterator[Setup]:
    """An invited round with CLIENTS + RACED employees and their links, served by gunicorn."""
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    config = {
        "DATABASE_URL": pg_url,
        "SECRET_KEY": "concurrency-secret-" + "0123456789abcdef" * 2,
        "BASE_URL": base_url,
    }
    app = create_app(config)
    runner = app.test_cli_runner()

    def cli(*args: str) -> None:
        result = runner.invoke(args=list(args))
        assert result.exit_code == 0, result.output

    org = tmp_path / "org.csv"
    org.write_text("\n".join(",".join(r) for r in SMALL_ORG) + "\n", encoding="utf-8")
    people = tmp_path / "people.csv"
    people.write_text(
        "email,unit_code,role\n"
        + "".join(f"p{i}@example.org,EDU-A,employee\n" for i in range(CLIENTS + RACED)),
        encoding="utf-8",
    )
    out = tmp_path / "links.csv"
    with app.app_context():
        cli("org", "import", "--year", "2025", str(org))
        cli("round", "create", "R", "--year", "2025", "--questionnaire", str(QUESTIONNAIRE))
        cli("respondents", "import", "R", str(people))
        cli("round", "open", "R")
        cli("links", "R", "--out", str(out))
        db.engine.dispose()
    with out.open(encoding="utf-8-sig", newline="") as fh:
        links = [row["url"] for row in csv.DictReader(fh)]
    assert len(links) == CLIENTS + RACED and all(u.startswith(base_url) for u in links)

    env = {
        **os.environ,
        "MOGNAD_DATABASE_URL": pg_url,
        "MOGNAD_SECRET_KEY": config["SECRET_KEY"],
        "MOGNAD_BASE_URL": base_url,
        "MOGNAD_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    log = (tmp_path / "gunicorn.log").open("w")
    proc = subprocess.Popen(
        [
            str(GUNICORN),
            "-w",
            "4",
            "-k",
            "gthread",
            "--threads",
            "8",
            "-b",
            f"127.0.0.1:{port}",
            "--graceful-timeout",
            "5",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    engine = sa.create_engine(pg_url)
    try:
        _wait_until_serving(proc, port, tmp_path / "gunicorn.log")
        yield Setup(base_url, links, engine, config)
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()
        engine.dispose()
    text = (tmp_path / "gunicorn.log").read_text(errors="replace")
    assert "Traceback" not in text and "ERROR in" not in text, text[-5000:]


def _wait_until_serving(proc: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"gunicorn exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    pytest.fail(f"gunicorn did not start listening within 30 s:\n{log.read_text()[-3000:]}")


# --- The tests ----------------------------------------------------------------------------------


def respond(link: str) -> tuple[str, int]:
    """One respondent from link to thank-you page; return the final h1 and the form posts."""
    client = Client()
    review = walk_to_review(client, link, answer_pages=1)
    done = client.submit(review, SUBMIT)
    assert done.status == 200, (done.status, done.url, done.html[-2000:])
    return done.h1, client.requests


def test_parallel_respondents_each_counted_once(served: Setup) -> None:
    links = served.links[:CLIENTS]
    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        futures = [pool.submit(respond, link) for link in links]
        outcomes = [f.result(timeout=300) for f in futures]
    seconds = time.monotonic() - began
    requests = sum(n for _, n in outcomes)
    print(
        f"\n{CLIENTS} respondents, {requests} requests (redirects not counted) in "
        f"{seconds:.1f} s: {CLIENTS / seconds:.1f} submissions/s (information, not asserted)"
    )

    assert [h1 for h1, _ in outcomes] == [THANKS_H1] * CLIENTS
    assert served.submitted() == CLIENTS
    # Full batches were mixed while respondents kept submitting; the rest waits for close.
    assert served.scalar("SELECT count(*) FROM ballots") < CLIENTS
    served.close()
    assert served.scalar("SELECT count(*) FROM responses") == CLIENTS
    assert served.scalar("SELECT count(*) FROM invitations WHERE status = 'completed'") == CLIENTS
    assert served.scalar("SELECT count(*) FROM drafts") == 0
    # Every response kept the answers of the page its respondent answered.
    assert (
        served.scalar(
            "SELECT count(*) FROM responses r WHERE NOT EXISTS "
            "(SELECT 1 FROM answers a WHERE a.response_id = r.id)"
        )
        == 0
    )


def race(link: str) -> list[tuple[int, str]]:
    """Reach review once, then post the submit form from SAME_TOKEN_THREADS threads at once."""
    owner = Client()
    review = walk_to_review(owner, link, answer_pages=1)
    barrier = threading.Barrier(SAME_TOKEN_THREADS)

    def submit_copy(_: int) -> tuple[int, str]:
        jar = http.cookiejar.CookieJar()
        for cookie in owner.cookies:
            jar.set_cookie(cookie)
        client = Client(jar)
        barrier.wait(timeout=30)
        page = client.submit(review, SUBMIT)
        return page.status, page.h1

    with ThreadPoolExecutor(max_workers=SAME_TOKEN_THREADS) as pool:
        return list(pool.map(submit_copy, range(SAME_TOKEN_THREADS), timeout=120))


def test_simultaneous_submissions_of_one_draft_make_one_response(served: Setup) -> None:
    links = served.links[-RACED:]
    for n, link in enumerate(links, start=1):
        results = race(link)
        assert all(status == 200 for status, _ in results), results
        assert {h1 for _, h1 in results} == {THANKS_H1}, results
        assert served.submitted() == n
        assert Client().get(link).h1 == ALREADY_H1  # the link is spent

    assert served.scalar("SELECT count(*) FROM invitations WHERE status = 'completed'") == RACED
    assert served.scalar("SELECT count(*) FROM drafts") == 0
    served.close()
    assert served.scalar("SELECT count(*) FROM responses") == RACED
    with served.engine.connect() as conn:
        per_response = (
            conn.execute(sa.text("SELECT count(*) FROM answers GROUP BY response_id"))
            .scalars()
            .all()
        )
    assert len(per_response) == RACED and len(set(per_response)) == 1, per_response
