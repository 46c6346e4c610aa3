"""Tried as an attacker who reads the database's files during fieldwork: no answer in clear.

A respondent who only saved a draft, one who submitted (the ballot waits for its batch) and an
open-link respondent each write a unique marker into a comment. After a CHECKPOINT no file of
the PostgreSQL data directory (relation files with TOAST and indexes, free space, dead row
versions, ``pg_wal/``) nor the server log holds the marker; on SQLite neither the database file
nor its journal does. The last test shows that the same search finds a marker stored in clear,
so a pass means the marker is absent, not that the search is blind.
"""

from __future__ import annotations

import secrets

import pytest
import sqlalchemy as sa

from tests.privacy.scan import files_at_rest, holding
from tests.support.forms import Browser
from tests.support.postgres import PostgresServer

COMMENT = "c-comment_learning"
THANKS = "Tack för dina svar!"


@pytest.fixture
def server(request: pytest.FixtureRequest, database_url: str) -> PostgresServer | None:
    if database_url.startswith("sqlite"):
        return None
    return request.getfixturevalue("postgres")


def new_marker(kind: str) -> str:
    return f"{kind} {secrets.token_hex(8)} i klartext"


def answer(b: Browser, comment: str) -> None:
    """From the welcome page to the review page, every statement answered, ``comment`` written."""
    b.press("Starta enkäten")
    while b.page is not None and b.page.h1 != "Granska dina svar":
        assert b.page.status == 200, b.page.path
        fill = {COMMENT: comment} if COMMENT in b.page.forms[0].texts else {}
        b.press("Nästa", choose="first", fill=fill)


def test_drafts_and_ballots_are_not_readable_at_rest(
    app, make_survey, db_session, database_url, server
):
    survey = make_survey(people=2)
    saved, sent = new_marker("utkast"), new_marker("inskickat")
    drafter = Browser(app.test_client())
    drafter.get(survey.link("employee", 0))
    answer(drafter, saved)
    submitter = Browser(app.test_client())
    submitter.get(survey.link("employee", 1))
    answer(submitter, sent)
    assert submitter.press("Skicka in svaren").h1 == THANKS
    db_session.rollback()
    assert db_session.scalar(sa.text("SELECT count(*) FROM ballots")) == 1  # not a response yet
    # The draft is still the respondent's: a new visit with the link resumes it, comment and all.
    again = Browser(app.test_client())
    again.get(survey.link("employee", 0))
    review = again.get("/survey/review")
    assert review.h1 == "Granska dina svar" and "Du har svarat på alla påståenden." in review.html
    assert saved in again.get(f"/survey/page/{last_page(review)}").html

    files = files_at_rest(db_session, database_url, server)
    assert files
    for marker in (saved, sent):
        assert holding(files, marker.encode()) == [], marker


def test_an_open_link_draft_is_not_readable_at_rest(
    app, make_survey, db_session, database_url, server
):
    survey = make_survey(mode="open")
    saved = new_marker("öppet utkast")
    b = Browser(app.test_client())
    b.get(survey.unit_link("EDU-A"))
    b.press("Fortsätt", fill={"role": "employee"})
    answer(b, saved)
    # A change of role keeps the comment (every role is asked it) and reseals the draft.
    b.get("/survey/role")
    b.press("Fortsätt", fill={"role": "manager"})
    review = b.get("/survey/review")
    assert saved in b.get(f"/survey/page/{last_page(review)}").html

    files = files_at_rest(db_session, database_url, server)
    assert holding(files, saved.encode()) == []


def last_page(review) -> int:
    """The comment page: the last numbered page the review page links to."""
    import re

    return max(int(n) for n in re.findall(r"/survey/page/(\d+)", review.html))


def test_the_search_finds_a_marker_stored_in_clear(app, db_session, database_url, server):
    marker = new_marker("kontroll")
    db_session.execute(sa.text("CREATE TABLE scratch_plain (note TEXT)"))
    db_session.execute(sa.text("INSERT INTO scratch_plain (note) VALUES (:m)"), {"m": marker})
    db_session.commit()
    found = holding(files_at_rest(db_session, database_url, server), marker.encode())
    if database_url.startswith("sqlite"):
        assert [p.name for p in found] == ["mognad.db"]
    else:
        assert any("pg_wal" in p.parts for p in found), found  # the write-ahead log
        assert any("base" in p.parts for p in found), found  # the table's own file
