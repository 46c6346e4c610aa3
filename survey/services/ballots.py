"""The ballot box: where a submission waits, unreadable as a response, until its round closes.

A response written by the transaction that completes an invitation would carry that
transaction's id (PostgreSQL ``xmin``), lie next to it in physical order (``ctid``, SQLite's
rowid) and leave dead draft versions that point at both. So a submission only drops its
answers into ``ballots`` (a random id, the round, the unit and a sealed payload, nothing else).
Ballots become responses only when the round closes (:mod:`survey.services.closing`), all of
them at once, shuffled: no response exists while anyone can still answer.

The payload (role, answers, comments) is sealed for its round (:func:`seal_ballot`, see
:mod:`survey.sealing`) and opened only at close (:func:`open_ballot`, :func:`open_all`), so
until then nothing readable at rest says what the person answered, nor in which role.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple, cast

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from survey.models import Ballot, Draft
from survey.models.audit import utcnow
from survey.models.responses import random_id
from survey.sealing import BALLOT, Sealer, SealError, UnknownKey
from survey.services.errors import StateError

CHUNK = 500  # ids per IN (...) list, well below every database's parameter limit


def chunks(ids: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


# --- The payload ------------------------------------------------------------------------------


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


def open_all(sealer: Sealer, round_id: int, name: str, rows: Sequence[Any]) -> list[dict[str, Any]]:
    """Every ballot's content (rows with id, unit_id, payload), in order.

    Raises StateError, before anything is written, if any one ballot cannot be opened: a close
    that lost one answer could never get it back (the ballots are deleted), so it refuses.
    """
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
    raise BallotsUnopened(
        f"round '{name}': {len(rows) - len(contents)} of {len(rows)} pending ballots cannot be "
        f"opened: {'; '.join(problems)}. The round was not closed; every ballot is still waiting.",
        unopened=len(rows) - len(contents),
        pending=len(rows),
        key_ids=sorted(unknown),
    )


class BallotsUnopened(StateError):
    """Some pending ballots cannot be opened; the close is refused and nothing is written.

    It carries the counts and key ids so that a page can say it in the reader's language."""

    def __init__(self, message: str, *, unopened: int, pending: int, key_ids: list[str]) -> None:
        super().__init__(message)
        self.unopened, self.pending, self.key_ids = unopened, pending, key_ids


# --- The box ----------------------------------------------------------------------------------


class Submission(NamedTuple):
    """One person's answers and comments for a unit and role of a round, before the close."""

    round_id: int
    unit_id: int
    role: str
    answers: Sequence[Mapping[str, object]]
    comments: Sequence[Mapping[str, object]]


def drop_ballots(session: Session, ballots: Sequence[Submission], *, sealer: Sealer) -> int:
    """Put submissions (one from the browser, or an import of paper answers) in the box,
    sealed; return how many were stored (one without content is not)."""
    rows = []
    for round_id, unit_id, role, answers, comments in ballots:
        if not answers and not comments:
            continue
        ballot_id = random_id()
        payload = seal_ballot(sealer, ballot_id, round_id, unit_id, role, answers, comments)
        rows.append({"id": ballot_id, "round_id": round_id, "unit_id": unit_id, "payload": payload})
    for start in range(0, len(rows), CHUNK):
        session.execute(Ballot.__table__.insert(), rows[start : start + CHUNK])
    return len(rows)


def pending_count(session: Session, round_id: int | None = None) -> int:
    """Submissions waiting for the close (counts only: they say how many, not what)."""
    query = select(func.count()).select_from(Ballot)
    if round_id is not None:
        query = query.where(Ballot.round_id == round_id)
    return session.scalar(query) or 0


# --- Drafts -----------------------------------------------------------------------------------


def _delete_drafts(session: Session, ids: Sequence[int]) -> int:
    for chunk in chunks(ids):
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
