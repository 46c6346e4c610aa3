"""Concurrent respondents against a real gunicorn on PostgreSQL: nothing lost, nothing doubled.

Not a timing test: it asserts outcomes (exactly one response per invitation once the round
is closed and every submission is a response), never durations.
Everything runs on loopback; gunicorn is always killed.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey import create_app
from survey.extensions import db
from tests.support import factory
from tests.support.forms import Browser, HttpClient, Page
from tests.support.servers import serving

pytestmark = pytest.mark.slow

GUNICORN = Path(sys.executable).parent / "gunicorn"
CLIENTS = 200
SAME_TOKEN_THREADS = 20
RACED = 5  # invitations whose one draft SAME_TOKEN_THREADS threads submit at once
TIMEOUT = 60  # seconds per HTTP request; the whole run is bounded by the pool's result timeout

SUBMIT = "Skicka in svaren"
THANKS_H1 = "Tack för dina svar!"
ALREADY_H1 = "Du har redan svarat"


def walk_to_review(client: HttpClient, link: str) -> Page:
    """Open a link, start, answer the first page only and reach the review page."""
    b = Browser(client)
    page = b.get(link)
    assert page.status == 200, (page.status, page.path)
    b.walk_to_review(answer_pages=1)
    assert b.page is not None
    return b.page


# --- Server and data ----------------------------------------------------------------------------


@dataclass
class Setup:
    base_url: str
    links: list[str]
    engine: sa.Engine
    config: dict[str, str]

    def client(self) -> HttpClient:
        return HttpClient(self.base_url, timeout=TIMEOUT)

    def scalar(self, sql: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.text(sql)).scalar() or 0)

    def submitted(self) -> int:
        """Accepted submissions: in the ballot box until the close, responses after it."""
        return self.scalar(
            "SELECT (SELECT count(*) FROM responses) + (SELECT count(*) FROM ballots)"
        )

    def close(self) -> None:
        """Close the round through the CLI; closing turns every submission into a response."""
        app = factory.commands(create_app(self.config))
        factory.close_round(app.test_cli_runner(), "R")
        with app.app_context():
            db.engine.dispose()
        assert self.scalar("SELECT count(*) FROM ballots") == 0


@pytest.fixture
def served(pg_url: str, tmp_path: Path) -> Iterator[Setup]:
    """An invited round with CLIENTS + RACED employees and their links, served by gunicorn.

    Gunicorn binds port 0; the links are used by their path on whatever port it got.
    """
    config = {
        "DATABASE_URL": pg_url,
        "SECRET_KEY": "concurrency-secret-" + "0123456789abcdef" * 2,
        "BASE_URL": "http://mognad.test",
    }
    app = factory.commands(create_app(config))
    people = [(f"p{i}@example.org", "EDU-A", "employee") for i in range(CLIENTS + RACED)]
    survey = factory.make_survey(app.test_cli_runner(), tmp_path, people=people, name="R")
    with app.app_context():
        db.engine.dispose()
    links = [row["url"] for row in survey.rows]
    assert len(links) == CLIENTS + RACED

    env = {
        **os.environ,
        "MOGNAD_DATABASE_URL": pg_url,
        "MOGNAD_SECRET_KEY": config["SECRET_KEY"],
        "MOGNAD_BASE_URL": config["BASE_URL"],
        "MOGNAD_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    command = [str(GUNICORN), "-w", "4", "-k", "gthread", "--threads", "8"]
    command += ["-b", "127.0.0.1:0", "--graceful-timeout", "5", "wsgi:app"]
    log = tmp_path / "gunicorn.log"
    engine = sa.create_engine(pg_url)
    try:
        with serving(command, env, log, timeout=30) as base_url:
            yield Setup(base_url, links, engine, config)
    finally:
        engine.dispose()
    text = log.read_text(errors="replace")
    assert "Traceback" not in text and "ERROR in" not in text, text[-5000:]


# --- The tests ----------------------------------------------------------------------------------


def respond(base_url: str, link: str) -> tuple[str, int]:
    """One respondent from link to thank-you page; return the final h1 and the form posts."""
    client = HttpClient(base_url, timeout=TIMEOUT)
    review = walk_to_review(client, link)
    done = Browser(client).press(SUBMIT, page=review)
    assert done.status == 200, (done.status, done.path, done.html[-2000:])
    return done.h1, client.requests


def test_parallel_respondents_each_counted_once(served: Setup) -> None:
    links = served.links[:CLIENTS]
    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        futures = [pool.submit(respond, served.base_url, link) for link in links]
        outcomes = [f.result(timeout=300) for f in futures]
    seconds = time.monotonic() - began
    requests = sum(n for _, n in outcomes)
    print(
        f"\n{CLIENTS} respondents, {requests} requests (redirects not counted) in "
        f"{seconds:.1f} s: {CLIENTS / seconds:.1f} submissions/s (information, not asserted)"
    )

    assert [h1 for h1, _ in outcomes] == [THANKS_H1] * CLIENTS
    assert served.submitted() == CLIENTS
    # No response exists during fieldwork: every submission waits for the close.
    assert served.scalar("SELECT count(*) FROM ballots") == CLIENTS
    assert served.scalar("SELECT count(*) FROM invitations WHERE status = 'completed'") == CLIENTS
    served.close()
    assert served.scalar("SELECT count(*) FROM responses") == CLIENTS
    # The close kept who answered only as counts per unit and role.
    assert served.scalar("SELECT count(*) FROM invitations WHERE status = 'completed'") == 0
    assert served.scalar("SELECT sum(completed) FROM invitation_counts") == CLIENTS
    assert served.scalar("SELECT count(*) FROM drafts") == 0
    # Every response kept the answers of the page its respondent answered.
    assert (
        served.scalar(
            "SELECT count(*) FROM responses r WHERE NOT EXISTS "
            "(SELECT 1 FROM answers a WHERE a.response_id = r.id)"
        )
        == 0
    )


def race(served: Setup, link: str) -> list[tuple[int, str]]:
    """Reach review once, then post the submit form from SAME_TOKEN_THREADS threads at once."""
    owner = served.client()
    review = walk_to_review(owner, link)
    barrier = threading.Barrier(SAME_TOKEN_THREADS)

    def submit_copy(_: int) -> tuple[int, str]:
        browser = Browser(owner.copy())
        barrier.wait(timeout=30)
        page = browser.press(SUBMIT, page=review)
        return page.status, page.h1

    with ThreadPoolExecutor(max_workers=SAME_TOKEN_THREADS) as pool:
        return list(pool.map(submit_copy, range(SAME_TOKEN_THREADS), timeout=120))


def test_simultaneous_submissions_of_one_draft_make_one_response(served: Setup) -> None:
    links = served.links[-RACED:]
    for n, link in enumerate(links, start=1):
        results = race(served, link)
        assert all(status == 200 for status, _ in results), results
        assert {h1 for _, h1 in results} == {THANKS_H1}, results
        assert served.submitted() == n
        assert Browser(served.client()).get(link).h1 == ALREADY_H1  # the link is spent

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
