"""The ballot box and the mixer that empties it, shuffled, into the anonymous responses.

A response written by the transaction that completes an invitation carries that transaction's
id (PostgreSQL ``xmin``), lands next to it in physical order (``ctid``, SQLite's rowid) and
leaves dead draft versions that point at both. So a submission only drops its answers into
``ballots`` (a random id and the answers, nothing else), and the mixer, in a transaction of its
own, moves whole batches of at least B ballots into ``responses`` in random order with fresh
ids and deletes the ballots; after its commit the tables whose dead row versions could still
link are vacuumed. A ballot's content is sealed for its round (:func:`seal_ballot`), so until
it is mixed nothing readable at rest says what the person answered.

A mix is a single transaction, so a crash before its commit leaves every ballot pending and one
after it leaves every ballot mixed. It opens every ballot before it deletes any, so a ballot it
cannot open (sealed under a secret this installation no longer has) stops the whole mix with
a message and leaves the ballot box as it was. The mixer claims ballots by deleting them and
checks that it deleted exactly what it read, so two mixers racing never both move one ballot.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, Engine, delete, event, func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from survey.models import (
    Answer,
    Ballot,
    Draft,
    Response,
    ResponseComment,
    Round,
    RoundStatistics,
)
from survey.models.audit import utcnow
from survey.models.enums import RoundStatus
from survey.models.responses import random_id
from survey.sealing import BALLOT, Sealer, SealError, UnknownKey
from survey.services.errors import StateError

if TYPE_CHECKING:
    from sqlalchemy import CursorResult

log = logging.getLogger(__name__)

CHUNK = 500  # ids per IN (...) list, well below every database's parameter limit
# Tables whose dead row versions can tie a submission to a person: the ballot itself, the
# submitted draft (its invitation and answers) and the invitation marked completed.
LINKING_TABLES = ("ballots", "drafts", "invitations")

_shuffle = secrets.SystemRandom().shuffle


class MixConflict(Exception):
    """Another mixer claimed some of these ballots first; this mix must be rolled back."""


def _chunks(ids: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


# --- The ballot box ---------------------------------------------------------------------------


def drop_ballot(
    session: Session,
    round_id: int,
    unit_id: int,
    role: str,
    answers: Sequence[Mapping[str, object]],
    comments: Sequence[Mapping[str, object]],
    *,
    sealer: Sealer,
) -> bool:
    """Put a submission in the ballot box; False (and nothing stored) if it has no content."""
    if not answers and not comments:
        return False
    ballot_id = random_id()
    payload = seal_ballot(sealer, ballot_id, round_id, unit_id, role, answers, comments)
    session.execute(
        Ballot.__table__.insert(),
        [{"id": ballot_id, "round_id": round_id, "unit_id": unit_id, "payload": payload}],
    )
    return True


def _ballot_place(ballot_id: str, round_id: int, unit_id: int) -> str:
    """What a ballot's seal is bound to: moved to another round, unit or row, it will not open."""
    return f"round={round_id} unit={unit_id} id={ballot_id}"


def seal_ballot(
    sealer: Sealer,
    ballot_id: str,
    round_id: int,
    unit_id: int,
    role: str,
    answers: Sequence[Mapping[str, object]],
    comments: Sequence[Mapping[str, object]],
) -> str:
    """A ballot's content (role, answers, comments) sealed under the round's ballot key."""
    content = {"role": role, "answers": list(answers), "comments": list(comments)}
    return sealer.seal(BALLOT, str(round_id), _ballot_place(ballot_id, round_id, unit_id), content)


def open_ballot(
    sealer: Sealer, ballot_id: str, round_id: int, unit_id: int, payload: str
) -> dict[str, Any]:
    """The content :func:`seal_ballot` sealed; UnknownKey or SealError when it cannot open."""
    place = _ballot_place(ballot_id, round_id, unit_id)
    return cast("dict[str, Any]", sealer.open(BALLOT, str(round_id), place, payload))


def _open_all(
    sealer: Sealer, round_id: int, name: str, rows: Sequence[Any]
) -> list[dict[str, Any]]:
    """Every ballot's content, or StateError (nothing written) if any one cannot be opened."""
    contents, unknown, broken = [], set(), 0
    for row in rows:
        try:
            contents.append(open_ballot(sealer, row.id, round_id, row.unit_id, row.payload))
        except UnknownKey as e:
            unknown.add(e.key_id)
        except SealError:
            broken += 1
    if not unknown and not broken:
        return contents
    problems = []
    if unknown:
        problems.append(
            f"{len(rows) - len(contents) - broken} were sealed under a secret key this "
            f"installation does not have (key id {', '.join(sorted(unknown))}); set "
            "MOGNAD_SECRET_KEY_PREVIOUS to the secret key they were sealed with"
        )
    if broken:
        problems.append(f"{broken} were altered or moved from another row")
    raise StateError(
        f"round '{name}': {len(rows) - len(contents)} of {len(rows)} pending ballots cannot be "
        f"opened: {'; '.join(problems)}. Nothing was mixed; every ballot is still waiting."
    )


def pending_count(session: Session, round_id: int | None = None) -> int:
    query = select(func.count()).select_from(Ballot)
    if round_id is not None:
        query = query.where(Ballot.round_id == round_id)
    return session.scalar(query) or 0


def rounds_with_ballots(session: Session) -> list[int]:
    return list(session.scalars(select(Ballot.round_id).distinct().order_by(Ballot.round_id)))


# --- The mixer --------------------------------------------------------------------------------


def mix_round(
    session: Session, round_id: int, batch: int, force: bool = False, *, sealer: Sealer
) -> int:
    """Move the round's pending ballots into responses if there are at least ``batch``.

    A round that is no longer open is mixed whatever is left (``force`` does the same for an
    open one). Returns how many ballots were mixed; the caller commits, then calls vacuum().
    ``sealer`` opens the ballots (the installation's, with the previous secret key if any).
    """
    found = session.execute(
        select(Round.status, Round.name).where(Round.id == round_id).with_for_update()
    ).first()
    if found is None:
        return 0
    status, name = found
    rows = list(
        session.execute(
            select(Ballot.id, Ballot.unit_id, Ballot.payload).where(Ballot.round_id == round_id)
        )
    )
    if not rows or (len(rows) < batch and not force and status == RoundStatus.OPEN):
        return 0
    opened = list(zip(rows, _open_all(sealer, round_id, name, rows), strict=True))
    _shuffle(opened)
    table = Ballot.__table__
    claimed = sum(
        # A DELETE's result is a cursor result, which carries the row count.
        cast(
            "CursorResult[Any]", session.execute(delete(table).where(table.c.id.in_(chunk)))
        ).rowcount
        for chunk in _chunks([r.id for r, _ in opened])
    )
    if claimed != len(rows):
        raise MixConflict(f"round {round_id}: another mixer took {len(rows) - claimed} ballots")
    responses: list[dict[str, object]] = []
    answers: list[dict[str, object]] = []
    comments: list[dict[str, object]] = []
    for row, content in opened:
        rid = random_id()
        responses.append(
            {"id": rid, "round_id": round_id, "unit_id": row.unit_id, "role": content["role"]}
        )
        answers.extend({**a, "response_id": rid} for a in content["answers"])
        comments.extend({**c, "response_id": rid} for c in content["comments"])
    # Rows go in, and so lie on disk, in the shuffled order.
    session.execute(Response.__table__.insert(), responses)
    if answers:
        session.execute(Answer.__table__.insert(), answers)
    if comments:
        session.execute(ResponseComment.__table__.insert(), comments)
    # The cache is keyed on the response count and would go stale anyway; say so explicitly.
    session.execute(delete(RoundStatistics).where(RoundStatistics.round_id == round_id))
    session.flush()
    return len(rows)


# --- Drafts -----------------------------------------------------------------------------------


def _delete_drafts(session: Session, ids: Sequence[int]) -> int:
    for chunk in _chunks(ids):
        session.execute(delete(Draft.__table__).where(Draft.id.in_(chunk)))
    session.flush()
    return len(ids)


def expire_drafts(session: Session, days: int, now: datetime | None = None) -> int:
    """Delete open-link drafts untouched for ``days`` days (nobody can be reminded of them)."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    ids = session.scalars(
        select(Draft.id).where(Draft.browser_key.is_not(None), Draft.updated_at < cutoff)
    ).all()
    return _delete_drafts(session, ids)


def delete_round_drafts(session: Session, round_id: int) -> int:
    """Delete every unsubmitted draft of a round (at close: nobody can submit them any more)."""
    ids = session.scalars(select(Draft.id).where(Draft.round_id == round_id)).all()
    return _delete_drafts(session, ids)


# --- Dead row versions ------------------------------------------------------------------------


def secure_delete(engine: Engine) -> None:
    """On SQLite, make every connection overwrite deleted content with zeros."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _pragma(dbapi_connection: Any, _record: object) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA secure_delete = ON")
        cursor.close()


def vacuum(engine: Engine, full: bool = False) -> bool:
    """Remove dead row versions after a committed mix, purge or close; False if it could not.

    Runs outside any transaction (VACUUM cannot run inside one). On PostgreSQL the small ballot
    table is always rewritten (VACUUM FULL: its old file, stale bytes and all, is dropped) and
    ``full`` rewrites the other linking tables too. A rewrite waits at most 5 s for its lock;
    after a close or purge (``full``, rare and deliberate) it is tried six times before a
    plain VACUUM, which frees the rows but may leave their bytes in free space until the next
    rewrite. On SQLite the whole file is rebuilt. A failure is logged and harmless: the data is
    already mixed, and the next run vacuums again.
    """
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if engine.dialect.name == "sqlite":
                conn.execute(text("VACUUM"))
                return True
            if engine.dialect.name != "postgresql":
                return False
            conn.execute(text("SET lock_timeout = '5s'"))
            for table in LINKING_TABLES:
                if (full or table == "ballots") and _rewrite(conn, table, 6 if full else 1):
                    continue
                conn.execute(text(f"VACUUM {table}"))
            conn.execute(text("RESET lock_timeout"))
            return True
    except SQLAlchemyError as e:
        log.warning("vacuum after mixing failed (%s); the next mix retries", type(e).__name__)
        return False


def _rewrite(conn: Connection, table: str, attempts: int) -> bool:
    """VACUUM FULL ``table``, retrying when its lock is busy; False when it never got it."""
    for attempt in range(attempts):
        try:
            conn.execute(text(f"VACUUM FULL {table}"))
            return True
        except SQLAlchemyError:
            log.warning(
                "VACUUM FULL %s could not get its lock (attempt %d; held by %s)",
                table,
                attempt + 1,
                _holders(conn, table),
            )
    return False


def _holders(conn: Connection, table: str) -> str:
    """Who holds a lock on ``table`` (process, state, lock mode): what a retry waited for."""
    try:
        rows = conn.execute(
            text(
                "SELECT a.pid, a.state, a.backend_type, l.mode FROM pg_locks l "
                "JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.relation = CAST(:table AS regclass) AND l.pid <> pg_backend_pid()"
            ),
            {"table": table},
        ).all()
    except SQLAlchemyError:
        return "unknown"
    return ", ".join(f"{pid} {state} {kind} {mode}" for pid, state, kind, mode in rows) or "none"
