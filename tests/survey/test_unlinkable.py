"""Tried as an attacker who can read the whole database: responses do not link to people.

N = 3B personal-link submissions go through the real pages. Each respondent writes a unique
comment, so the test (not the attacker) knows which response is whose, and checks that the
system columns (xmin/xmax), dead row versions, physical row order and, after close, the raw
bytes of the database do no better than chance within a batch.

The order checks are statistical but not flaky: a batch of B = 10 shuffled uniformly gives a
within-batch Kendall tau with standard deviation 0.25, so the mean over three batches has
standard deviation 0.14; the bound 0.7 is five of those (a false alarm about once in two
million runs), while an unshuffled order scores exactly 1.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
import sqlalchemy as sa
from scipy.stats import kendalltau

from tests.support.factory import close_round, invite, issue_links
from tests.support.forms import Browser

B = 10  # the default MOGNAD_MIX_BATCH
N = 3 * B
COMMENT = "c-comment_learning"
TOKEN = secrets.token_hex(4)
DRAFT_ONLY = {i: f"draftonly {TOKEN} {i:02d}" for i in (0, 11, 25)}
UNSUBMITTED = f"unsubmitted {TOKEN} never sent"
TABLES = ("drafts", "ballots", "invitations")


def marker(i: int) -> str:
    return f"marker {TOKEN} {i:02d}"


def answer(b: Browser, comment: str | None) -> None:
    """From the welcome page to the review page, writing ``comment`` on the comment page."""
    b.press("Starta enkäten")
    while b.page.h1 != "Granska dina svar":
        assert b.page.status == 200, b.page.path
        fill = {COMMENT: comment} if comment and COMMENT in b.page.forms[0].texts else {}
        b.press("Nästa", choose="first", fill=fill)


@pytest.fixture
def submitted(app, make_round, runner, write_csv, tmp_path, db_session):  # type: ignore[no-untyped-def]
    """N submissions in a known order, and one respondent who only saved a draft."""
    assert app.config["MIX_BATCH"] == B
    make_round()
    people = [(f"p{i:02d}@example.org", ("EDU-A", "EDU-B")[i % 2], "employee") for i in range(N)]
    invite(runner, write_csv, people=[*people, ("late@example.org", "EDU-A", "employee")])
    links = {r["email"]: r["url"] for r in issue_links(runner, tmp_path / "links.csv")}
    late = Browser(app.test_client())
    late.get(links["late@example.org"])
    answer(late, UNSUBMITTED)
    for i in range(N):
        b = Browser(app.test_client())
        b.get(links[f"p{i:02d}@example.org"])
        answer(b, DRAFT_ONLY.get(i, marker(i)))
        if i in DRAFT_ONLY:  # change the comment before sending: the first was a draft
            b.get(f"/survey/page/{_comment_page(b)}")
            b.press("Nästa", fill={COMMENT: marker(i)})
        assert b.press("Skicka in svaren").h1 == "Tack för dina svar!"
        pending = _scalar(db_session, "SELECT count(*) FROM ballots")
        assert pending == (i + 1) % B  # a full batch is mixed by the submission that fills it
    return runner


def _comment_page(b: Browser) -> int:
    """The comment page is the last numbered page the review page links to."""
    import re

    return max(int(n) for n in re.findall(r"/survey/page/(\d+)", b.page.html))


def _scalar(db_session, sql: str) -> int:
    db_session.rollback()
    return int(db_session.scalar(sa.text(sql)) or 0)


def _rows(db_session, sql: str) -> list[sa.Row]:
    db_session.rollback()
    return list(db_session.execute(sa.text(sql)))


def _whose(text: str) -> int:
    assert text.startswith(f"marker {TOKEN} "), text
    return int(text.rsplit(" ", 1)[1])


def assert_order_is_chance(batches: list[list[int]]) -> None:
    """``batches``: submission indices in physical order, batch by batch."""
    assert sorted(len(b) for b in batches) == [B] * 3, batches
    taus, fixed = [], 0
    for batch in batches:
        taus.append(kendalltau(range(len(batch)), batch).statistic)
        fixed += sum(rank == pos for pos, rank in enumerate(sorted(batch).index(x) for x in batch))
    mean = sum(taus) / len(taus)
    assert abs(mean) < 0.7, (taus, batches)
    # An attacker guessing "physical position = submission position" gets Poisson(3) right.
    assert fixed < 15, batches


def test_nothing_links_a_response_to_its_invitation(app, submitted, db_session):
    assert _scalar(db_session, "SELECT count(*) FROM responses") == N
    assert _scalar(db_session, "SELECT count(*) FROM ballots") == 0
    assert _scalar(db_session, "SELECT count(*) FROM invitations WHERE status = 'completed'") == N
    if app.config["DATABASE_URL"].startswith("postgresql"):
        _postgresql_checks(db_session)
    else:
        _sqlite_checks(db_session)

    close_round(submitted)
    assert _scalar(db_session, "SELECT count(*) FROM drafts") == 0
    assert _scalar(db_session, "SELECT count(*) FROM responses") == N
    forgotten = [t.encode() for t in (*DRAFT_ONLY.values(), UNSUBMITTED)]
    if app.config["DATABASE_URL"].startswith("postgresql"):
        data = b"".join(_raw_pages(db_session, t) for t in TABLES)
        assert marker(1).encode() not in data  # mixed answers left the linking tables
    else:
        db_session.close()
        db_session.get_bind().dispose()
        data = Path(app.config["DATABASE_URL"].removeprefix("sqlite:///")).read_bytes()
        assert marker(1).encode() in data  # the scan sees the responses' own comments
        assert b'{"answers"' not in data  # and no ballot payload
    for text in forgotten:
        assert text not in data, text


def _postgresql_checks(db_session) -> None:
    try:
        db_session.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
        db_session.commit()
    except sa.exc.DBAPIError:
        db_session.rollback()
        pytest.skip("pageinspect needs a superuser and the contrib package")
    # 1. The xmin join that linked 8 of 8 before.
    assert (
        _scalar(
            db_session, "SELECT count(*) FROM invitations i JOIN responses r ON r.xmin = i.xmin"
        )
        == 0
    )
    # 2. Dead (and live) versions of drafts, ballots and invitations against responses.
    response_xids = {x for (x,) in _rows(db_session, "SELECT DISTINCT xmin::text FROM responses")}
    assert len(response_xids) == 3  # one transaction per batch
    for table in TABLES:
        versions = _heap_items(db_session, table)
        linked = [v for v in versions if {v.t_xmin, v.t_xmax} & response_xids]
        assert not linked, (table, linked)
    assert not [v for v in _heap_items(db_session, "ballots") if v.t_xmin is not None]
    # Only the late respondent's live draft is left: every dead version has been vacuumed.
    assert len([v for v in _heap_items(db_session, "drafts") if v.t_xmin is not None]) == 1
    # 3. Physical order (ctid) against submission order, per batch (= mixer transaction).
    rows = _rows(
        db_session,
        "SELECT r.xmin::text AS batch, r.ctid::text AS ctid, c.text FROM responses r "
        "JOIN response_comments c ON c.response_id = r.id",
    )
    assert len(rows) == N

    def position(ctid: str) -> tuple[int, int]:
        block, offset = ctid.strip("()").split(",")
        return int(block), int(offset)

    by_batch: dict[str, list[tuple[tuple[int, int], int]]] = {}
    for row in rows:
        by_batch.setdefault(row.batch, []).append((position(row.ctid), _whose(row.text)))
    batches = [[who for _, who in sorted(items)] for items in by_batch.values()]
    assert sorted(sorted(b) for b in batches) == [list(range(k * B, (k + 1) * B)) for k in range(3)]
    assert_order_is_chance(batches)


def _heap_items(db_session, table: str) -> list[sa.Row]:
    blocks = _scalar(
        db_session, f"SELECT pg_relation_size('{table}') / current_setting('block_size')::int"
    )
    rows: list[sa.Row] = []
    for block in range(blocks):
        rows += _rows(
            db_session,
            f"SELECT t_xmin::text AS t_xmin, t_xmax::text AS t_xmax "
            f"FROM heap_page_items(get_raw_page('{table}', {block}))",
        )
    return rows


def _raw_pages(db_session, table: str) -> bytes:
    blocks = _scalar(
        db_session, f"SELECT pg_relation_size('{table}') / current_setting('block_size')::int"
    )
    return b"".join(
        bytes(db_session.scalar(sa.text(f"SELECT get_raw_page('{table}', {n})")))
        for n in range(blocks)
    )


def _sqlite_checks(db_session) -> None:
    rows = _rows(
        db_session,
        "SELECT r.rowid AS pos, c.text FROM responses r "
        "JOIN response_comments c ON c.response_id = r.id ORDER BY r.rowid",
    )
    assert len(rows) == N
    order = [_whose(r.text) for r in rows]
    batches = [order[k * B : (k + 1) * B] for k in range(3)]
    assert sorted(sorted(b) for b in batches) == [list(range(k * B, (k + 1) * B)) for k in range(3)]
    assert_order_is_chance(batches)
