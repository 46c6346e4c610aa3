"""The attacker's tools: N submissions in a known order, and ways to read what is on disk.

N = 23 personal-link submissions go through the real pages. Each respondent writes a unique
comment, so the test (not the attacker) knows which response is whose. The invitations are
imported in a fixed random order, so their import order says nothing about who answers when;
only what the system writes at submission or close could. 23 is two batches of the retired
mixer (B = 10) and three submissions left at close: each attack below found something there.
"""

from __future__ import annotations

import random
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner
from scipy.stats import kendalltau

from survey.extensions import db
from tests.support.factory import invite, issue_links
from tests.support.forms import Browser

N = 23
COMMENT = "c-comment_learning"
# Written out here, not imported from survey.traces: if a table left that list, the attacks
# below would still look at it.
TOUCHED = (
    "ballots",
    "drafts",
    "invitations",
    "responses",
    "answers",
    "response_comments",
)


@dataclass
class Submitted:
    runner: FlaskCliRunner
    token: str  # in every marker, so that no other test's bytes can match
    draft_only: dict[int, str]  # comments that were only ever drafts, then replaced
    unsubmitted: str  # the comment of the one person who never submitted

    def marker(self, i: int) -> str:
        return f"marker {self.token} {i:02d}"

    def whose(self, text: str) -> int:
        assert text.startswith(f"marker {self.token} "), text
        return int(text.rsplit(" ", 1)[1])


def email(i: int) -> str:
    return f"p{i:02d}@example.org"


def answer(b: Browser, comment: str | None) -> None:
    """From the welcome page to the review page, writing ``comment`` on the comment page."""
    b.press("Starta enkäten")
    while b.page.h1 != "Granska dina svar":
        assert b.page.status == 200, b.page.path
        fill = {COMMENT: comment} if comment and COMMENT in b.page.forms[0].texts else {}
        b.press("Nästa", choose="first", fill=fill)


def comment_page(b: Browser) -> int:
    """The comment page is the last numbered page the review page links to."""
    return max(int(n) for n in re.findall(r"/survey/page/(\d+)", b.page.html))


def scalar(db_session, sql: str) -> int:
    db_session.rollback()
    return int(db_session.scalar(sa.text(sql)) or 0)


def rows(db_session, sql: str) -> list[sa.Row]:
    db_session.rollback()
    return list(db_session.execute(sa.text(sql)))


def is_postgresql(app: Flask) -> bool:
    return str(app.config["DATABASE_URL"]).startswith("postgresql")


@pytest.fixture
def submitted(app, make_round, runner, write_csv, tmp_path, db_session) -> Submitted:
    """N submissions in order 0..N-1, three of them first saved with another comment, and one
    respondent who only saved a draft. No response may exist at any point of this."""
    token = secrets.token_hex(4)
    s = Submitted(
        runner,
        token,
        {i: f"draftonly {token} {i:02d}" for i in (0, 11, 21)},
        f"unsubmitted {token} never sent",
    )
    make_round()
    order = list(range(N))
    random.Random(2025).shuffle(order)  # import order: fixed, and not the order of answering
    people = [(email(i), ("EDU-A", "EDU-B")[i % 2], "employee") for i in order]
    invite(runner, write_csv, people=[*people, ("late@example.org", "EDU-A", "employee")])
    links = {r["email"]: r["url"] for r in issue_links(runner, tmp_path / "links.csv")}
    late = Browser(app.test_client())
    late.get(links["late@example.org"])
    answer(late, s.unsubmitted)
    for i in range(N):
        b = Browser(app.test_client())
        b.get(links[email(i)])
        answer(b, s.draft_only.get(i, s.marker(i)))
        if i in s.draft_only:  # change the comment before sending: the first was a draft
            b.get(f"/survey/page/{comment_page(b)}")
            b.press("Nästa", fill={COMMENT: s.marker(i)})
        assert b.press("Skicka in svaren").h1 == "Tack för dina svar!"
        # The mixer put batches of 10 into the responses here; now nothing exists before close.
        assert scalar(db_session, "SELECT count(*) FROM responses") == 0, i
        assert scalar(db_session, "SELECT count(*) FROM ballots") == i + 1
    return s


def order_is_chance(order: list[int]) -> float:
    """Kendall's tau of physical position against submission order, checked against chance.

    For n = 23 shuffled uniformly tau has standard deviation 0.15; the bound 0.75 is five of
    those (a false alarm about once in three million runs), while an order that follows
    submission scores 1. Returns tau for the message.
    """
    tau = float(kendalltau(range(len(order)), order).statistic)
    assert abs(tau) < 0.75, (tau, order)
    return tau


@pytest.fixture
def pageinspect(app: Flask, db_session) -> Callable[[str], list[sa.Row]]:
    """heap_page_items over every block of a table (and of its TOAST table), as a superuser."""
    if not is_postgresql(app):
        pytest.skip("row versions and pageinspect are a PostgreSQL matter")
    try:
        db_session.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
        db_session.commit()
    except sa.exc.DBAPIError:
        db_session.rollback()
        pytest.skip("pageinspect needs a superuser and the contrib package")

    def items(table: str) -> list[sa.Row]:
        relations = [table]
        toast = db_session.scalar(
            sa.text(
                "SELECT reltoastrelid::regclass::text FROM pg_class "
                "WHERE oid = CAST(:t AS regclass) AND reltoastrelid <> 0"
            ),
            {"t": table},
        )
        relations += [toast] if toast else []
        found: list[sa.Row] = []
        for rel in relations:
            blocks = scalar(
                db_session,
                f"SELECT pg_relation_size('{rel}') / current_setting('block_size')::int",
            )
            for block in range(blocks):
                found += rows(
                    db_session,
                    "SELECT lp, lp_flags, lp_len, t_xmin::text AS t_xmin, "
                    "t_xmax::text AS t_xmax, t_infomask, t_ctid::text AS t_ctid "
                    f"FROM heap_page_items(get_raw_page('{rel}', {block}))",
                )
        return found

    return items


def raw_pages(db_session, table: str) -> bytes:
    """Every byte of a table's file, live rows, dead rows and free space alike."""
    blocks = scalar(
        db_session, f"SELECT pg_relation_size('{table}') / current_setting('block_size')::int"
    )
    return b"".join(
        bytes(db_session.scalar(sa.text(f"SELECT get_raw_page('{table}', {n})")))
        for n in range(blocks)
    )


def engine(app: Flask) -> sa.Engine:
    with app.app_context():
        return db.engine
