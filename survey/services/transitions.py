"""A round's status moves: open, close and publish, each a guarded, locked transition.

Apart from :mod:`survey.services.rounds` (creation, look-up, snapshots) because closing computes
and stores the round's figures (:mod:`survey.services.stored`), and the figures are built from
rounds and their snapshots: the state machine sits above both, so neither imports it back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import update
from sqlalchemy.orm import Session

from survey.models import Round
from survey.models.audit import utcnow
from survey.models.enums import RoundStatus
from survey.models.rounds import TRACES_NOT_CHECKED
from survey.sealing import Sealer
from survey.services.closing import close_fieldwork
from survey.services.errors import StateError
from survey.services.rounds import get_round, snapshot_questionnaire
from survey.services.settings import FigureSettings
from survey.services.statistics import cached, leaf_statistics, response_count, store
from survey.services.stored import store_round

if TYPE_CHECKING:
    from sqlalchemy import CursorResult


# status → the statuses it may move to, with the command's verb.
# A closed round never reopens: its invitations no longer know who answered (closing.py).
TRANSITIONS = {
    "open": (RoundStatus.DRAFT,),
    "close": (RoundStatus.OPEN,),
    "publish": (RoundStatus.CLOSED,),
}
TARGET = {"open": RoundStatus.OPEN, "close": RoundStatus.CLOSED, "publish": RoundStatus.PUBLISHED}


class ClosedForGood(StateError):
    """Reopening a closed round: refused, because it no longer knows who has answered."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"Omgången '{name}' är stängd och kan inte öppnas igen. Vid stängningen togs "
            "uppgiften om vem som har svarat bort, så den som redan har svarat skulle kunna "
            "svara en gång till. Skapa en ny omgång i stället."
        )


def move_round(
    session: Session,
    name: str,
    action: str,
    *,
    sealer: Sealer | None = None,
    settings: FigureSettings | None = None,
) -> Round:
    """Apply open/close/publish, refusing illegal moves with a message that says why.

    The round's row is locked first and its status read again under the lock: a close waits
    for every submission in flight (they hold a share lock on the row, survey.services.respond)
    and two closes never both run. Closing opens the sealed ballots, which only the
    installation's ``sealer`` can do, and stores the figures made with the installation's
    ``settings``.
    """
    if action == "close" and sealer is None:
        raise ValueError("closing a round opens its ballots: pass the installation's sealer")
    if action == "close" and settings is None:
        raise ValueError("closing a round stores its figures: pass the installation's settings")
    rnd = get_round(session, name)
    session.refresh(rnd, with_for_update=True)
    allowed = TRANSITIONS[action]
    target = TARGET[action]
    if rnd.status == target:
        raise StateError(f"round '{name}' is already {target}")
    if action == "open" and rnd.status == RoundStatus.CLOSED:
        raise ClosedForGood(name)
    if rnd.status not in allowed:
        raise StateError(
            f"round '{name}' is {rnd.status} and cannot be moved to {target}; "
            f"only a round that is {' or '.join(allowed)} can"
        )
    # Claim the move with a guarded write: on SQLite (no row locks) a second close that read
    # the same status finds nothing to claim, and from here on reads what is committed.
    table = Round.__table__
    claimed = cast(
        "CursorResult[Any]",
        session.execute(
            update(table)
            .where(table.c.id == rnd.id, table.c.status == rnd.status)
            .values(status=target)
        ),
    ).rowcount
    if claimed != 1:
        raise StateError(f"round '{name}' was changed at the same time; nothing was done")
    session.refresh(rnd)
    if target == RoundStatus.CLOSED:
        close_fieldwork(session, rnd, sealer)  # type: ignore[arg-type]  # checked above
        rnd.closed_at = utcnow()
        rnd.traces_verified_at = None
        rnd.traces_problem = TRACES_NOT_CHECKED
        freeze_statistics(session, rnd)
        session.flush()
        store_round(session, rnd, settings)  # type: ignore[arg-type]  # checked above
    elif target == RoundStatus.PUBLISHED:
        rnd.published_at = utcnow()
    session.flush()
    return rnd


def freeze_statistics(session: Session, rnd: Round) -> None:
    """Compute a closing round's statistics once, so its reports and dashboards need no scan."""
    if cached(session, rnd.id) is None:
        stats = leaf_statistics(
            session, rnd.id, rnd.snapshot_id, snapshot_questionnaire(session, rnd)
        )
        store(session, rnd.id, stats, response_count(session, rnd.id))
