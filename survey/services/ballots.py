"""The ballot box: where a submission waits, unreadable as a response, until its round closes.

A response written by the transaction that completes an invitation would carry that
transaction's id (PostgreSQL ``xmin``), lie next to it in physical order (``ctid``, SQLite's
rowid) and leave dead draft versions that point at both. So a submission only drops its
answers into ``ballots`` (a random id, the round, unit, role and the answers, nothing else).
Ballots become responses only when the round closes (:mod:`survey.services.closing`), all of
them at once, shuffled: no response exists while anyone can still answer.

The payload is built and read by :func:`encode_payload` and :func:`decode_payload` only, so
that sealing it (encryption at rest) changes exactly those two functions.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from survey.models import Ballot, Draft, DraftAnswer
from survey.models.audit import utcnow
from survey.models.responses import random_id

CHUNK = 500  # ids per IN (...) list, well below every database's parameter limit


def chunks(ids: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


# --- The payload ------------------------------------------------------------------------------


def encode_payload(
    answers: Sequence[Mapping[str, object]], comments: Sequence[Mapping[str, object]]
) -> str:
    """The one way a submission's answers and comments become a ballot's stored text."""
    return json.dumps({"answers": list(answers), "comments": list(comments)}, ensure_ascii=False)


def decode_payload(payload: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The one way a ballot's stored text becomes (answers, comments) again."""
    content = json.loads(payload)
    return list(content["answers"]), list(content["comments"])


# --- The box ----------------------------------------------------------------------------------


def drop_ballot(
    session: Session,
    round_id: int,
    unit_id: int,
    role: str,
    answers: Sequence[Mapping[str, object]],
    comments: Sequence[Mapping[str, object]],
) -> bool:
    """Put a submission in the ballot box; False (and nothing stored) if it has no content."""
    return drop_ballots(session, [(round_id, unit_id, role, answers, comments)]) == 1


def drop_ballots(
    session: Session,
    ballots: Sequence[
        tuple[int, int, str, Sequence[Mapping[str, object]], Sequence[Mapping[str, object]]]
    ],
) -> int:
    """Put many submissions (an import of paper answers) in the box; return how many."""
    rows = [
        {
            "id": random_id(),
            "round_id": round_id,
            "unit_id": unit_id,
            "role": role,
            "payload": encode_payload(answers, comments),
        }
        for round_id, unit_id, role, answers, comments in ballots
        if answers or comments
    ]
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
        session.execute(delete(DraftAnswer.__table__).where(DraftAnswer.draft_id.in_(chunk)))
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
