"""Tried as an attacker who reads dead row versions (pageinspect) after close, on PostgreSQL.

``VACUUM FULL`` keeps every row version that an open snapshot may still see. Before, nothing
waited for such snapshots and nothing checked: in 2 of 6 mixes old ballot versions (answers in
their JSON, ``t_xmin`` equal to the completed invitation's) survived, silently. Now the close
waits for older snapshots, rewrites the tables, reads every page back and says whether any
deleted version is left; a round that could not be verified says so until a retry succeeds.
On the old code the close printed nothing about it and ``mognad round verify`` did not exist.
"""

from __future__ import annotations

import sqlalchemy as sa

from survey.models import AuditLog, Round
from tests.privacy.conftest import TOUCHED, N, engine, raw_pages

XMAX_INVALID, XMAX_LOCK_ONLY = 0x0800, 0x0080


def dead(items: list[sa.Row]) -> list[sa.Row]:
    """Line pointers that are not normal but hold data, and tuples some transaction deleted."""
    return [
        i
        for i in items
        if (i.lp_flags != 1 and i.lp_len)
        or (
            i.lp_flags == 1
            and i.t_xmax not in (None, "0")
            and not i.t_infomask & (XMAX_INVALID | XMAX_LOCK_ONLY)
        )
    ]


def test_no_dead_version_remains_in_any_touched_table_after_close(
    submitted, pageinspect, db_session
):
    before = {table: dead(pageinspect(table)) for table in TOUCHED}
    assert before["drafts"]  # the attack has something to find before the close: deleted drafts
    result = submitted.runner.invoke(args=["round", "close", "R2025"])
    assert result.exit_code == 0, result.output
    assert "Verified: no deleted row version" in result.output
    for table in TOUCHED:
        assert dead(pageinspect(table)) == [], table
    rnd = db_session.scalar(sa.select(Round))
    assert rnd.traces_verified_at is not None and rnd.traces_problem is None
    status = submitted.runner.invoke(args=["round", "status", "R2025"]).output
    assert "Traces: verified" in status


def test_an_old_snapshot_makes_the_close_unverified_until_it_ends(
    app, submitted, pageinspect, db_session
):
    app.config["CLOSE_VERIFY_WAIT"] = 1
    holder = engine(app).connect()
    try:
        holder.execute(sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        holder.execute(sa.text("SELECT 1"))  # a snapshot taken before the close, no table lock
        pid = holder.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        result = submitted.runner.invoke(args=["round", "close", "R2025"])
        assert result.exit_code == 0, result.output  # the close itself stands
        # The attack: the snapshot kept deleted ballots through VACUUM FULL. Their answers are
        # sealed (survey.sealing), so the marker is not in clear, but the dead rows are there,
        # and whoever holds the installation's secret key could still open them.
        last = submitted.marker(N - 1).encode()  # still a ballot at close on the old code too
        assert dead(pageinspect("ballots"))
        assert last not in raw_pages(db_session, "ballots")
        # ... and the close says so instead of staying silent.
        assert "NOT VERIFIED" in result.output
        assert f"pid {pid} idle in transaction" in result.output
        rnd = db_session.scalar(sa.select(Round))
        assert rnd.traces_verified_at is None and rnd.traces_problem.startswith("snapshot:")
        status = submitted.runner.invoke(args=["round", "status", "R2025"]).output
        assert "Traces: NOT VERIFIED" in status and "mognad round verify" in status
        # While the snapshot lives a retry cannot succeed either, and says so.
        retry = submitted.runner.invoke(args=["round", "verify", "R2025"])
        assert retry.exit_code == 1 and "NOT VERIFIED" in retry.output
    finally:
        holder.rollback()
        holder.close()
    retry = submitted.runner.invoke(args=["round", "verify", "R2025"])
    assert retry.exit_code == 0, retry.output
    assert "Verified: no deleted row version" in retry.output
    for table in TOUCHED:
        assert dead(pageinspect(table)) == [], table
    assert submitted.marker(N - 1).encode() not in raw_pages(db_session, "ballots")
    db_session.expire_all()
    rnd = db_session.scalar(sa.select(Round))
    assert rnd.traces_verified_at is not None and rnd.traces_problem is None
    assert "Traces: verified" in submitted.runner.invoke(args=["round", "status", "R2025"]).output
    outcomes = [
        d["verified"]
        for d in db_session.scalars(
            sa.select(AuditLog.detail)
            .where(AuditLog.action == "round.verify")
            .order_by(AuditLog.id)
        )
    ]
    assert outcomes == [False, False, True]


def test_on_sqlite_the_close_leaves_no_free_page_and_no_journal(app, submitted, db_session):
    """SQLite: deleted content is zeroed (secure_delete) and the file rebuilt without free pages."""
    if not str(app.config["DATABASE_URL"]).startswith("sqlite"):
        import pytest

        pytest.skip("free pages and the rollback journal are a SQLite matter")
    result = submitted.runner.invoke(args=["round", "close", "R2025"])
    assert result.exit_code == 0 and "Verified: no deleted row version" in result.output
    db_session.rollback()
    assert db_session.scalar(sa.text("PRAGMA freelist_count")) == 0
    path = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    import os

    assert not os.path.exists(f"{path}-journal") or os.path.getsize(f"{path}-journal") == 0
    assert db_session.scalar(sa.select(Round.traces_verified_at)) is not None


def test_without_pageinspect_pgstattuple_verifies_and_without_either_it_says_so(
    app, make_round, runner, write_csv, db_session
):
    """A role that may not read pages still gets an honest answer: counted, or "cannot verify"."""
    import pytest

    from tests.support.factory import invite

    if not str(app.config["DATABASE_URL"]).startswith("postgresql"):
        pytest.skip("extensions are a PostgreSQL matter")
    make_round()
    invite(runner, write_csv)
    db_session.execute(sa.text("DROP EXTENSION IF EXISTS pageinspect"))
    db_session.execute(sa.text("DROP EXTENSION IF EXISTS pgstattuple"))
    result = runner.invoke(args=["round", "close", "R2025"])
    assert result.exit_code == 0, result.output
    assert (
        "NOT VERIFIED" in result.output and "neither pageinspect nor pgstattuple" in result.output
    )
    assert (
        "Traces: NOT VERIFIED (unverifiable:"
        in runner.invoke(args=["round", "status", "R2025"]).output
    )
    try:
        db_session.execute(sa.text("CREATE EXTENSION pgstattuple"))
    except sa.exc.DBAPIError:
        pytest.skip("pgstattuple needs a superuser and the contrib package")
    retry = runner.invoke(args=["round", "verify", "R2025"])
    assert retry.exit_code == 0 and "Verified: no deleted row version" in retry.output
