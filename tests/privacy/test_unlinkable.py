"""Tried as an attacker who reads the whole database after close: responses link to nobody.

The submissions of ``conftest.submitted`` are in the ballot box, never in the responses, until
the close. After it, the attacker joins invitations and responses on PostgreSQL's system columns
(``xmin``, ``ctid``) and on SQLite's ``rowid``, and looks for who answered in the invitations.

On the code before responses existed only from close, each of these found something: the mixer
wrote 10-response batches during fieldwork (``submitted`` fails at the tenth submission), each
batch had its own ``xmin``, the 3 submissions left at close got a transaction of their own
(they were the last 3 to answer), the invitations kept ``completed`` and lay on disk in the
order people answered.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.privacy.conftest import N, email, is_postgresql, order_is_chance, raw_pages, rows, scalar
from tests.support.factory import close_round

DEAD_TABLES = ("drafts", "ballots", "invitations")


def position(ctid: str) -> tuple[int, int]:
    block, offset = ctid.strip("()").split(",")
    return int(block), int(offset)


def test_after_close_every_response_shares_the_close_and_order_is_chance(
    app, submitted, db_session
):
    close_round(submitted.runner)
    assert scalar(db_session, "SELECT count(*) FROM responses") == N
    assert scalar(db_session, "SELECT count(*) FROM ballots") == 0
    # Who answered is gone from the invitations: one status for all, no reminders.
    assert rows(
        db_session, "SELECT DISTINCT status, reminders, reminder_state FROM invitations"
    ) == [("pending", 0, None)]
    assert scalar(db_session, "SELECT sum(completed) FROM invitation_counts") == N
    if is_postgresql(app):
        # 1. xmin: every response and every invitation carries the close's transaction id, so
        #    a join on it pairs everyone with everyone (before: one id per batch, and the 3
        #    left at close had one of their own).
        response_xids = {
            x for (x,) in rows(db_session, "SELECT DISTINCT xmin::text FROM responses")
        }
        invitation_xids = {
            x for (x,) in rows(db_session, "SELECT DISTINCT xmin::text FROM invitations")
        }
        assert len(response_xids) == 1 and invitation_xids == response_xids
        for table in ("answers", "response_comments"):
            assert {x for (x,) in rows(db_session, f"SELECT DISTINCT xmin::text FROM {table}")} == (
                response_xids
            )
        # 2. ctid: responses lie on disk in an order unrelated to submission order.
        found = rows(
            db_session,
            "SELECT r.ctid::text AS ctid, c.text FROM responses r "
            "JOIN response_comments c ON c.response_id = r.id",
        )
        order = [submitted.whose(r.text) for r in sorted(found, key=lambda r: position(r.ctid))]
        # 3. ... and so do the invitations (before: they lay in the order people answered).
        found = rows(db_session, "SELECT ctid::text AS ctid, email FROM invitations")
        emails = {email(i): i for i in range(N)}
        invitations = [
            emails[r.email]
            for r in sorted(found, key=lambda r: position(r.ctid))
            if r.email in emails
        ]
        assert sorted(invitations) == list(range(N))
        order_is_chance(invitations)
    else:
        found = rows(
            db_session,
            "SELECT r.rowid AS pos, c.text FROM responses r "
            "JOIN response_comments c ON c.response_id = r.id ORDER BY r.rowid",
        )
        order = [submitted.whose(r.text) for r in found]
    assert sorted(order) == list(range(N))  # every submission is a response exactly once
    order_is_chance(order)


def test_the_last_few_submissions_are_shuffled_among_all(app, submitted, db_session):
    """Fewer than a batch pending at close used to form a group of their own; now no group."""
    close_round(submitted.runner)
    last = {submitted.marker(i) for i in range(N - 3, N)}
    found = rows(
        db_session,
        ("SELECT r.xmin::text AS grp, " if is_postgresql(app) else "SELECT 1 AS grp, ")
        + "c.text FROM responses r JOIN response_comments c ON c.response_id = r.id",
    )
    groups = {r.grp for r in found if r.text in last}
    assert len(groups) == 1
    same = [r for r in found if r.grp in groups]
    assert len(same) == N  # the last three hide among all N, not among three


def test_nothing_of_a_draft_or_ballot_survives_anywhere(app, submitted, db_session):
    close_round(submitted.runner)
    assert scalar(db_session, "SELECT count(*) FROM drafts") == 0
    forgotten = [t.encode() for t in (*submitted.draft_only.values(), submitted.unsubmitted)]
    if is_postgresql(app):
        try:
            db_session.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
            db_session.commit()
        except sa.exc.DBAPIError as e:
            db_session.rollback()
            pytest.skip(f"the raw-page scan needs PostgreSQL's pageinspect extension ({e.orig})")
        data = b"".join(raw_pages(db_session, t) for t in DEAD_TABLES)
        assert submitted.marker(1).encode() not in data  # answers left the linking tables
    else:
        db_session.close()
        db_session.get_bind().dispose()
        data = Path(app.config["DATABASE_URL"].removeprefix("sqlite:///")).read_bytes()
        assert submitted.marker(1).encode() in data  # the scan sees the responses' own comments
        assert b'{"answers"' not in data  # and no ballot payload
    for text in forgotten:
        assert text not in data, text
