"""After a close or a purge: wait, rewrite, verify that no deleted row survives, and record it.

Deleting a ballot, draft or invitation only marks its row version dead; its bytes stay in the
table file until the table is rewritten, and on PostgreSQL a rewrite (``VACUUM FULL``) must
*keep* every version that some open snapshot can still see. An attacker who reads the database
could then join a surviving ballot to its invitation (same ``xmin``). So after the change has
committed:

1. **wait** until no other backend of the database holds a snapshot (``backend_xmin``) or a
   transaction (``backend_xid``) older than that moment, at most ``CLOSE_VERIFY_WAIT`` seconds,
   logging which process and state holds it;
2. **rewrite** every table whose rows the change deleted (``VACUUM FULL`` each; on SQLite, with
   ``secure_delete`` always on, ``VACUUM``);
3. **verify**: every page of every such table (and its TOAST table) through ``pageinspect``:
   no line pointer that is not normal but holds data, no tuple with a deleting ``xmax``; if the
   role may not use ``pageinspect``, ``pgstattuple``'s dead tuple count; otherwise it cannot be
   verified. On SQLite: no free page left and no leftover journal.

The outcome is recorded on the round, audited and printed; until a later ``mognad round
verify`` succeeds the round shows "not verified" with the reason.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

# Every table a close or purge deletes rows from, and the tables the close writes anew.
TOUCHED = (
    "ballots",
    "drafts",
    "invitations",
    "responses",
    "answers",
    "response_comments",
)
POLL = 0.2  # seconds between two looks at pg_stat_activity
LOCK_TIMEOUT = "5s"  # how long a rewrite waits for its table's lock

# Why a verification failed, as stored (``kind: detail``); pages translate the kind.
SNAPSHOT, DEAD, REWRITE, UNVERIFIABLE = "snapshot", "dead", "rewrite", "unverifiable"


@dataclass(frozen=True)
class Outcome:
    verified: bool
    kind: str | None = None  # one of the kinds above when not verified
    detail: str = ""  # for operators: which process, table or count

    @property
    def problem(self) -> str | None:
        """The stored reason (at most 500 characters), None when verified."""
        return None if self.verified else f"{self.kind}: {self.detail}"[:500]


def secure_delete(engine: Engine) -> None:
    """On SQLite, make every connection overwrite deleted content with zeros."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _pragma(dbapi_connection: Any, _record: object) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA secure_delete = ON")
        cursor.close()


def remove_traces(engine: Engine, wait: float) -> Outcome:
    """Wait for older snapshots (at most ``wait`` s), rewrite the touched tables, verify."""
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if engine.dialect.name == "sqlite":
                return _sqlite(conn, engine.url.database)
            if engine.dialect.name != "postgresql":
                return Outcome(False, UNVERIFIABLE, f"no verification for {engine.dialect.name}")
            return _postgresql(conn, wait)
    except SQLAlchemyError as e:
        log.warning("removing traces failed (%s)", type(e).__name__)
        return Outcome(False, REWRITE, f"the database refused ({type(e).__name__})")


# --- SQLite -----------------------------------------------------------------------------------


def _sqlite(conn: Connection, path: str | None) -> Outcome:
    conn.execute(text("VACUUM"))
    free = conn.execute(text("PRAGMA freelist_count")).scalar_one()
    if free:
        return Outcome(False, DEAD, f"{free} free pages remain after VACUUM")
    mode = str(conn.execute(text("PRAGMA journal_mode")).scalar_one()).lower()
    if mode == "wal":
        return Outcome(False, UNVERIFIABLE, "the database runs in WAL mode")
    if path and path != ":memory:":
        journal = f"{path}-journal"
        if os.path.exists(journal) and os.path.getsize(journal) > 0:
            return Outcome(False, DEAD, f"a rollback journal remains ({journal})")
    return Outcome(True)


# --- PostgreSQL -------------------------------------------------------------------------------


def _postgresql(conn: Connection, wait: float) -> Outcome:
    holders = wait_for_snapshots(conn, wait)
    conn.execute(text(f"SET lock_timeout = '{LOCK_TIMEOUT}'"))
    failed = []
    for table in TOUCHED:
        try:
            conn.execute(text(f"VACUUM FULL {table}"))
        except SQLAlchemyError as e:
            log.warning("VACUUM FULL %s failed (%s)", table, type(e).__name__)
            failed.append(table)
    conn.execute(text("RESET lock_timeout"))
    dead = _dead_versions(conn)
    if dead is None:
        return Outcome(False, UNVERIFIABLE, "neither pageinspect nor pgstattuple may be used")
    found = {table: n for table, n in dead.items() if n}
    if not found:
        return Outcome(True)
    counts = ", ".join(f"{n} in {table}" for table, n in found.items())
    if holders:
        return Outcome(
            False, SNAPSHOT, f"older snapshot held by {holders}; dead versions: {counts}"
        )
    if failed:
        return Outcome(False, REWRITE, f"could not rewrite {', '.join(failed)}; dead: {counts}")
    return Outcome(False, DEAD, f"dead versions remain: {counts}")


HOLDERS = text(
    "SELECT pid, coalesce(state, ''), backend_type FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid() AND ("
    " (backend_xmin IS NOT NULL AND age(backend_xmin) > age(CAST(CAST(:t AS text) AS xid)))"
    " OR (backend_xid IS NOT NULL AND age(backend_xid) > age(CAST(CAST(:t AS text) AS xid))))"
    " ORDER BY pid"
)


def wait_for_snapshots(conn: Connection, wait: float) -> str:
    """Wait until no other backend sees the database as it was before now; '' when none does.

    Returns who still held such a snapshot when the wait ran out ("pid 123 idle in
    transaction, …"), which is also logged.
    """
    now = conn.execute(text("SELECT txid_snapshot_xmax(txid_current_snapshot())")).scalar_one()
    threshold = int(now) % 2**32
    deadline = time.monotonic() + max(wait, 0)
    while True:
        rows = conn.execute(HOLDERS, {"t": threshold}).all()
        if not rows:
            return ""
        holders = ", ".join(f"pid {pid} {state or kind}" for pid, state, kind in rows)
        if time.monotonic() >= deadline:
            log.warning("an older snapshot is still held after %s s: %s", wait, holders)
            return holders
        time.sleep(POLL)


PAGE_ITEMS = text(
    "SELECT count(*) FROM generate_series(0,"
    " pg_relation_size(CAST(:rel AS regclass)) / current_setting('block_size')::int - 1) AS blk,"
    " LATERAL heap_page_items(get_raw_page(CAST(:rel AS text), blk)) AS t "
    "WHERE (t.lp_flags <> 1 AND t.lp_len > 0)"
    " OR (t.lp_flags = 1 AND t.t_xmax <> '0'"
    # HEAP_XMAX_INVALID (0x0800) and HEAP_XMAX_LOCK_ONLY (0x0080): not a deletion
    "     AND (t.t_infomask & 2048) = 0 AND (t.t_infomask & 128) = 0)"
)
STATTUPLE = text("SELECT dead_tuple_count FROM pgstattuple(CAST(:rel AS regclass))")


def _relations(conn: Connection, table: str) -> list[str]:
    """The table and its TOAST table (long payloads live there)."""
    toast = conn.execute(
        text(
            "SELECT reltoastrelid::regclass::text FROM pg_class "
            "WHERE oid = CAST(:t AS regclass) AND reltoastrelid <> 0"
        ),
        {"t": table},
    ).scalar()
    return [table, *([toast] if toast else [])]


def _dead_versions(conn: Connection) -> dict[str, int] | None:
    """Dead or deleted row versions per table (TOAST included); None if nothing may look."""
    for extension, query in (("pageinspect", PAGE_ITEMS), ("pgstattuple", STATTUPLE)):
        # Installing a debugging extension is the operator's choice, never a side effect here.
        installed = conn.execute(
            text("SELECT 1 FROM pg_extension WHERE extname = :e"), {"e": extension}
        ).scalar()
        if not installed:
            continue
        try:
            return {
                table: sum(
                    int(conn.execute(query, {"rel": rel}).scalar_one() or 0)
                    for rel in _relations(conn, table)
                )
                for table in TOUCHED
            }
        except SQLAlchemyError as e:
            log.info("%s cannot be used to verify (%s)", extension, type(e).__name__)
    return None


# --- In the app: after the commit, for the command line and the admin pages --------------------


def check_round(name: str, actor: str | None = None) -> Outcome:
    """Remove and verify the traces of round ``name``'s close or purge; record and audit it.

    Call after the change has committed. The app's own session must hold no transaction while
    the tables are rewritten (its locks would stop VACUUM FULL), so it is ended first.
    """
    from flask import current_app
    from sqlalchemy import select

    from survey.extensions import db
    from survey.models import Round
    from survey.models.audit import utcnow
    from survey.services.audit import audit

    db.session.commit()
    outcome = remove_traces(db.engine, float(current_app.config["CLOSE_VERIFY_WAIT"]))
    session = db.session()
    rnd = session.scalar(select(Round).where(Round.name == name))
    if rnd is not None:
        rnd.traces_verified_at = utcnow() if outcome.verified else None
        rnd.traces_problem = outcome.problem
        audit(
            session,
            "round.verify",
            actor=actor,
            round=name,
            verified=outcome.verified,
            reason=outcome.problem,
        )
    session.commit()
    return outcome


def describe(verified_at: object, problem: str | None) -> str | None:
    """The command line's line about a round's traces (None when nothing was checked)."""
    if problem:
        return f"Traces: NOT VERIFIED ({problem}); retry with 'mognad round verify'"
    if verified_at is not None:
        return f"Traces: verified {verified_at:%Y-%m-%d %H:%M} UTC, no deleted row version left"
    return None
