"""Closing a round: the one transaction in which its responses come to exist.

While a round is open, submissions wait in the ballot box and no response exists, so nothing
written during fieldwork (a transaction id, a physical position, a batch) can tie a response to
the invitation completed at the same moment. At close, in the caller's single transaction:

- every ballot of the round is opened, all of them before anything is written or deleted (if
  one cannot be, e.g. sealed under a secret this installation no longer has, the whole close
  is refused with a message and nothing changes), and written as a response, all in one
  cryptographically shuffled order with fresh random ids, so every response shares the close's
  transaction id and lies on disk in an order unrelated to submission order; the ballots are
  deleted;
- every unsubmitted draft is deleted (nobody can send it any more);
- the invitations lose *who* answered: how many started and completed per unit and role moves
  into ``invitation_counts`` (the fieldwork history), and the invitation rows are deleted and
  inserted again in random order, every one ``pending`` with no reminders, so neither a status,
  a reminder count nor a physical position says who answered;
- the responses are handed to :func:`at_rest` (groups below k move up the tree,
  :func:`survey.services.atrest.store_k_anonymous`).

Because the invitations no longer know who answered, a closed round can never reopen: people
who answered could answer again. After the commit the caller removes the dead row versions and
verifies that they are gone (:mod:`survey.traces`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from survey.models import (
    Answer,
    Ballot,
    Invitation,
    Response,
    ResponseComment,
    Round,
    RoundStatistics,
)
from survey.models.enums import InvitationStatus
from survey.models.responses import random_id
from survey.sealing import Sealer
from survey.services.atrest import store_k_anonymous
from survey.services.ballots import CHUNK, delete_round_drafts, open_all
from survey.services.tallies import add_counts, invitation_groups

_shuffle = secrets.SystemRandom().shuffle


@dataclass(frozen=True)
class Closed:
    responses: int  # ballots opened into responses
    drafts: int  # unsubmitted drafts deleted
    invitations: int  # invitations rewritten without their completion


def close_fieldwork(session: Session, rnd: Round, sealer: Sealer) -> Closed:
    """Open every ballot into shuffled responses, delete drafts, forget who answered.

    The caller has locked the round row (submissions take a share lock on it, so none is
    half-way while this runs and none lands in the box after it) and commits once. ``sealer``
    (the installation's) opens the ballots; StateError, before anything is written, if it
    cannot open one of them: the caller rolls back and the round stays open.
    """
    responses = open_ballots(session, rnd, sealer)
    # ---- k-anonymity at rest: move (unit, role) groups smaller than k up the tree. --------
    at_rest(session, rnd)
    # -----------------------------------------------------------------------------------------
    drafts = delete_round_drafts(session, rnd.id)
    invitations = forget_completion(session, rnd.id)
    session.flush()
    return Closed(responses, drafts, invitations)


def at_rest(session: Session, rnd: Round) -> None:
    """k-anonymity at rest (:func:`survey.services.atrest.store_k_anonymous`).

    It runs inside the close transaction, after the responses are written and before the
    statistics are frozen, so the frozen figures and every later export see the moved groups.
    """
    store_k_anonymous(session, rnd)


def open_ballots(session: Session, rnd: Round, sealer: Sealer) -> int:
    """Move every ballot of the round into responses, shuffled, with fresh random ids.

    Every ballot is opened before any row is written or deleted (StateError if one cannot be);
    the role comes from inside the sealed payload.
    """
    round_id = rnd.id
    rows = list(
        session.execute(
            select(Ballot.id, Ballot.unit_id, Ballot.payload)
            .where(Ballot.round_id == round_id)
            .order_by(Ballot.id)
        )
    )
    if not rows:
        return 0
    opened = list(zip(rows, open_all(sealer, round_id, rnd.name, rows), strict=True))
    _shuffle(opened)
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
    for model, values in ((Response, responses), (Answer, answers), (ResponseComment, comments)):
        for start in range(0, len(values), CHUNK):
            session.execute(model.__table__.insert(), values[start : start + CHUNK])
    session.execute(delete(Ballot.__table__).where(Ballot.__table__.c.round_id == round_id))
    session.execute(delete(RoundStatistics).where(RoundStatistics.round_id == round_id))
    return len(rows)


def forget_completion(session: Session, round_id: int) -> int:
    """Keep started/completed as counts per unit and role; rewrite the invitations without them.

    The rows are deleted and inserted again in random order, so their physical order and
    transaction id are the close's, not the order in which people answered. Invited counts
    stay with the live rows until a purge turns those into counts too (no double counting).
    """
    groups = invitation_groups(session, round_id)
    add_counts(session, round_id, [(u, r, 0, started, done) for u, r, _, started, done in groups])
    table = Invitation.__table__
    rows: list[dict[str, Any]] = [
        dict(row._mapping)
        for row in session.execute(select(table).where(table.c.round_id == round_id))
    ]
    if not rows:
        return 0
    _shuffle(rows)
    for row in rows:
        row.update(status=InvitationStatus.PENDING.value, reminders=0, reminder_state=None)
    session.execute(delete(table).where(table.c.round_id == round_id))
    for start in range(0, len(rows), CHUNK):
        session.execute(table.insert(), rows[start : start + CHUNK])
    return len(rows)
